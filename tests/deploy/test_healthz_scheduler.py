"""/healthz says when the scheduler has stopped: its heartbeat's age, and 503 once it is stale."""
from datetime import datetime, timedelta, timezone

import pytest

from mutualaid.extensions import db
from mutualaid.jobs.heartbeat import heartbeat_state, scheduler_heartbeat
from mutualaid.models import JobState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def record_run(name: str, finished: datetime) -> None:
    """A job's ledger row as the runner leaves it."""
    db.session.merge(JobState(name=name, last_started_at=finished, last_finished_at=finished, runs=1))
    db.session.commit()


def test_a_recent_heartbeat_is_running():
    beat = heartbeat_state(NOW - timedelta(seconds=10), NOW, 300)
    assert (beat.state, beat.age_seconds) == ("ok", 10)


def test_a_heartbeat_older_than_the_threshold_is_stale():
    beat = heartbeat_state(NOW - timedelta(seconds=301), NOW, 300)
    assert (beat.state, beat.age_seconds) == ("stale", 301)


def test_no_heartbeat_at_all_is_not_started():
    beat = heartbeat_state(None, NOW, 300)
    assert (beat.state, beat.age_seconds) == ("not started", None)


def test_the_newest_job_counts(app):
    record_run("expire_offers", NOW - timedelta(hours=2))
    record_run("deliver_outbox", NOW - timedelta(seconds=4))
    beat = scheduler_heartbeat(NOW, 300)
    assert (beat.state, beat.age_seconds) == ("ok", 4)


def test_healthz_on_a_new_site_says_the_scheduler_has_not_started(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "scheduler": "not started",
                                   "scheduler_age_seconds": None}


def test_healthz_reports_the_heartbeat_age(client):
    record_run("deliver_outbox", datetime.now(timezone.utc) - timedelta(seconds=30))
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["scheduler"] == "ok"
    assert 30 <= body["scheduler_age_seconds"] < 40


def test_healthz_is_503_when_the_scheduler_is_stale(client):
    record_run("deliver_outbox", datetime.now(timezone.utc) - timedelta(minutes=6))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded" and body["database"] == "ok" and body["scheduler"] == "stale"
    assert body["scheduler_age_seconds"] >= 360


@pytest.mark.parametrize("config_overrides", [{"SCHEDULER_STALE_SECONDS": 3600}])
def test_the_threshold_is_a_setting(client, config_overrides):
    record_run("deliver_outbox", datetime.now(timezone.utc) - timedelta(minutes=6))
    assert client.get("/healthz").status_code == 200


def test_check_web_leaves_the_scheduler_out_for_load_balancers(client):
    record_run("deliver_outbox", datetime.now(timezone.utc) - timedelta(hours=6))
    response = client.get("/healthz?check=web")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_holds_nothing_personal(client):
    record_run("deliver_outbox", datetime.now(timezone.utc))
    assert set(client.get("/healthz").get_json()) == {"status", "database", "scheduler", "scheduler_age_seconds"}
