"""Rules for logins: how long an account waits after failed passwords, and when a session has run out."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LockPolicy:
    """After `after` failed passwords in a row an account waits `first_seconds`, doubling with each
    further failure, at most `max_seconds`."""

    after: int = 5
    first_seconds: int = 60
    max_seconds: int = 900


def lock_for(failures: int, policy: LockPolicy) -> timedelta:
    """How long an account waits after `failures` failed passwords in a row (zero below the threshold)."""
    if failures < policy.after:
        return timedelta(0)
    doublings = min(failures - policy.after, 32)  # beyond this the cap has long been reached
    return timedelta(seconds=min(policy.first_seconds * 2 ** doublings, policy.max_seconds))


@dataclass(frozen=True)
class SessionLimits:
    """How long a login lasts unused (idle) and at most (absolute), for coordinators and for others."""

    coordinator_idle: timedelta = timedelta(minutes=30)
    coordinator_absolute: timedelta = timedelta(hours=12)
    other_idle: timedelta = timedelta(days=14)
    other_absolute: timedelta = timedelta(days=30)


def session_ended(*, coordinator: bool, started_at: datetime, last_seen_at: datetime, now: datetime,
                  limits: SessionLimits) -> str | None:
    """'absolute' or 'idle' when a login has run out at `now`, else None."""
    absolute = limits.coordinator_absolute if coordinator else limits.other_absolute
    idle = limits.coordinator_idle if coordinator else limits.other_idle
    if now - started_at >= absolute:
        return "absolute"
    if now - last_seen_at >= idle:
        return "idle"
    return None
