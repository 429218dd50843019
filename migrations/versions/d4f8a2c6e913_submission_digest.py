"""a digest of what a submission sent, beside its key

Revision ID: d4f8a2c6e913
Revises: a4d8f2c61e90
Create Date: 2026-12-04 21:00:00.000000

A submission key (a form's one-use key, an API caller's Idempotency-Key) is now stored as a digest of
who sent it and the key, and beside it a digest of what was sent: the same key with the same content is
a retry and gets the first record back; with other content it is refused. Existing rows have no content
digest, so a retry of one of them is still answered with the first record.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4f8a2c6e913'
down_revision = 'a4d8f2c61e90'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('need', 'offer'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('submission_digest', sa.String(length=64), nullable=True))


def downgrade():
    for table in ('offer', 'need'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('submission_digest')
