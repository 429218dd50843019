"""Sending at the provider's pace: each sender's texts are spaced so they never exceed its rate."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """Spaces the sends of each sender at least 1/rate seconds apart (a rate of 0: no spacing).

    A sender is whatever the provider counts against (a from-number, a Messaging Service); `None`
    is never paced (the console, email). Idle time earns no burst: a slot is never before now.
    The clock and sleep are passed in, so tests check the schedule without waiting for it.
    """

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def slot(self, sender: str | None) -> float:
        """Reserve the sender's next slot: the earliest time (on `clock`) its next send may start."""
        now = self.clock()
        if sender is None or not self.interval:
            return now
        with self._lock:
            slot = max(now, self._next.get(sender, now))
            self._next[sender] = slot + self.interval
        return slot

    def wait(self, sender: str | None) -> float:
        """Sleep until the sender's next slot and return it."""
        slot = self.slot(sender)
        delay = slot - self.clock()
        if delay > 0:
            self.sleep(delay)
        return slot
