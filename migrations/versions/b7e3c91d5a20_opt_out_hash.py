"""opt-out hash

Revision ID: b7e3c91d5a20
Revises: b7e3c5a9d204
Create Date: 2026-12-04 19:00:00.000000

When a person who had opted out is erased, their number is kept only as a keyed hash in
opt_out_hash, so a later text from (or to) that number is still treated as opted out.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e3c91d5a20'
down_revision = 'b7e3c5a9d204'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('opt_out_hash',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_opt_out_hash'))
    )


def downgrade():
    op.drop_table('opt_out_hash')
