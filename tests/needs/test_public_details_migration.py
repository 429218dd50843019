"""The migration that adds the public version of details fills it for the needs and offers already there."""
from datetime import datetime, timezone

import sqlalchemy as sa
from flask_migrate import upgrade

from mutualaid.extensions import db
from mutualaid.models import Group, Need, Offer
from tests.conftest import make_app
from tests.test_migrations import _drop, _fresh_database


def test_existing_needs_and_offers_get_their_public_version(app, backend, tmp_path):
    url = _fresh_database(app.config["SQLALCHEMY_DATABASE_URI"], backend, tmp_path)
    migrated = make_app(url)
    try:
        with migrated.app_context():
            upgrade(revision="a4d8e2f61c97")
            with db.engine.begin() as conn:
                group_id = conn.execute(Group.__table__.insert().values(
                    slug="hackney", name="Hackney", centre_lat=51.54, centre_lon=-0.05)).inserted_primary_key[0]
                # The person table as it was at that revision (later revisions add columns to the model).
                person = sa.Table("person", sa.MetaData(), autoload_with=conn)
                person_id = conn.execute(person.insert().values(
                    name="Ada Byron", phone="+447911123456", email="ada@canary.example", role="neighbour",
                    on_call=False, language="en", sms_consent=False, opted_out=False, phone_status="ok",
                    simulated=False, session_token="", created_at=datetime.now(timezone.utc))
                ).inserted_primary_key[0]
                conn.execute(Need.__table__.insert().values(
                    ref="K7Q4M", group_id=group_id, category="groceries", requester_id=person_id,
                    details="I'm Ada at 12 Mare Street E8 3RH, ring 07911 123456 or ada@canary.example"))
                conn.execute(Offer.__table__.insert().values(
                    ref="P3X9T", group_id=group_id, category="household", person_id=person_id,
                    details="a cot, Byron, flat 4"))
            upgrade()
            with db.engine.connect() as conn:
                need = conn.execute(db.select(Need.__table__.c.public_details)).scalar_one()
                offer = conn.execute(db.select(Offer.__table__.c.public_details)).scalar_one()
            db.engine.dispose()
        assert need == "I'm [name] at [address] E8 3, ring [phone] or [email]"
        assert offer == "a cot, [name], [address]"
    finally:
        _drop(url, backend, app.config["SQLALCHEMY_DATABASE_URI"])
