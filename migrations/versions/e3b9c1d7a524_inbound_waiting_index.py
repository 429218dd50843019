"""inbound texts waiting for an answer, indexed by sender

Revision ID: e3b9c1d7a524
Revises: 9a0a7cf7d16e
Create Date: 2026-12-05 01:05:00.000000

The inbound job claims a batch of waiting texts, each one only if its sender has no earlier text
waiting. Without this partial index PostgreSQL answered that question from the status index, and
when a surge arrived faster than the table's statistics were refreshed it chose a plan that read
every waiting text for every waiting text: 13 texts a second answered at 30,000 waiting, against
350 once the statistics were fresh. The index holds only the texts waiting, so the question is a
short read whatever the statistics say.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e3b9c1d7a524'
down_revision = '9a0a7cf7d16e'
branch_labels = None
depends_on = None

WAITING = "direction = 'in' AND status IN ('received', 'processing')"


def upgrade():
    op.create_index('ix_message_inbound_waiting', 'message', ['from_number', 'id'], unique=False,
                    sqlite_where=sa.text(WAITING), postgresql_where=sa.text(WAITING))


def downgrade():
    op.drop_index('ix_message_inbound_waiting', table_name='message')
