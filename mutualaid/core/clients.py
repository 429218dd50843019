"""Ports to the outside world, chosen by config and built lazily (never at import)."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")
_lock = threading.Lock()


def per_app(key: str, build: Callable[[dict], T]) -> T:
    """The object stored under `key` on this app, built from its config on first use (thread-safe)."""
    app = current_app._get_current_object()
    value = app.extensions.get(key)
    if value is None:
        with _lock:
            value = app.extensions.get(key)
            if value is None:
                value = app.extensions[key] = build(app.config)
    return value
