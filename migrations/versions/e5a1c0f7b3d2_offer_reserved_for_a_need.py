"""offer reserved for a need

Revision ID: e5a1c0f7b3d2
Revises: b7e2c4d9a1f3
Create Date: 2026-12-03 10:00:00.000000

A coordinator sets an open offer aside for one need (offer.status "reserved"); offer.need_id says
which, and stays once the offer is given, so the group can see what went where.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5a1c0f7b3d2'
down_revision = 'b7e2c4d9a1f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('need_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_offer_need_id'), ['need_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_offer_need_id_need'), 'need', ['need_id'], ['id'])


def downgrade():
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_offer_need_id_need'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_offer_need_id'))
        batch_op.drop_column('need_id')
