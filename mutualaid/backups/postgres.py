"""PostgreSQL backups with pg_dump --format=custom and pg_restore; the password goes in PGPASSWORD, never argv."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from mutualaid.backups.errors import BackupError

# URL query options libpq reads from the environment under these names.
QUERY_ENV = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY",
             "connect_timeout": "PGCONNECT_TIMEOUT", "application_name": "PGAPPNAME"}
REQUIRED_TABLES = ("group", "need", "person", "message", "audit_event")


def program(name: str) -> str:
    """The full path of pg_dump or pg_restore, or a BackupError saying how to get it."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found on PATH. Install PostgreSQL's client programs (on Debian or "
                          f"Ubuntu: apt install postgresql-client), in a version at least the server's.")
    return found


def connection_env(database_url: str) -> dict[str, str]:
    """libpq environment variables for the URL (host, port, user, password, database, SSL options)."""
    url = make_url(database_url)
    env = {"PGHOST": url.host, "PGPORT": str(url.port) if url.port else None, "PGUSER": url.username,
           "PGPASSWORD": url.password, "PGDATABASE": url.database}
    for option, name in QUERY_ENV.items():
        value = url.query.get(option)
        env[name] = value if isinstance(value, str) else None
    return {name: value for name, value in env.items() if value}


def _run(args: list[str], database_url: str, failure: str) -> str:
    """Run a PostgreSQL client program with the connection in its environment; BackupError with its message."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(connection_env(database_url))
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"{failure}: {exc.strerror}.") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{failure}: {' / '.join(detail[-3:]) or f'exit status {done.returncode}'}")
    return done.stdout


def dump(database_url: str, target: Path) -> None:
    """pg_dump the whole database (a consistent snapshot; the app carries on) to `target`."""
    _run([program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"],
         database_url, "pg_dump failed")


def check(path: Path) -> None:
    """A pg_dump file whose table of contents reads, holding this app's tables, or BackupError."""
    listing = _run([program("pg_restore"), "--list", str(path)], "postgresql://", f"{path} is damaged and cannot be restored")
    missing = [t for t in REQUIRED_TABLES if f" TABLE DATA public {t} " not in listing + "\n"
               and f' TABLE DATA public "{t}" ' not in listing]
    if missing:
        raise BackupError(f"{path} is a PostgreSQL dump but not a backup of this app (no {', '.join(missing)}).")


def load(database_url: str, path: Path) -> None:
    """Drop and recreate every table from the dump in one transaction: any error and nothing changed."""
    _run([program("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", f"--dbname={make_url(database_url).database}", str(path)],
         database_url, "The restore failed and nothing was changed")
