"""New rows kept as plain values and written one INSERT a table, for jobs that write thousands at once (no commits).

Inside `collected()`, the outbox (messaging/outbox.py), the audit log (core/audit.py) and the
chase keep the rows they would add as dicts, after applying every rule they apply to a single row;
when the block ends the session is flushed (so rows they refer to exist) and each table's rows are
inserted in the order they were made, so ids keep that order. Outside the block nothing changes.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import Table

from mutualaid.extensions import db

_pending: ContextVar[Rows | None] = ContextVar("bulk_rows", default=None)


class Rows:
    """Rows waiting to be inserted, per table, in the order they were made."""

    def __init__(self):
        """Nothing yet."""
        self.tables: dict[Table, list[dict]] = {}

    def add(self, table: Table, row: dict) -> None:
        """Keep `row` for `table` (every row of a table carries the same keys)."""
        rows = self.tables.get(table)
        if rows is None:
            rows = self.tables[table] = []
        rows.append(row)

    def write(self) -> None:
        """Flush the session, then insert each table's rows (one executemany a table)."""
        db.session.flush()
        for table, rows in self.tables.items():
            if rows:
                db.session.execute(table.insert(), rows)
        self.tables = {}


def pending() -> Rows | None:
    """The rows being collected, or None outside `collected()`."""
    return _pending.get()


@contextmanager
def collected():
    """Collect new rows in this block and write them when it ends (nothing is written if it fails)."""
    outer = _pending.get()
    if outer is not None:  # already collecting: the outer block writes
        yield outer
        return
    rows = Rows()
    token = _pending.set(rows)
    try:
        yield rows
        rows.write()
    finally:
        _pending.reset(token)
