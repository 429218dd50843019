"""Storing an inbound text on PostgreSQL in one round trip: the webhook's usual case.

Twilio waits for the webhook, so it stores the text durably and answers. Through the ORM
session and the app's pool that cost a pre-ping, BEGIN, INSERT and COMMIT, and most of the
request's CPU time (bench/README.md). Here one INSERT ... ON CONFLICT DO NOTHING runs in
autocommit on a connection of its own. It is prepared once per connection and executed with
libpq's PQexecPrepared (psycopg's `pq` module), the values sent as text: psycopg's cursor layer
(adapting each value, building a cursor and a result per call) was a third of what the INSERT
cost the worker. Each thread of a web worker keeps one such connection (KeptConnections) rather
than taking one from a pool for every text: a pool's checkout and check-in cost about as much
as preparing the values. Nothing pings it first: a connection found dead is thrown away and the
INSERT tried once more on a new one, which is safe because a second try inserts nothing twice;
one idle for minutes is replaced before use (MAX_IDLE_SECONDS).
"""
from __future__ import annotations

import functools
import hashlib
import os
import threading
import time
import weakref
from datetime import datetime, timezone

import psycopg
import sqlalchemy as sa
from flask import Flask
from psycopg import pq

from mutualaid.core.clients import per_app
from mutualaid.extensions import db

CONNECTIONS_KEY = "mutualaid.inbound_store_connections"
# A kept connection idle longer than this is replaced before use: firewalls and NAT gateways drop
# idle connections silently (some after ~5 minutes), and an INSERT sent on one would hang until
# TCP gave up, long after Twilio had.
MAX_IDLE_SECONDS = 240.0
_clock = time.monotonic  # replaced in tests
_DONE = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK)


def insert_returning_id(statement: sa.TextClause | sa.TextualSelect, values: dict) -> int | None:
    """Run the message INSERT ... RETURNING id; the id, or None when its provider_sid was stored before.

    `values` are given in the statement's parameter order (the order of its columns).
    """
    name, sql, order = _prepared(statement)
    if tuple(values) != order:
        raise ValueError("values must name the statement's parameters in order")
    return _execute(name, sql, [as_text(value) for value in values.values()], retry=True)


def as_text(value) -> bytes | None:
    """A value in PostgreSQL's text input format; datetimes in UTC, naive ones taken as UTC (as UTCDateTime)."""
    if type(value) is str:  # most of a text's values: one test instead of four
        return value.encode()
    if value is None:
        return None
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat().encode()
    if isinstance(value, (str, int)):
        return str(value).encode()
    raise TypeError(f"no text form for {type(value).__name__}")


def _execute(name: bytes, sql: bytes, params: list, *, retry: bool) -> int | None:
    """One autocommit execution on this thread's kept connection; a connection found dead is replaced once."""
    kept = per_app(CONNECTIONS_KEY, _connections)
    pgconn, prepared = kept.current()
    try:
        result = _run_prepared(pgconn, prepared, name, sql, params)
    except psycopg.OperationalError:
        if not (retry and pgconn.status == pq.ConnStatus.BAD):
            raise
        kept.discard()  # the server closed it (restart, idle timeout): once more, on a new one
        return _execute(name, sql, params, retry=False)
    return int(result.get_value(0, 0)) if result.ntuples else None


def _run_prepared(pgconn: pq.abc.PGconn, prepared: set[bytes], name: bytes, sql: bytes,
                  params: list) -> pq.abc.PGresult:
    """Execute statement `name`, preparing it first where it is not (or no longer) on the connection."""
    if name not in prepared:
        _check(pgconn.prepare(name, sql), pgconn)
        prepared.add(name)
    try:
        return _check(pgconn.exec_prepared(name, params), pgconn)
    except psycopg.errors.InvalidSqlStatementName:  # forgotten by the server (DISCARD ALL, a pooler)
        _check(pgconn.prepare(name, sql), pgconn)
        return _check(pgconn.exec_prepared(name, params), pgconn)


