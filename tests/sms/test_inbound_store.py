"""Storing inbound texts: the webhook's one INSERT, prepared and run on libpq on a kept connection on PostgreSQL.

The same `_store` runs through the session on SQLite (or inside an open transaction), so each
behaviour is checked on both backends where it applies.
"""
from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta, timezone

import psycopg
import pytest

from mutualaid.extensions import db
from mutualaid.models import Message
from mutualaid.sms import inbound_store
from mutualaid.sms.actions import _store, _store_statement

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
    assert (row.purpose, row.template, row.last_error, row.to_address, row.error_code) == ("", "", "", "", None)
    assert (row.conversation_id, row.person_id, row.group_id, row.need_id, row.next_attempt_at) == (None,) * 5
    assert row.created_at == row.updated_at == now
    assert row.created_at.utcoffset() == timedelta(0)
    assert (inbound_store.CONNECTIONS_KEY in app.extensions) == (backend == "postgresql")  # which path ran


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
        kept = app.extensions[inbound_store.CONNECTIONS_KEY]
        assert kept.count() == 1
        pgconn, prepared = kept.current()
        assert prepared  # it was prepared on this connection
        pgconn.exec_(b"DEALLOCATE ALL")
    assert _store_outside_a_transaction(dict(FORM, MessageSid="SMprep2"), now) is not None
    assert stored("SMprep2").from_number == FORM["From"]


def test_a_database_error_is_psycopgs_own_and_the_connection_stays_usable(app, backend):
    if backend != "postgresql":
        assert not inbound_store.available()  # SQLite stores through the session
        return
    now = datetime.now(timezone.utc)
    values = dict(provider_sid="SMtoolong", from_number="+44" + "7" * 30, to_number="", body="hi", num_media=0,
                  simulated=False, created_at=now)
    statement = _store_statement(tuple(values))
    with pytest.raises(psycopg.errors.StringDataRightTruncation):
        inbound_store.insert_returning_id(statement, values)
    kept = app.extensions[inbound_store.CONNECTIONS_KEY]
    backend_pid = kept.current()[0].backend_pid
    values["from_number"] = "+447911123456"
    assert inbound_store.insert_returning_id(statement, values) is not None
    assert kept.count() == 1 and kept.current()[0].backend_pid == backend_pid  # the same connection, kept


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


def kept_after_a_text(app, backend: str, sid: str) -> inbound_store.KeptConnections | None:
    """This app's kept connections once a text went through them; None on SQLite (it stores through the session)."""
    if backend != "postgresql":
        assert not inbound_store.available()
        return None
    _store_outside_a_transaction(dict(FORM, MessageSid=sid), datetime.now(timezone.utc))
    return app.extensions[inbound_store.CONNECTIONS_KEY]


def test_each_thread_keeps_a_connection_of_its_own(app, backend):
    if (kept := kept_after_a_text(app, backend, "SMthread0")) is None:
        return
    now = datetime.now(timezone.utc)
    pids, errors = [kept.current()[0].backend_pid], []

    def store_in_a_thread(n: int) -> None:
        try:
            with app.app_context():
                _store(dict(FORM, MessageSid=f"SMthread{n}"), now, False)
                _store(dict(FORM, MessageSid=f"SMthread{n}b"), now, False)
                pids.append(kept.current()[0].backend_pid)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=store_in_a_thread, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert kept.count() == 3 and len(set(pids)) == 3  # one each, kept for the thread's second text
    assert {m.provider_sid for m in db.session.execute(db.select(Message)).scalars()} == {
        "SMthread0", "SMthread1", "SMthread1b", "SMthread2", "SMthread2b"}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_worker_opens_its_own_connection_and_leaves_the_parents_alone(app, backend):
    """gunicorn --preload forks workers from a process that may have stored a text already."""
    if (kept := kept_after_a_text(app, backend, "SMparent1")) is None:
        return
    now = datetime.now(timezone.utc)
    parent_pid = kept.current()[0].backend_pid
    child = os.fork()
    if child == 0:  # the child: must not touch the parent's connection, and must store through its own
        code = 1
        try:
            if kept.count() == 0:
                _store(dict(FORM, MessageSid="SMchild"), now, False)
                code = 0 if kept.current()[0].backend_pid != parent_pid else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    _store_outside_a_transaction(dict(FORM, MessageSid="SMparent2"), now)
    assert kept.current()[0].backend_pid == parent_pid  # the parent's session survived the child
    assert stored("SMchild").body == FORM["Body"] and stored("SMparent2").from_number == FORM["From"]


def test_a_connection_idle_too_long_is_replaced_before_use(app, backend, monkeypatch):
    """A firewall may have dropped it silently: an INSERT sent on it would hang rather than fail."""
    if (kept := kept_after_a_text(app, backend, "SMidle1")) is None:
        return
    first = kept.current()[0].backend_pid
    _store_outside_a_transaction(dict(FORM, MessageSid="SMidle2"), datetime.now(timezone.utc))
    assert kept.current()[0].backend_pid == first  # in use: kept
    later = inbound_store._clock() + inbound_store.MAX_IDLE_SECONDS + 1
    monkeypatch.setattr(inbound_store, "_clock", lambda: later)
    _store_outside_a_transaction(dict(FORM, MessageSid="SMidle3"), datetime.now(timezone.utc))
    assert kept.count() == 1 and kept.current()[0].backend_pid != first
    assert stored("SMidle3").from_number == FORM["From"]
