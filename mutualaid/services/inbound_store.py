"""Storing an inbound text on PostgreSQL in one round trip: the webhook's usual case.

Twilio waits for the webhook, so it stores the text durably and answers. Through the ORM
session and the app's pool that cost a pre-ping, BEGIN, INSERT and COMMIT, and most of the
request's CPU time (bench/README.md). Here one INSERT ... ON CONFLICT DO NOTHING runs in
autocommit on a small pool of its own, straight on the driver (psycopg prepares it after a
few uses). That pool does not ping: a connection found dead is thrown away and the INSERT
tried once more on a new one, which is safe because a second try inserts nothing twice.
"""
from __future__ import annotations

import functools

import psycopg
import sqlalchemy as sa
from flask import Flask

from mutualaid.extensions import db
from mutualaid.gateways import per_app

ENGINE_KEY = "mutualaid.inbound_store_engine"


def insert_returning_id(statement: sa.TextClause, values: dict) -> int | None:
    """Run the message INSERT ... RETURNING id; the id, or None when its provider_sid was stored before."""
    return _execute(_driver_sql(statement), values, retry=True)


def _execute(sql: str, values: dict, *, retry: bool) -> int | None:
    """One autocommit execution on a pooled connection; a connection found dead is replaced once."""
    connection = per_app(ENGINE_KEY, _build_engine).raw_connection()
    try:
        row = connection.driver_connection.execute(sql, values).fetchone()
    except psycopg.OperationalError:
        if not (retry and connection.driver_connection.broken):
            raise
        connection.invalidate()  # the server closed it (restart, idle timeout): once more, on a new one
        return _execute(sql, values, retry=False)
    finally:
        connection.close()
    return row[0] if row else None


def dispose(app: Flask) -> None:
    """Close this app's pooled connections, if it made any (tests, shutdown)."""
    engine = app.extensions.pop(ENGINE_KEY, None)
    if engine is not None:
        engine.dispose()


def _build_engine(_config) -> sa.Engine:
    """An autocommit pool on the app's database, without pre-ping (see the module's docstring)."""
    return sa.create_engine(db.engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False,
                            pool_size=2, max_overflow=8, pool_recycle=1800)


@functools.cache
def _driver_sql(statement: sa.TextClause) -> str:
    """The statement as psycopg takes it (named parameters), compiled once."""
    return str(statement.compile(dialect=db.engine.dialect))


def available() -> bool:
    """Whether this app's database is PostgreSQL, where this path is used."""
    return db.engine.dialect.name == "postgresql"
