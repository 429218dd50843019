"""need purged_at

Revision ID: b7e3c5a9d204
Revises: a4d8e2f61c97
Create Date: 2026-12-04 19:00:00.000000

The retention purge marks each closed need whose personal data it removed, so it never does the
same need twice and coordinators can tell a purged request from an empty one.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e3c5a9d204'
down_revision = 'a4d8e2f61c97'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
