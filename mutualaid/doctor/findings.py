"""What a check found: OK, WARN (works, but worth fixing) or FAIL (something will not work)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

OK, WARN, FAIL = "OK", "WARN", "FAIL"


@dataclass(frozen=True)
class Finding:
    """One line of the doctor's report: which check, how it went, and what to do in plain words."""

    check: str
    status: str
    message: str

    def as_dict(self) -> dict:
        """For --json."""
        return asdict(self)


def ok(check: str, message: str) -> Finding:
    """A check that passed."""
    return Finding(check, OK, message)


def warn(check: str, message: str) -> Finding:
    """Works, but worth fixing."""
    return Finding(check, WARN, message)


def fail(check: str, message: str) -> Finding:
    """Something will not work until this is fixed."""
    return Finding(check, FAIL, message)
