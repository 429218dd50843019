"""Running a job once, with its ledger entry; a failure is recorded, never raised to the scheduler."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from mutualaid.extensions import db
from mutualaid.jobs.registry import JOBS
from mutualaid.models import JobRun, JobState
from mutualaid.tracebacks import frames

log = logging.getLogger(__name__)


def run_job(name: str, now: datetime | None = None) -> JobRun | None:
    """Run job `name` at `now`; returns the ledger row (None for an idle, successful run)."""
    job = JOBS[name]
    started = now or datetime.now(timezone.utc)
    rows, error = 0, ""
    try:
        rows = job.func(started)
    except Exception as exc:  # a job must never take the scheduler down
        db.session.rollback()
        error = f"{type(exc).__name__}: {exc}"[:2000]
        log.error("job %s failed: %s\n%s", name, type(exc).__name__, frames(exc, limit=5))  # not its text
    finished = datetime.now(timezone.utc) if now is None else now
    state = db.session.get(JobState, name) or JobState(name=name, runs=0)
    state.last_started_at, state.last_finished_at = started, finished
    state.last_rows, state.last_error, state.runs = rows, error, (state.runs or 0) + 1
    db.session.merge(state)
    run = None
    if rows or error:
        run = JobRun(name=name, started_at=started, finished_at=finished, rows=rows, error=error)
        db.session.add(run)
    db.session.commit()
    return run
