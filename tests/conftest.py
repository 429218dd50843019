"""Fixtures: an app per test on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL too.

Each backend gets its own database for the test session (PostgreSQL: created here and
dropped afterwards); rows are cleared after every test.
"""
from __future__ import annotations

import os
import re
import uuid

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from mutualaid import create_app
from mutualaid.extensions import db
from mutualaid.sms import inbound_store
from tests.builders import Auth

PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_ADMIN_URL else [])
_ran_on = set()


def pytest_configure(config):
    """In CI, PostgreSQL is not optional."""
    if os.environ.get("CI") and not PG_ADMIN_URL:
        raise pytest.UsageError("CI is set but TEST_DATABASE_URL is not: the PostgreSQL half would be skipped.")


def pytest_runtest_logreport(report):
    """Remember which backends really ran a test."""
    if report.when == "call" and report.passed:
        for backend in BACKENDS:
            if f"[{backend}" in report.nodeid or f"-{backend}" in report.nodeid:
                _ran_on.add(backend)


def pytest_sessionfinish(session, exitstatus):
    """Fail a CI run in which no test passed on PostgreSQL."""
    if os.environ.get("CI") and PG_ADMIN_URL and "postgresql" not in _ran_on and exitstatus == 0:
        if not session.config.getoption("-k") and not session.config.args[1:]:
            print("\nERROR: no test ran on PostgreSQL although TEST_DATABASE_URL is set.")
            session.exitstatus = 1


def _pg_admin_engine():
    """An AUTOCOMMIT engine on the PostgreSQL server named by TEST_DATABASE_URL."""
    from sqlalchemy import create_engine

    from config.settings import normalise_database_url

    return create_engine(normalise_database_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A fresh, empty database for this test session on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db')}/test.sqlite3"
        return
    worker = re.sub(r"\W", "", os.environ.get("PYTEST_XDIST_WORKER", "main"))
    name = f"mutualaid_test_{worker}_{uuid.uuid4().hex[:8]}"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    from config.settings import normalise_database_url

    url = make_url(normalise_database_url(PG_ADMIN_URL)).set(database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _schema(database_url):
    """Create the tables once per backend."""
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return database_url


class FreshRequestClient(FlaskClient):
    """A test client whose every request starts with an empty `g`, as in production.

    The `app` fixture keeps an app context open so tests can query the database; Flask
    reuses that context for test requests, which would otherwise carry `g` (cached CSRF
    tokens, the logged-in user, the locale) from one request to the next.
    """

    def open(self, *args, **kwargs):
        """Clear `g`, then make the request."""
        if g:
            for name in list(vars(g._get_current_object())):
                delattr(g, name)
        return super().open(*args, **kwargs)


def make_app(database_url: str, **overrides):
    """A testing app on `database_url` with config overrides."""
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url, **overrides})
    app.test_client_class = FreshRequestClient
    return app


@pytest.fixture
def config_overrides():
    """Override in a test module to change the app's config."""
    return {}


@pytest.fixture
def app(_schema, config_overrides):
    """An app with an empty database; rows are removed after the test."""
    app = make_app(_schema, **config_overrides)
    with app.app_context():
        yield app
        db.session.remove()
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())
        db.engine.dispose()
        inbound_store.dispose(app)


@pytest.fixture
def client(app):
    """A browser-like test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Runs `flask` commands against the app."""
    return app.test_cli_runner()


@pytest.fixture
def auth(client):
    """Log in and out as a browser would."""
    return Auth(client)


@pytest.fixture
def backend(app):
    """The database dialect in use ('sqlite' or 'postgresql')."""
    return db.engine.dialect.name
