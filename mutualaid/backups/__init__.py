"""Backups that restore: a whole-database copy to one file, and putting one back.

PostgreSQL goes through pg_dump/pg_restore (custom format); SQLite through Python's sqlite3 backup
API, which copies a consistent snapshot while the app keeps running. A backup holds everyone's
personal data, so its file is readable by its owner only.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import make_url

from mutualaid.backups import postgres, sqlite
from mutualaid.backups.errors import BackupError

SQLITE_MAGIC = b"SQLite format 3\x00"
POSTGRES_MAGIC = b"PGDMP"
EXTENSIONS = {"sqlite": ".sqlite3", "postgresql": ".dump"}
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
_TIMESTAMPED = re.compile(r"^mutualaid-\d{8}-\d{6}(\.sqlite3|\.dump)$")

__all__ = ["BackupError", "Backup", "backend_of", "backup", "restore", "kind_of_file", "default_path", "prune"]


@dataclass(frozen=True)
class Backup:
    """A backup file written, and the older ones removed to keep only the newest few."""

    path: Path
    size: int
    removed: tuple[Path, ...] = ()


def backend_of(database_url: str) -> str:
    """`sqlite` or `postgresql`, from a SQLAlchemy URL."""
    backend = make_url(database_url).get_backend_name()
    if backend not in EXTENSIONS:
        raise BackupError(f"Backups work on SQLite and PostgreSQL, not {backend}.")
    return backend


def default_path(directory: Path, backend: str, now: datetime | None = None) -> Path:
    """`mutualaid-YYYYMMDD-HHMMSS.<ext>` in `directory` (UTC, so names sort by age)."""
    now = now or datetime.now(timezone.utc)
    return directory / f"mutualaid-{now:%Y%m%d-%H%M%S}{EXTENSIONS[backend]}"


def kind_of_file(path: Path) -> str:
    """Which backend a backup file is for, from its first bytes; BackupError if it is none of ours."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"Cannot read {path}: {exc.strerror}.") from exc
    if not head:
        raise BackupError(f"{path} is empty: it is not a backup (perhaps the backup that made it failed).")
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(POSTGRES_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not a backup made by `backup` (neither a SQLite file nor a pg_dump custom-format file).")


def backup(database_url: str, target: Path | None, *, directory: Path, keep: int | None = None,
           now: datetime | None = None) -> Backup:
    """Copy the whole database to `target` (a file, a folder, or None: `directory`), then keep the newest `keep`."""
    backend = backend_of(database_url)
    if target is None or target.is_dir():
        target = default_path(target or directory, backend, now)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # private before a byte is written
    try:
        if backend == "sqlite":
            sqlite.dump(database_url, partial)
        else:
            postgres.dump(database_url, partial)
        os.replace(partial, target)  # a failed backup never leaves a file that looks like a good one
    finally:
        partial.unlink(missing_ok=True)
    removed = prune(target.parent, keep) if keep else ()
    return Backup(path=target, size=target.stat().st_size, removed=removed)


def prune(directory: Path, keep: int) -> tuple[Path, ...]:
    """Remove all but the newest `keep` timestamped backups in `directory` (other files are left alone)."""
    if keep < 1:
        raise BackupError("--keep must be at least 1.")
    ours = sorted(p for p in directory.iterdir() if p.is_file() and _TIMESTAMPED.match(p.name))
    old = tuple(ours[:-keep])
    for path in old:
        path.unlink()
    return old


def check(database_url: str, path: Path) -> str:
    """Refuse (BackupError, nothing changed) a file that is not a whole backup for this database's kind."""
    backend = backend_of(database_url)
    kind = kind_of_file(path)
    if kind != backend:
        raise BackupError(f"{path} is a {NAMES[kind]} backup, but this app uses {NAMES[backend]}. "
                          f"Restore it into a {NAMES[kind]} database instead (set DATABASE_URL).")
    if backend == "sqlite":
        sqlite.check(path)
    else:
        postgres.check(path)
    return backend


def restore(database_url: str, path: Path) -> None:
    """Replace everything in the database with the backup at `path`, all or nothing."""
    backend = check(database_url, path)
    if backend == "sqlite":
        sqlite.load(database_url, path)
    else:
        postgres.load(database_url, path)
