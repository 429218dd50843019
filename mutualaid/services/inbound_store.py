"""Storing an inbound text on PostgreSQL in one round trip: the webhook's usual case.

Twilio waits for the webhook, so it stores the text durably and answers. Through the ORM
session and the app's pool that cost a pre-ping, BEGIN, INSERT and COMMIT, and most of the
request's CPU time (bench/README.md). Here one INSERT ... ON CONFLICT DO NOTHING runs in
autocommit on a small pool of its own. It is prepared once per connection and executed with
libpq's PQexecPrepared (psycopg's `pq` module), the values sent as text: psycopg's cursor layer
(adapting each value, building a cursor and a result per call) was a third of what the INSERT
cost the worker. The pool does not ping: a connection found dead is thrown away and the INSERT
tried once more on a new one, which is safe because a second try inserts nothing twice.
"""
from __future__ import annotations

import functools
import hashlib
from datetime import datetime, timezone

import psycopg
import sqlalchemy as sa
from flask import Flask
from psycopg import pq

from mutualaid.extensions import db
from mutualaid.gateways import per_app

ENGINE_KEY = "mutualaid.inbound_store_engine"
PREPARED_KEY = "mutualaid.prepared"  # names prepared on a connection, kept in its pool record's info
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
    """One autocommit execution on a pooled connection; a connection found dead is replaced once."""
    connection = per_app(ENGINE_KEY, _build_engine).raw_connection()
    try:
        result = _run_prepared(connection, name, sql, params)
    except psycopg.OperationalError:
        if not (retry and connection.driver_connection.pgconn.status == pq.ConnStatus.BAD):
            raise
        connection.invalidate()  # the server closed it (restart, idle timeout): once more, on a new one
        return _execute(name, sql, params, retry=False)
    finally:
        connection.close()
    return int(result.get_value(0, 0)) if result.ntuples else None


def _run_prepared(connection, name: bytes, sql: bytes, params: list) -> pq.abc.PGresult:
    """Execute statement `name` on a pooled connection, preparing it first where it is not (or no longer) there."""
    pgconn = connection.driver_connection.pgconn
    prepared = connection.info.setdefault(PREPARED_KEY, set())
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


def dispose(app: Flask) -> None:
    """Close this app's pooled connections, if it made any (tests, shutdown)."""
    engine = app.extensions.pop(ENGINE_KEY, None)
    if engine is not None:
        engine.dispose()


def _build_engine(_config) -> sa.Engine:
    """An autocommit pool on the app's database, without pre-ping (see the module's docstring)."""
    return sa.create_engine(db.engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False,
                            pool_size=2, max_overflow=8, pool_recycle=1800, pool_reset_on_return=None)


def available() -> bool:
    """Whether this app's database is PostgreSQL, where this path is used."""
    return db.engine.dialect.name == "postgresql"
