"""public version of a need's and an offer's details

Revision ID: b7c3e9d2a415
Revises: b7e3c91d5a20
Create Date: 2026-12-04 19:00:00.000000

What volunteers, the lists, the map, notifications and the API see of the free text a neighbour wrote:
the redactor's version (names, street addresses, phones, emails and postcodes finer than the sector
replaced), stored so a coordinator can correct it. Existing rows are filled here with the redactor.
"""
import sqlalchemy as sa
from alembic import op

from mutualaid.domain.privacy import contact_secrets, redact_details

# revision identifiers, used by Alembic.
revision = 'b7c3e9d2a415'
down_revision = 'b7e3c91d5a20'
branch_labels = None
depends_on = None

BATCH = 500


def upgrade():
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_details', sa.Text(), nullable=True))
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_details', sa.Text(), nullable=True))
    _fill('need', 'requester_id')
    _fill('offer', 'person_id')


def _fill(table: str, owner_column: str) -> None:
    """Write the public version of every row's details, with its owner's contact values hidden."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        f'SELECT t.id, t.details, t.address_text, p.name, p.phone, p.email FROM "{table}" t '
        f'LEFT JOIN person p ON p.id = t.{owner_column} ORDER BY t.id')).all()
    update = sa.text(f'UPDATE "{table}" SET public_details = :public WHERE id = :id')
    for start in range(0, len(rows), BATCH):
        bind.execute(update, [
            {"id": row.id, "public": redact_details(row.details or "", secrets=contact_secrets(
                name=row.name or "", address=row.address_text or "", phone=row.phone or "", email=row.email or ""))}
            for row in rows[start:start + BATCH]])


def downgrade():
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_column('public_details')
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.drop_column('public_details')
