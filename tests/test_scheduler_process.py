"""The scheduler as a real process: it starts, runs its jobs, is killed, restarts, and loses or repeats nothing."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mutualaid.extensions import db
from mutualaid.jobs import JOBS
from mutualaid.models import JobState, Message, NeedNotification
from tests.builders import make_group, make_need, make_volunteer
from tests.sms_helpers import GROUP_NUMBER

ROOT = Path(__file__).resolve().parent.parent


def start_scheduler(database_url: str) -> subprocess.Popen:
    """`flask --app wsgi scheduler` in its own process, on the test database."""
    env = {**os.environ, "MUTUALAID_ENV": "development", "DATABASE_URL": database_url, "SMS_BACKEND": "console",
           "SECRET_KEY": "scheduler-test", "LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for(check, timeout: float = 90.0) -> bool:
    """Poll `check` (reading fresh data each time) until it is true or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        if check():
            return True
        time.sleep(0.3)
    return False


def notified(need) -> int:
    """How many volunteers were told about `need`."""
    return NeedNotification.query.filter_by(need_id=need.id).count()


@pytest.fixture
def process_guard():
    """Kill any scheduler a failing test leaves behind."""
    started = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_scheduler_runs_jobs_survives_a_kill_and_restarts_without_repeating(app, process_guard):
    group = make_group(phone_number=GROUP_NUMBER)
    for i in range(4):
        volunteer = make_volunteer(group, email=f"v{i}@example.org", phone=f"+4479111234{20 + i}")
        volunteer.quiet_start = volunteer.quiet_end = 0  # no quiet hours: the test must not depend on the clock
    db.session.commit()
    first = make_need(phone="+447911123456")
    url = app.config["SQLALCHEMY_DATABASE_URI"]

    proc = start_scheduler(url)
    process_guard.append(proc)
    assert wait_for(lambda: notified(first) == 3), "the first ring was never notified"
    assert wait_for(lambda: Message.query.filter_by(status="queued").count() == 0), "the outbox was not sent"
    assert wait_for(lambda: JobState.query.count() == len(JOBS)), "not every job ran at start-up"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)

    second = make_need(phone="+447911123457", details="second need")
    restarted = start_scheduler(url)
    process_guard.append(restarted)
    assert wait_for(lambda: notified(second) == 3), "the restarted scheduler did not pick up new work"
    assert wait_for(lambda: Message.query.filter_by(status="queued").count() == 0)
    restarted.send_signal(signal.SIGTERM)
    assert restarted.wait(timeout=20) == 0, restarted.stdout.read()

    assert notified(first) == 3, "a restart must not notify anyone twice"
    sent = [(m.to_number, m.template, m.need_id) for m in Message.query.filter_by(direction="out")]
    assert len(sent) == len(set(sent)), "no message may go out twice"
    assert all(m.status == "delivered" for m in Message.query.filter_by(direction="out"))
