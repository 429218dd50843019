"""Logging in and out: passwords checked in constant time, accounts that wait after failures, and one
row per logged-in browser, so that logging out, a new password, erasure or "log out everywhere" ends
the session and remember cookies a thief may have copied."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from functools import cache

from flask import current_app
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from mutualaid.core import audit
from mutualaid.core.errors import Forbidden, NotFound
from mutualaid.core.permissions import require_coordinator
from mutualaid.domain.logins import LockPolicy, SessionLimits, lock_for, session_ended
from mutualaid.domain.text import clean_text
from mutualaid.extensions import db
from mutualaid.models import LoginSession, Person

# A session's last use is written at most this often, not on every page.
TOUCH_EVERY = timedelta(minutes=1)


@cache
def _dummy_hash() -> str:
    """A hash of a random password made like real ones, checked when there is no account, so that an
    unknown email costs as much time as a wrong password."""
    return generate_password_hash(secrets.token_hex(16))


def lock_policy(config) -> LockPolicy:
    """The back-off after failed passwords, from config."""
    return LockPolicy(after=config["LOGIN_LOCK_AFTER"], first_seconds=config["LOGIN_LOCK_SECONDS"],
                      max_seconds=config["LOGIN_LOCK_MAX_SECONDS"])


def session_limits(config) -> SessionLimits:
    """How long logins last, from config."""
    return SessionLimits(coordinator_idle=timedelta(minutes=config["COORDINATOR_IDLE_MINUTES"]),
                         coordinator_absolute=timedelta(hours=config["COORDINATOR_SESSION_HOURS"]),
                         other_idle=timedelta(days=config["VOLUNTEER_IDLE_DAYS"]),
                         other_absolute=timedelta(days=config["VOLUNTEER_SESSION_DAYS"]))


def authenticate(email: str, password: str, *, now: datetime | None = None) -> Person | None:
    """The person with this email and password, or None: the same answer, after the same single password
    check, for an unknown email, a wrong password and an account waiting after too many failures."""
    now = now or datetime.now(timezone.utc)
    email = clean_text(email).lower()
    person = db.session.execute(db.select(Person).where(Person.email == email)).scalar_one_or_none()
    usable = person is not None and person.erased_at is None and bool(person.password_hash)
    matches = check_password_hash(person.password_hash if usable else _dummy_hash(), password or "")
    if not usable:
        return None
    if person.locked_until is not None and person.locked_until > now:
        return None  # not even the right password, until the wait is over
    if not matches:
        _count_failure(person, now)
        db.session.commit()
        return None
    person.failed_logins, person.locked_until = 0, None
    person.last_seen_at = now
    db.session.commit()
    return person


def _count_failure(person: Person, now: datetime) -> None:
    """One more failed password, counted in the database itself so that workers failing at the same moment
    each count; from the threshold on the account waits, longer each time (audited)."""
    failures = db.session.execute(
        update(Person).where(Person.id == person.id).values(failed_logins=Person.failed_logins + 1)
        .returning(Person.failed_logins).execution_options(synchronize_session=False)).scalar_one()
    set_committed_value(person, "failed_logins", failures)
    wait = lock_for(failures, lock_policy(current_app.config))
    if wait:
        person.locked_until = now + wait
        audit.record("person.login_held", person, actor=None, now=now, failures=failures,
                     seconds=int(wait.total_seconds()))


def _digest(key: str) -> str:
    """Login keys are kept only as SHA-256 digests."""
    return hashlib.sha256(key.encode()).hexdigest()


def open_login(person: Person, *, now: datetime) -> Person:
    """A new login for `person` under a fresh random key (which `person.get_id()` then names)."""
    key = secrets.token_urlsafe(32)
    db.session.add(LoginSession(person_id=person.id, key_hash=_digest(key), created_at=now, last_seen_at=now))
    db.session.commit()
    person.login_key = key
    return person


def resume_login(user_id: str, *, now: datetime, limits: SessionLimits) -> tuple[Person | None, str | None]:
    """The person a cookie's `person:key` names while that login lasts, and why it ended if it has just
    run out ('idle' or 'absolute'; the login is then ended)."""
    person_id, _, key = (user_id or "").partition(":")
    if not person_id.isdigit() or not key or len(key) > 200:
        return None, None
    found = db.session.execute(db.select(LoginSession, Person).join(Person, Person.id == LoginSession.person_id)
                               .where(LoginSession.key_hash == _digest(key))).first()
    if found is None:
        return None, None
    login, person = found
    if person.id != int(person_id) or person.erased_at is not None:
        return None, None
    ended = session_ended(coordinator=person.is_coordinator, started_at=login.created_at,
                          last_seen_at=login.last_seen_at, now=now, limits=limits)
    if ended:
        db.session.delete(login)
        db.session.commit()
        return None, ended
    if now - login.last_seen_at >= TOUCH_EVERY:
        login.last_seen_at = now
        db.session.commit()
    person.login_key = key
    return person, None


def close_login(user_id: str | None) -> None:
    """Log out: the login named by a cookie's `person:key` ends, here and for any copy of the cookies."""
    _, _, key = (user_id or "").partition(":")
    if key:
        db.session.execute(db.delete(LoginSession).where(LoginSession.key_hash == _digest(key)))
        db.session.commit()


def end_logins(person: Person) -> int:
    """End every login of `person` (no commit: for the action that calls it); how many there were."""
    return db.session.execute(db.delete(LoginSession).where(LoginSession.person_id == person.id)).rowcount


def log_out_everywhere(actor: Person, person_id: int, *, now: datetime) -> int:
    """A coordinator ends every login of their own account or of someone in their group (audited)."""
    person = db.session.get(Person, person_id)
    if person is None or person.erased_at is not None:
        raise NotFound()
    require_coordinator(actor)
    if person.group_id != actor.group_id:
        raise Forbidden()
    ended = end_logins(person)
    audit.record("person.logged_out_everywhere", person, actor=actor, now=now, sessions=ended)
    db.session.commit()
    return ended
