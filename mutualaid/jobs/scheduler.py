"""The scheduler process (`flask --app wsgi scheduler`): one blocking APScheduler, never in web workers."""
from __future__ import annotations

import logging
import signal
from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from mutualaid.jobs.registry import JOBS
from mutualaid.jobs.runner import run_job

log = logging.getLogger(__name__)


def _run_in_app(app: Flask, name: str) -> None:
    """Run one job inside an app context (APScheduler calls this from its thread pool)."""
    with app.app_context():
        run_job(name)


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A blocking scheduler with every job registered; missed runs coalesce into one."""
    scheduler = BlockingScheduler(timezone="UTC", job_defaults={
        "coalesce": True,          # after downtime, what fell due runs once, not once per missed slot
        "max_instances": 1,        # a slow run is never overlapped by the next
        "misfire_grace_time": 300,  # a run up to 5 minutes late still happens
    })
    start = datetime.now(timezone.utc)
    for offset, job in enumerate(JOBS.values()):
        # Every job runs once at start-up (catching up after downtime), then at its interval.
        scheduler.add_job(_run_in_app, IntervalTrigger(seconds=job.interval(app.config)), args=(app, job.name),
                          id=job.name, name=job.description, replace_existing=True,
                          next_run_time=start + timedelta(seconds=offset))
    return scheduler


def run_scheduler(app: Flask) -> None:
    """Start the scheduler and block until SIGTERM/SIGINT."""
    scheduler = build_scheduler(app)

    def stop(signum, frame):
        """Finish the running jobs, then exit."""
        log.info("scheduler stopping (signal %s)", signum)
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    log.info("scheduler starting with jobs: %s", ", ".join(JOBS))
    print(f"scheduler running jobs: {', '.join(f'{j.name} every {j.interval(app.config):g}s' for j in JOBS.values())}",
          flush=True)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
