"""practice needs and offers

Revision ID: a7c3e9f1d2b4
Revises: e5a1c0f7b3d2
Create Date: 2026-12-04 18:00:00.000000

A need or offer made from the coordinators' SMS simulator is practice: it never reaches real
volunteers, never counts in figures, and can be cleared. Those already made from a simulated
number are marked here.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e9f1d2b4'
down_revision = 'e5a1c0f7b3d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.add_column(sa.Column('practice', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('practice', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE need SET practice = TRUE WHERE requester_id IN (SELECT id FROM person WHERE simulated)")
    op.execute("UPDATE offer SET practice = TRUE WHERE person_id IN (SELECT id FROM person WHERE simulated)")


def downgrade():
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_column('practice')
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.drop_column('practice')
