"""`flask doctor`'s checks of the database, its migrations, the scheduler, the rate-limit store and the
map tile server, each both ways, and the command's report and exit status. Nothing leaves 127.0.0.1."""
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from flask_migrate import stamp
from sqlalchemy import text

from mutualaid.doctor.service_checks import (check_database, check_map_tiles, check_migrations,
                                             check_rate_limit_store, check_scheduler)
from mutualaid.extensions import db
from mutualaid.models import JobState
from tests.conftest import make_app
from tests.deploy.loopback import serve, tile_server

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
# Every check that could reach out kept on loopback: no map tiles fetched, console texts and email.
QUIET = {"MAP_TILE_URL": "/tiles/{z}/{x}/{y}.png"}


def statuses(findings):
    """The statuses in order."""
    return [finding.status for finding in findings]


def record_run(name, finished, error=""):
    """A job's ledger row as the runner leaves it."""
    db.session.merge(JobState(name=name, last_started_at=finished, last_finished_at=finished, runs=1, last_error=error))
    db.session.commit()


def test_database_reachable_is_ok(app):
    assert statuses(check_database()) == ["OK"]


def test_database_unreachable_fails_in_plain_words(tmp_path):
    broken = make_app(f"sqlite:///{tmp_path}/no/such/folder/db.sqlite3")
    with broken.app_context():
        (finding,) = check_database()
    assert finding.status == "FAIL" and "DATABASE_URL" in finding.message


def test_a_database_without_migrations_fails(app):
    (finding,) = check_migrations(MIGRATIONS)  # the test schema is made without Alembic
    assert finding.status == "FAIL" and "db upgrade" in finding.message


def test_migrations_at_head_are_ok_and_behind_fail(tmp_path):
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS)).get_revision("head")
    migrated = make_app(f"sqlite:///{tmp_path}/stamped.sqlite3")
    with migrated.app_context():
        stamp(revision="head")
        assert statuses(check_migrations(MIGRATIONS)) == ["OK"]
        stamp(revision=head.down_revision)
        (finding,) = check_migrations(MIGRATIONS)
        db.engine.dispose()
    assert finding.status == "FAIL" and "behind" in finding.message


def test_a_database_newer_than_the_code_fails(app):
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('ffffffffffff')"))
    try:
        (finding,) = check_migrations(MIGRATIONS)
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
    assert finding.status == "FAIL" and "newer version" in finding.message


def test_scheduler_running_is_ok(app):
    record_run("deliver_outbox", NOW - timedelta(seconds=5))
    assert statuses(check_scheduler(app.config, NOW)) == ["OK"]


def test_scheduler_not_started_warns(app):
    (finding,) = check_scheduler(app.config, NOW)
    assert finding.status == "WARN" and "Start the scheduler" in finding.message


def test_stale_scheduler_fails(app):
    record_run("deliver_outbox", NOW - timedelta(minutes=20))
    (finding,) = check_scheduler(app.config, NOW)
    assert finding.status == "FAIL" and "20 minutes" in finding.message


def test_a_failed_job_is_named(app):
    record_run("deliver_outbox", NOW - timedelta(seconds=5))
    record_run("matching_pass", NOW - timedelta(seconds=50), error="ValueError: boom")
    findings = check_scheduler(app.config, NOW)
    assert statuses(findings) == ["OK", "WARN"] and "matching_pass" in findings[1].message


def test_memory_rate_limits_need_no_store():
    assert check_rate_limit_store({"RATELIMIT_STORAGE_URI": "memory://"}) == []


def test_an_unreachable_rate_limit_store_fails():
    (finding,) = check_rate_limit_store({"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0"})
    assert finding.status == "FAIL" and "rate-limit store" in finding.message


@pytest.fixture
def tiles():
    """A tile server on loopback; its host:port."""
    server = tile_server()
    yield serve(server)
    server.shutdown()


def test_a_tile_server_that_sends_tiles_is_ok(tiles):
    config = {"MAP_TILE_URL": f"http://{tiles}/{{z}}/{{x}}/{{y}}.png"}
    assert statuses(check_map_tiles(config)) == ["OK"]


def test_a_tile_server_without_the_tile_fails(tiles):
    (finding,) = check_map_tiles({"MAP_TILE_URL": f"http://{tiles}/tiles/{{z}}/{{x}}/{{y}}.png"})
    assert finding.status == "FAIL" and "MAP_TILE_URL" in finding.message


def test_a_tile_server_that_sends_no_picture_fails():
    server = tile_server(content_type="text/html")
    address = serve(server)
    try:
        (finding,) = check_map_tiles({"MAP_TILE_URL": f"http://{address}/{{z}}/{{x}}/{{y}}.png"})
    finally:
        server.shutdown()
    assert finding.status == "FAIL" and "not a picture" in finding.message


@pytest.mark.parametrize("config_overrides", [QUIET])
def test_doctor_exits_1_and_names_what_to_fix(runner, config_overrides):
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "FAIL  migrations" in result.output and "flask --app wsgi db upgrade" in result.output
    assert "to fix (FAIL)" in result.output


@pytest.mark.parametrize("config_overrides", [QUIET])
def test_doctor_exits_0_when_the_chosen_checks_pass(runner, config_overrides):
    record_run("deliver_outbox", datetime.now(timezone.utc))
    result = runner.invoke(args=["doctor", "--check", "database", "--check", "scheduler"])
    assert result.exit_code == 0, result.output
    assert "OK    database" in result.output and "OK    scheduler" in result.output


@pytest.mark.parametrize("config_overrides", [QUIET])
def test_doctor_json(runner, config_overrides):
    result = runner.invoke(args=["doctor", "--json", "--check", "scheduler"])
    assert json.loads(result.output) == [{"check": "scheduler", "status": "WARN", "message": json.loads(
        result.output)[0]["message"]}]


@pytest.mark.parametrize("config_overrides", [QUIET])
def test_a_check_that_breaks_is_reported_and_the_others_still_run(runner, config_overrides, monkeypatch):
    from mutualaid.doctor import report

    def broken():
        raise RuntimeError("boom")

    original = report.checks
    monkeypatch.setattr(report, "checks", lambda app: {**original(app), "database": [broken]})
    result = runner.invoke(args=["doctor", "--check", "database", "--check", "email"])
    assert result.exit_code == 1
    assert "FAIL  database      The check could not finish (RuntimeError: boom)" in result.output
    assert "OK    email" in result.output