def _check(result: pq.abc.PGresult, pgconn: pq.abc.PGconn) -> pq.abc.PGresult:
    """The result, or psycopg's own exception for its error (OperationalError when the connection died)."""
    if result.status in _DONE:
        return result
    if pgconn.status == pq.ConnStatus.BAD:
        raise psycopg.OperationalError((result.error_message or pgconn.error_message).decode(errors="replace"))
    raise psycopg.errors.error_from_result(result, encoding="utf-8")


@functools.cache
def _prepared(statement: sa.TextClause | sa.TextualSelect) -> tuple[bytes, bytes, tuple[str, ...]]:
    """The statement's name, its SQL with $1, $2 ... parameters, and the parameter names in that order.

    SQLAlchemy compiles it in PostgreSQL's own numbered style (with a cast from each bound type).
    """
    compiled = statement.compile(dialect=type(db.engine.dialect)(paramstyle="numeric_dollar"))
    sql = str(compiled).encode()
    return b"mutualaid_" + hashlib.sha1(sql).hexdigest()[:16].encode(), sql, tuple(compiled.positiontup)


class KeptConnections:
    """One autocommit connection per thread for the webhook's INSERT, opened on first use and kept.

    A sync worker has one thread, so one connection; a threaded worker one per thread. Each
    connection remembers the statements prepared on it. A forked child (gunicorn --preload) does
    not reuse its parent's: see _forget_in_child.
    """

    def __init__(self, connect_kwargs: dict):
        self._connect_kwargs = connect_kwargs
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[psycopg.Connection] = []
        _every.add(self)

    def current(self) -> tuple[pq.abc.PGconn, set[bytes]]:
        """This thread's libpq connection and the names prepared on it; a new one when it has none, or one idle too long."""
        local, now = self._local, _clock()
        connection = getattr(local, "connection", None)
        if connection is not None and now - local.used_at > MAX_IDLE_SECONDS:
            self.discard()
            connection = None
        if connection is None:
            connection = psycopg.connect(**self._connect_kwargs, autocommit=True)
            local.connection, local.prepared = connection, set()
            with self._lock:
                self._open.append(connection)
        local.used_at = now
        return connection.pgconn, local.prepared

    def discard(self) -> None:
        """Close this thread's connection (found dead); the next text opens a new one."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            with self._lock:
                self._open.remove(connection)
            connection.close()

    def close_all(self) -> None:
        """Close every thread's connection (tests, shutdown)."""
        with self._lock:
            connections, self._open = self._open, []
        self._local = threading.local()
        for connection in connections:
            connection.close()

    def count(self) -> int:
        """How many connections are open (one per thread that has stored a text)."""
        return len(self._open)

    def _forget_in_child(self) -> None:
        """After a fork: start afresh, keeping the parent's connections unclosed (closing one would end
        the parent's session on the server, as the socket is shared)."""
        _inherited.extend(self._open)
        self._open, self._local, self._lock = [], threading.local(), threading.Lock()


_every: weakref.WeakSet[KeptConnections] = weakref.WeakSet()
_inherited: list[psycopg.Connection] = []
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: [kept._forget_in_child() for kept in list(_every)])


def _connections(_config) -> KeptConnections:
    """This app's kept connections, on its database with the app's own connection settings."""
    _args, kwargs = db.engine.dialect.create_connect_args(db.engine.url)
    kwargs.pop("context", None)  # SQLAlchemy's type adapters: this path sends text itself
    return KeptConnections(kwargs)


def dispose(app: Flask) -> None:
    """Close this app's kept connections, if it made any (tests, shutdown)."""
    kept = app.extensions.pop(CONNECTIONS_KEY, None)
    if kept is not None:
        kept.close_all()


def available() -> bool:
    """Whether this app's database is PostgreSQL, where this path is used."""
    return db.engine.dialect.name == "postgresql"
