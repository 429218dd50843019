"""The scheduler's heartbeat: when a job last finished, read from the ledger's JobState rows.

Every job writes its JobState row when it finishes and the fastest run every few seconds, so the
newest of those times says whether the scheduler process is alive. Read by /healthz and `flask doctor`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from mutualaid.extensions import db
from mutualaid.models import JobState

RUNNING, STALE, NOT_STARTED = "ok", "stale", "not started"


@dataclass(frozen=True)
class Heartbeat:
    """The scheduler's state and how many whole seconds ago a job last finished (None: never)."""

    state: str
    age_seconds: int | None


def heartbeat_state(last_finished: datetime | None, now: datetime, stale_after: float) -> Heartbeat:
    """Running if a job finished within `stale_after` seconds, stale if longer ago, not started if never."""
    if last_finished is None:
        return Heartbeat(NOT_STARTED, None)
    age = max(0, int((now - last_finished).total_seconds()))
    return Heartbeat(RUNNING if age <= stale_after else STALE, age)


def last_finished() -> datetime | None:
    """When any job last finished: one read of the small job_state table (a row per job)."""
    return db.session.execute(select(func.max(JobState.last_finished_at))).scalar()


def scheduler_heartbeat(now: datetime, stale_after: float) -> Heartbeat:
    """The scheduler's heartbeat as of `now`."""
    return heartbeat_state(last_finished(), now, stale_after)
