"""nearby needs index covers age and id

Revision ID: b7e2c4d9a1f3
Revises: a41c7e9d2b60
Create Date: 2026-12-01 20:55:00.000000

"Needs near me" reads (id, point, created_at) of the open needs in a box. With created_at and id
in the index, PostgreSQL answers from the index alone (SQLite's index already carried the rowid),
and ties at the last distance are ordered without a second query.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7e2c4d9a1f3'
down_revision = 'a41c7e9d2b60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.drop_index('ix_need_status_public_lat')
        batch_op.create_index('ix_need_open_nearby', ['status', 'public_lat', 'public_lon', 'created_at', 'id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.drop_index('ix_need_open_nearby')
        batch_op.create_index('ix_need_status_public_lat', ['status', 'public_lat', 'public_lon'], unique=False)
