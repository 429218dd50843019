"""dashboard indexes: open by kind, location problems

Revision ID: a41c7e9d2b60
Revises: 853d0e2c7379
Create Date: 2026-11-22 05:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a41c7e9d2b60'
down_revision = '853d0e2c7379'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.drop_index('ix_need_group_status')
        batch_op.create_index('ix_need_group_status_category', ['group_id', 'status', 'category'], unique=False)
        batch_op.create_index('ix_need_location_problem', ['group_id', 'location_status', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.drop_index('ix_need_location_problem')
        batch_op.drop_index('ix_need_group_status_category')
        batch_op.create_index('ix_need_group_status', ['group_id', 'status'], unique=False)
