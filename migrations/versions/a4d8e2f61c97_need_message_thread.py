"""need message thread

Revision ID: a4d8e2f61c97
Revises: 4c2e9a7d1b85
Create Date: 2026-12-04 18:00:00.000000

Every message between a need's requester and its volunteer (relayed texts and messages written
on the need's page) is kept in need_message, so a reply to a volunteer without a phone, or one
that arrives after the claim ended, is never lost and shows on the need's page.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4d8e2f61c97'
down_revision = '4c2e9a7d1b85'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('need_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_role', sa.String(length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('via', sa.String(length=5), nullable=False),
    sa.Column('passed_on', sa.String(length=5), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['person.id'], name=op.f('fk_need_message_author_id_person')),
    sa.ForeignKeyConstraint(['claim_id'], ['claim.id'], name=op.f('fk_need_message_claim_id_claim')),
    sa.ForeignKeyConstraint(['need_id'], ['need.id'], name=op.f('fk_need_message_need_id_need')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need_message'))
    )
    with op.batch_alter_table('need_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_message_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index('ix_need_message_need_created', ['need_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('need_message', schema=None) as batch_op:
        batch_op.drop_index('ix_need_message_need_created')
        batch_op.drop_index(batch_op.f('ix_need_message_claim_id'))

    op.drop_table('need_message')
