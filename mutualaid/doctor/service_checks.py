"""Checks that talk to the services the app relies on: the database and its migrations, the scheduler's
heartbeat, the rate-limit store, the map tile server. Twilio and email are in their own modules."""
from __future__ import annotations

import urllib.request
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, text

from mutualaid.doctor.findings import Finding, fail, ok, warn
from mutualaid.extensions import db
from mutualaid.jobs.heartbeat import NOT_STARTED, STALE, scheduler_heartbeat
from mutualaid.models import JobState

TIMEOUT = 10


def first_line(exc: BaseException) -> str:
    """An error's class and its message's first line (database and network errors carry no personal data)."""
    message = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return type(exc).__name__ + (f": {message[0][:200]}" if message else "")


def check_database() -> list[Finding]:
    """A round trip to the database."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:
        db.session.rollback()
        return [fail("database", f"Cannot reach the database ({first_line(exc)}). Check DATABASE_URL, that "
                                 "PostgreSQL is running, and its user and password.")]
    return [ok("database", f"Connected ({db.engine.dialect.name}).")]


def check_migrations(migrations: Path) -> list[Finding]:
    """The database's schema revision against the newest migration in the code."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(migrations))
    heads = set(script.get_heads())
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if not current:
        return [fail("migrations", "The database has no tables from this app yet. Run: flask --app wsgi db upgrade")]
    if current == heads:
        return [ok("migrations", f"The database is up to date (revision {', '.join(sorted(heads))}).")]
    known = {revision.revision for revision in script.walk_revisions()}
    if not current <= known:
        return [fail("migrations", "The database was upgraded by a newer version of the app than this one. "
                                   "Run the newer version, or restore the backup taken before the upgrade.")]
    return [fail("migrations", "The database is behind this version of the app. Run: flask --app wsgi db upgrade")]


def check_scheduler(config: Mapping, now: datetime) -> list[Finding]:
    """The scheduler's heartbeat, and jobs whose last run failed."""
    stale_after = config["SCHEDULER_STALE_SECONDS"]
    beat = scheduler_heartbeat(now, stale_after)
    if beat.state == NOT_STARTED:
        return [warn("scheduler", "No scheduler job has run yet. Start the scheduler (flask --app wsgi scheduler, "
                                  "the mutualaid-scheduler service, or the scheduler container): without it no "
                                  "text is sent and nobody's request is chased.")]
    if beat.state == STALE:
        return [fail("scheduler", f"The scheduler's last job finished {_age(beat.age_seconds)} ago (more than "
                                  f"{stale_after} seconds): texts are not being sent or answered. Restart the "
                                  "scheduler and look at its log.")]
    findings = [ok("scheduler", f"The scheduler is running (a job finished {_age(beat.age_seconds)} ago).")]
    failed = db.session.execute(select(JobState.name).where(JobState.last_error != "").order_by(JobState.name))
    names = list(failed.scalars())
    if names:
        findings.append(warn("scheduler", f"The last run of {', '.join(names)} failed; see "
                                          "flask --app wsgi jobs status and the scheduler's log."))
    return findings


def _age(seconds: int | None) -> str:
    """Seconds as a short plain duration."""
    seconds = seconds or 0
    if seconds < 120:
        return f"{seconds} seconds"
    if seconds < 7200:
        return f"{seconds // 60} minutes"
    return f"{seconds // 3600} hours"


def check_rate_limit_store(config: Mapping) -> list[Finding]:
    """A shared rate-limit store (redis://, memcached://) answers."""
    uri = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if uri.startswith("memory://"):
        return []
    from limits.storage import storage_from_string

    try:
        answers = storage_from_string(uri).check()
    except Exception as exc:
        answers, problem = False, first_line(exc)
    else:
        problem = "it did not answer"
    scheme = uri.split("://", 1)[0]
    if not answers:
        return [fail("rate-limits", f"Cannot reach the rate-limit store ({scheme}; {problem}). Logins and forms "
                                    "fail while it is down: start it, or fix RATELIMIT_STORAGE_URI.")]
    return [ok("rate-limits", f"The rate-limit store ({scheme}) answers; every web worker shares its counts.")]


def check_map_tiles(config: Mapping) -> list[Finding]:
    """Fetch the whole-world tile (zoom 0) the way a browser would; nothing personal is sent."""
    url = (config.get("MAP_TILE_URL") or "").strip()
    if not url.startswith(("http://", "https://")) or not all(p in url for p in ("{z}", "{x}", "{y}")):
        return []  # served by this site, or already reported as unusable
    tile = url.replace("{s}", "a").replace("{r}", "").replace("{z}", "0").replace("{x}", "0").replace("{y}", "0")
    request = urllib.request.Request(tile, headers={"User-Agent": "mutualaid-doctor (deployment check)"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            kind = response.headers.get("Content-Type", "")
    except Exception as exc:
        return [fail("map", f"Could not fetch a map tile from {tile} ({first_line(exc)}): the map would be "
                            "blank. Check MAP_TILE_URL.")]
    if not kind.startswith("image/"):
        return [fail("map", f"The tile server answered {tile} with {kind or 'no type'}, not a picture. "
                            "Check MAP_TILE_URL.")]
    return [ok("map", "The tile server sends map tiles.")]
