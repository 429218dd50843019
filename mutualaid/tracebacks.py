"""Tracebacks for logs: where an error happened, without the exception's own text.

That text can hold personal data: a database error quotes the row it refused (SQLAlchemy's
parameters, PostgreSQL's "Failing row contains ..."), and logs must never hold any.
"""
from __future__ import annotations

import traceback


def frames(exc: BaseException, limit: int | None = None) -> str:
    """The frames of `exc`'s traceback, outermost first, as text (at most `limit` of them)."""
    return "".join(traceback.format_tb(exc.__traceback__, limit=limit)).rstrip()
