"""Figures that are costly to count, kept for a few minutes (FIGURES_CACHE_SECONDS) in the app's cache."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from flask import current_app

from mutualaid.extensions import cache

log = logging.getLogger(__name__)
T = TypeVar("T")


def cached_figures(key: str, compute: Callable[[], T]) -> T:
    """The value kept under `key`, computed (and kept) when missing or stale; a cache that fails is skipped."""
    seconds = current_app.config["FIGURES_CACHE_SECONDS"]
    if seconds <= 0:
        return compute()
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001 - a broken cache (e.g. Redis down) must not break the page
        log.warning("figures cache unavailable; counting afresh", exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, timeout=seconds)
        except Exception:  # noqa: BLE001
            log.warning("figures cache unavailable; not kept", exc_info=True)
    return value
