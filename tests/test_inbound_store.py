"""Storing inbound texts: the webhook's one INSERT, prepared and run on libpq on PostgreSQL.

The same `_store` runs through the session on SQLite (or inside an open transaction), so each
behaviour is checked on both backends where it applies.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import psycopg
import pytest

from mutualaid.extensions import db
from mutualaid.models import Message
from mutualaid.services import inbound_store
from mutualaid.services.sms_inbound import _store, _store_statement

FORM = {"MessageSid": "SMstore1", "From": "+447911123456", "To": "+442071234567",
        "Body": "need milk 🥛\nمرحبا E8 3RH", "NumMedia": "2"}


def stored(sid: str) -> Message:
    """The stored row, read back through the ORM."""
    db.session.expire_all()
    return db.session.execute(db.select(Message).where(Message.provider_sid == sid)).scalar_one()


def _store_outside_a_transaction(form: dict, now: datetime, simulated: bool = False) -> int | None:
    """As the webhook calls it: nothing else in the request has opened a transaction."""
    db.session.commit()
    return _store(form, now, simulated)


def test_every_value_is_stored_exactly_and_times_in_utc(app, backend):
    india = timezone(timedelta(hours=5, minutes=30))
    now = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=india)
    message_id = _store_outside_a_transaction(FORM, now, simulated=True)
    row = stored("SMstore1")
    assert row.id == message_id
    assert (row.direction, row.channel, row.status, row.from_number, row.to_number) == (
        "in", "sms", "received", "+447911123456", "+442071234567")
    assert row.body == "need milk 🥛\nمرحبا E8 3RH"
    assert (row.num_media, row.simulated, row.urgent, row.attempts) == (2, True, False, 0)
    assert row.created_at == row.updated_at == now
    assert row.created_at.utcoffset() == timedelta(0)
    assert (inbound_store.ENGINE_KEY in app.extensions) == (backend == "postgresql")  # which path ran


def test_a_naive_time_is_taken_as_utc(app):
    _store_outside_a_transaction(dict(FORM, MessageSid="SMnaive"), datetime(2026, 7, 1, 12, 0))
    assert stored("SMnaive").created_at == datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc)


def test_a_replayed_sid_stores_nothing_and_returns_none(app):
    now = datetime.now(timezone.utc)
    first = _store_outside_a_transaction(dict(FORM, MessageSid="SMtwice"), now)
    again = _store_outside_a_transaction(dict(FORM, MessageSid="SMtwice", Body="changed"), now)
    assert first is not None and again is None
    assert stored("SMtwice").body == FORM["Body"]


def test_a_statement_the_server_forgot_is_prepared_again(app, backend):
    now = datetime.now(timezone.utc)
    _store_outside_a_transaction(dict(FORM, MessageSid="SMprep1"), now)
    if backend == "postgresql":  # e.g. a connection pooler or DISCARD ALL dropped prepared statements
        engine = app.extensions[inbound_store.ENGINE_KEY]
        assert engine.pool.checkedin() == 1
        connection = engine.raw_connection()
        assert connection.info[inbound_store.PREPARED_KEY]  # it was prepared on this connection
        connection.driver_connection.pgconn.exec_(b"DEALLOCATE ALL")
        connection.close()
    assert _store_outside_a_transaction(dict(FORM, MessageSid="SMprep2"), now) is not None
    assert stored("SMprep2").from_number == FORM["From"]


def test_a_database_error_is_psycopgs_own_and_the_connection_stays_usable(app, backend):
    if backend != "postgresql":
        assert not inbound_store.available()  # SQLite stores through the session
        return
    now = datetime.now(timezone.utc)
    values = dict(direction="in", channel="sms", provider_sid="SMtoolong", from_number="+44" + "7" * 30,
                  to_number="", body="hi", num_media=0, status="received", simulated=False, created_at=now,
                  updated_at=now, purpose="", template="", urgent=False, attempts=0, last_error="", to_address="")
    statement = _store_statement(tuple(values))
    with pytest.raises(psycopg.errors.StringDataRightTruncation):
        inbound_store.insert_returning_id(statement, values)
    values["from_number"] = "+447911123456"
    assert inbound_store.insert_returning_id(statement, values) is not None
    assert app.extensions[inbound_store.ENGINE_KEY].pool.checkedin() == 1  # the same connection, kept


def test_values_must_come_in_the_statements_order(app, backend):
    if backend != "postgresql":
        assert not inbound_store.available()
        return
    now = datetime.now(timezone.utc)
    statement = _store_statement(("provider_sid", "created_at", "updated_at"))
    with pytest.raises(ValueError, match="in order"):
        inbound_store.insert_returning_id(statement, {"created_at": now, "provider_sid": "SMx", "updated_at": now})
    assert db.session.execute(db.select(Message.id)).first() is None


@pytest.mark.parametrize("value, text", [
    (None, None), (True, b"t"), (False, b"f"), (0, b"0"), (1600, b"1600"), ("", b""),
    ("café 🥛 مرحبا", "café 🥛 مرحبا".encode()),
    (datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5))), b"2026-01-02T08:04:05+00:00"),
    (datetime(2026, 1, 2, 3, 4, 5), b"2026-01-02T03:04:05+00:00"),
])
def test_values_are_sent_in_postgresqls_text_form(value, text):
    assert inbound_store.as_text(value) == text


def test_a_value_without_a_text_form_is_refused():
    with pytest.raises(TypeError, match="float"):
        inbound_store.as_text(1.5)
