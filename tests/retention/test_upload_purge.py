"""The hourly purge deletes spreadsheets uploaded for import and never imported, once their two hours are up."""
from datetime import datetime, timedelta, timezone

from mutualaid.extensions import db
from mutualaid.imports.actions import store_upload
from mutualaid.models import ImportUpload
from mutualaid.retention.actions import purge_personal_data
from tests.builders import make_coordinator, make_group

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
SHEET = b"Name,Phone\nAda,07911123456\n"


def uploads() -> int:
    return db.session.execute(db.select(db.func.count(ImportUpload.id))).scalar_one()


def test_an_upload_past_its_two_hours_is_purged_without_another_upload(app):
    coordinator = make_coordinator(make_group())
    store_upload(coordinator, "needs", "old.csv", SHEET, now=T0)
    store_upload(coordinator, "needs", "new.csv", SHEET, now=T0 + timedelta(hours=1, minutes=30))
    purged = purge_personal_data(now=T0 + timedelta(hours=2, minutes=1))
    assert purged.uploads == 1 and uploads() == 1
    assert db.session.execute(db.select(ImportUpload.filename)).scalar_one() == "new.csv"


def test_an_upload_within_its_two_hours_is_kept(app):
    coordinator = make_coordinator(make_group())
    store_upload(coordinator, "needs", "sheet.csv", SHEET, now=T0)
    assert purge_personal_data(now=T0 + timedelta(hours=1, minutes=59)).uploads == 0
    assert uploads() == 1

