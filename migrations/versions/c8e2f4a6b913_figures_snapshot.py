"""figures counted by the scheduler, kept for the pages

Revision ID: c8e2f4a6b913
Revises: d4f8a2c61e07
Create Date: 2026-12-04 22:40:00.000000

The public page's and the coordinators' figures are counted by a job and read from here, so a
visitor never waits for them to be counted.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c8e2f4a6b913'
down_revision = 'd4f8a2c61e07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('figures_snapshot',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_figures_snapshot'))
    )


def downgrade():
    op.drop_table('figures_snapshot')
