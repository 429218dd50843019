"""SQLite backups through the sqlite3 backup API: a consistent copy even while the app writes."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from mutualaid.backups.errors import BackupError

REQUIRED_TABLES = {"group", "need", "person", "message", "audit_event"}


def database_file(database_url: str) -> Path:
    """The file behind a sqlite:/// URL; BackupError for an in-memory database."""
    name = make_url(database_url).database
    if not name or name == ":memory:":
        raise BackupError("This SQLite database lives in memory only: there is no file to back up.")
    return Path(name)


def dump(database_url: str, target: Path) -> None:
    """Copy the live database into `target` page by page (readers and the writer carry on meanwhile)."""
    source_file = database_file(database_url)
    if not source_file.exists():
        raise BackupError(f"There is no database at {source_file} yet.")
    source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        with destination:
            source.backup(destination)
        destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    except sqlite3.Error as exc:
        raise BackupError(f"The backup failed: {exc}.") from exc
    finally:
        destination.close()
        source.close()


def check(path: Path) -> None:
    """A whole, undamaged SQLite file holding this app's tables, or BackupError."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{path} is damaged and cannot be restored ({exc}).") from exc
    if verdict != "ok":
        raise BackupError(f"{path} is damaged and cannot be restored (integrity check: {verdict}).")
    if missing := REQUIRED_TABLES - tables:
        raise BackupError(f"{path} is a SQLite file but not a backup of this app (no {', '.join(sorted(missing))}).")


def load(database_url: str, path: Path) -> None:
    """Copy the backup over the live database in one step (the app's connections see it at their next query)."""
    target_file = database_file(database_url)
    target_file.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    destination = sqlite3.connect(target_file, timeout=30)
    try:
        source.backup(destination)
    except sqlite3.Error as exc:
        raise BackupError(f"The restore failed and nothing was changed: {exc}.") from exc
    finally:
        destination.close()
        source.close()
