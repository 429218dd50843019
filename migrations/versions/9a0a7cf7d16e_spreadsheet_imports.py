"""spreadsheet imports: the uploaded file between steps, and who came from an import

Revision ID: 9a0a7cf7d16e
Revises: 7ef74a5ba1e5
Create Date: 2026-12-04 23:40:00.000000

A coordinator's uploaded spreadsheet is kept in `import_upload` between the preview, the dry run
and the import (any web worker can read it), and deleted after. `person.imported_at` marks people
who came from a spreadsheet: only a consent the sheet recorded lets us text them.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '9a0a7cf7d16e'
down_revision = '7ef74a5ba1e5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_upload',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['group.id'], name=op.f('fk_import_upload_group_id_group')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['person.id'], name=op.f('fk_import_upload_uploaded_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_upload')),
    sa.UniqueConstraint('token', name=op.f('uq_import_upload_token'))
    )
    with op.batch_alter_table('import_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_upload_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_upload_group_id'), ['group_id'], unique=False)
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('imported_at')
    with op.batch_alter_table('import_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_upload_group_id'))
        batch_op.drop_index(batch_op.f('ix_import_upload_created_at'))
    op.drop_table('import_upload')
