"""a group's texting spend a day

Revision ID: d4f8a2c61e07
Revises: d4f8a2c6e913
Create Date: 2026-12-04 21:00:00.000000

One row a group a local day: the SMS segments sent, and whether its coordinators were told the daily
cap was reached.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4f8a2c61e07'
down_revision = 'd4f8a2c6e913'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sms_spend',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('segments', sa.Integer(), nullable=False),
    sa.Column('alerted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['group.id'], name=op.f('fk_sms_spend_group_id_group')),
    sa.PrimaryKeyConstraint('group_id', 'day', name=op.f('pk_sms_spend'))
    )


def downgrade():
    op.drop_table('sms_spend')
