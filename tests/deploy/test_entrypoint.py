"""deploy/entrypoint.sh, the image's (and the systemd units') commands, run here directly: `web` upgrades a
fresh database and serves /healthz through gunicorn, `health` answers for the container health checks,
and other words pass through to flask."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from config.settings import normalise_database_url
from tests.deploy.environment_names import ROOT

ENTRYPOINT = str(ROOT / "deploy" / "entrypoint.sh")
PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(params=["sqlite"] + (["postgresql"] if PG_ADMIN_URL else []))
def empty_database(request, tmp_path):
    """The URL of a database with nothing in it yet, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/site.sqlite3"
        return
    admin = create_engine(normalise_database_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    name = f"mutualaid_entry_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(normalise_database_url(PG_ADMIN_URL)).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(database_url: str, port: int) -> dict:
    """A production environment as the container gets it, the virtualenv first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MUTUALAID_", "FLASK_"))}
    env.update(PATH=f"{os.path.dirname(sys.executable)}:{env.get('PATH', '/usr/bin:/bin')}",
               MUTUALAID_ENV="production", SECRET_KEY="e" * 64, DATABASE_URL=database_url,
               WEB_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1", PUBLIC_BASE_URL="https://aid.example.org",
               MAP_TILE_URL="/tiles/{z}/{x}/{y}.png")
    return env


def run(args, env, timeout=120) -> subprocess.CompletedProcess:
    """One entrypoint command to its end."""
    return subprocess.run(["nice", "-n", "15", ENTRYPOINT, *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd="/")


def get_json(url: str) -> tuple[int, dict]:
    """Status and JSON body of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_web_upgrades_the_database_then_serves_healthz(empty_database):
    port = free_port()
    env = environment(empty_database, port)
    web = subprocess.Popen(["nice", "-n", "15", ENTRYPOINT, "web"], env=env, cwd="/", start_new_session=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, answer = time.monotonic() + 120, None
        while time.monotonic() < deadline and web.poll() is None:
            try:
                answer = get_json(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.5)
        assert answer is not None, "gunicorn did not answer: " + (web.stdout.read() if web.poll() is not None else "")
        assert answer == (200, {"status": "ok", "database": "ok", "scheduler": "not started",
                                "scheduler_age_seconds": None})
        assert run(["health", "web"], env).returncode == 0
        scheduler = run(["health", "scheduler"], env)  # not started yet: a warning, still healthy
        assert scheduler.returncode == 0 and "WARN  scheduler" in scheduler.stdout
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=60)
    engine = create_engine(normalise_database_url(empty_database))
    assert {"need", "job_state", "alembic_version"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_health_web_fails_when_nothing_answers(tmp_path):
    env = environment(f"sqlite:///{tmp_path}/x.sqlite3", free_port())
    assert run(["health", "web"], env).returncode != 0


def test_other_words_are_flask_commands(tmp_path):
    env = environment(f"sqlite:///{tmp_path}/x.sqlite3", free_port())
    result = run(["doctor", "--check", "database", "--check", "migrations"], env)
    assert result.returncode == 1  # reachable, but nothing migrated yet
    assert "OK    database" in result.stdout and "FAIL  migrations" in result.stdout
    assert "Run the scheduler process" in run(["scheduler", "--help"], env).stdout
