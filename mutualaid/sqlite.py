"""SQLite connection settings, installed once per process."""
from sqlalchemy import event
from sqlalchemy.engine import Engine

_installed = False


def _pragmas(dbapi_connection, connection_record) -> None:
    """Foreign keys on, wait for locks, and WAL for file databases (readers never block the writer)."""
    if not type(dbapi_connection).__module__.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    files = [row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main"]
    if files and files[0]:
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def install_pragmas() -> None:
    """Register the connect hook (idempotent)."""
    global _installed
    if not _installed:
        event.listen(Engine, "connect", _pragmas)
        _installed = True
