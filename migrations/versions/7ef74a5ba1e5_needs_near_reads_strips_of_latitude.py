"""needs near me reads strips of latitude

Revision ID: 7ef74a5ba1e5
Revises: c8e2f4a6b913
Create Date: 2026-12-04 23:30:00.000000

The index behind "needs near me" was (status, public_lat, public_lon, ...): a search read every
open need in the whole band of latitude its circle touches, across the whole city. The new one
puts a strip number first, CAST(public_lat * 200 AS INTEGER) (bands about 556 m high), computed
by the database from the public point, so a search reads one short range of longitudes in each
strip the circle touches. Being an expression of the point, it fills itself for existing needs
and stays in step whenever a point changes. Plain b-tree: SQLite and PostgreSQL, no extension.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7ef74a5ba1e5'
down_revision = 'c8e2f4a6b913'
branch_labels = None
depends_on = None

STRIP = 'CAST(public_lat * 200 AS INTEGER)'


def upgrade():
    op.create_index('ix_need_open_strips', 'need',
                    ['status', sa.text(STRIP), 'public_lon', 'public_lat', 'created_at', 'id'], unique=False)
    op.drop_index('ix_need_open_nearby', table_name='need')


def downgrade():
    op.create_index('ix_need_open_nearby', 'need', ['status', 'public_lat', 'public_lon', 'created_at', 'id'],
                    unique=False)
    op.drop_index('ix_need_open_strips', table_name='need')
