"""Figures that are costly to count: counted by the scheduler's `refresh_figures` job every
FIGURES_CACHE_SECONDS, kept in the database for every process to read, and held briefly in each
process's cache. A visitor's request only reads them, so a page is never slow because they expired,
and many visitors at once never count them at once (no stampede)."""
from __future__ import annotations

import logging
import pickle
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from flask import current_app

from mutualaid.extensions import cache, db
from mutualaid.models import FiguresSnapshot

log = logging.getLogger(__name__)
T = TypeVar("T")
PROCESS_SECONDS = 30  # how long a process keeps what it read before reading the table again


def cached_figures(key: str, compute: Callable[[], T]) -> T:
    """The figures kept under `key`: from this process's cache, else as the job last counted them.

    Only before the job has ever counted them (a new site whose scheduler has not yet run) are they
    counted here, and then kept only in this process. With FIGURES_CACHE_SECONDS=0 (tests) they are
    always counted afresh. A cache that fails is skipped.
    """
    seconds = current_app.config["FIGURES_CACHE_SECONDS"]
    if seconds <= 0:
        return compute()
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001 - a broken cache (e.g. Redis down) must not break the page
        log.warning("figures cache unavailable; reading the counted figures", exc_info=True)
        value = None
    if value is not None:
        return value
    value = read_snapshot(key)
    if value is None:
        value = compute()
    try:
        cache.set(key, value, timeout=min(seconds, PROCESS_SECONDS))
    except Exception:  # noqa: BLE001
        log.warning("figures cache unavailable; not kept", exc_info=True)
    return value


def read_snapshot(key: str):
    """The figures the job last counted under `key`, or None before it first has."""
    payload = db.session.execute(db.select(FiguresSnapshot.payload).where(FiguresSnapshot.key == key)).scalar()
    # Our own dataclasses, written only by our own job into our own database.
    return pickle.loads(payload) if payload is not None else None


def store_snapshot(key: str, value, now: datetime) -> None:
    """Keep freshly counted figures under `key` (the caller commits)."""
    db.session.merge(FiguresSnapshot(key=key, computed_at=now, payload=pickle.dumps(value)))
