"""Upgrading: everyone who had texted the group is recorded as agreeing to texts; nobody else is."""
from flask_migrate import upgrade
from sqlalchemy import inspect, text

from mutualaid.extensions import db
from tests.conftest import make_app
from tests.test_migrations import _drop, _fresh_database

BEFORE, CONSENT = "a7c3e9f1d2b4", "4c2e9a7d1b85"


def _insert(conn, table: str, **values) -> None:
    """Insert a row, filling every other NOT NULL column without a default with a plain value."""
    for column in inspect(conn).get_columns(table):
        if column["nullable"] or column["name"] in values or column.get("autoincrement") is True \
                or column["name"] == "id":
            continue
        kind = str(column["type"]).upper()
        values[column["name"]] = (False if "BOOL" in kind else 0 if "INT" in kind or "FLOAT" in kind
                                  else "2026-01-01 00:00:00" if "TIME" in kind else "")
    names = ", ".join(values)
    conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + n for n in values)})"), values)


def test_people_who_texted_us_are_recorded_as_agreeing_to_texts(app, backend, tmp_path):
    url = _fresh_database(app.config["SQLALCHEMY_DATABASE_URI"], backend, tmp_path)
    migrated = make_app(url)
    try:
        with migrated.app_context():
            upgrade(revision=BEFORE)
            with db.engine.begin() as conn:
                _insert(conn, "person", id=1, phone="+447911000001", sms_consent=False)  # texted us
                _insert(conn, "person", id=2, phone="+447911000002", sms_consent=False)  # web form, said no
                _insert(conn, "person", id=3, phone="+447911000003", sms_consent=True)   # web form, said yes
                _insert(conn, "message", direction="in", person_id=1, from_number="+447911000001", body="hi")
                _insert(conn, "message", direction="out", person_id=2, to_number="+447911000002", body="x")
            upgrade(revision=CONSENT)
            with db.engine.connect() as conn:
                consent = dict(conn.execute(text("SELECT id, sms_consent FROM person ORDER BY id")).all())
            db.engine.dispose()
        assert {k: bool(v) for k, v in consent.items()} == {1: True, 2: False, 3: True}
    finally:
        _drop(url, backend, app.config["SQLALCHEMY_DATABASE_URI"])
