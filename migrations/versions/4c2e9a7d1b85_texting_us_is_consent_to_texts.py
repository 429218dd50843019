"""texting us is consent to texts

Revision ID: 4c2e9a7d1b85
Revises: a7c3e9f1d2b4
Create Date: 2026-12-04 18:00:00.000000

Every outgoing text now checks person.sms_consent. Someone who texted the group agreed to be texted
back, but until now only the web form recorded consent: record it for everyone who has texted us.
No schema change.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '4c2e9a7d1b85'
down_revision = 'a7c3e9f1d2b4'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE person SET sms_consent = TRUE WHERE sms_consent = FALSE AND id IN "
               "(SELECT person_id FROM message WHERE direction = 'in' AND person_id IS NOT NULL)")


def downgrade():
    # Consent recorded here cannot be told apart from consent given later; it is left as it is.
    pass
