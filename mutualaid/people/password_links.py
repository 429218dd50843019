"""Links by email that let someone set a password: "forgot your password?" and invitations for volunteers
who were imported without one.

No table holds the links: each is signed (itsdangerous, with the app's secret) over the person's id and a
fingerprint of their password hash and session token, so it stops working as soon as the password changes,
which is what using it does.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from mutualaid.core import audit
from mutualaid.core.errors import Forbidden, NotFound, ServiceError
from mutualaid.core.permissions import require_coordinator
from mutualaid.domain.text import clean_text
from mutualaid.extensions import db
from mutualaid.messaging.outbox import queue_email
from mutualaid.models import Message, Person
from mutualaid.people import login
from mutualaid.people.actions import _check_password

log = logging.getLogger(__name__)
SALT = "mutualaid.password-link"
RESET, INVITE = "reset", "invite"
# How long a link works, and how soon another email of the same kind may go to the same person.
MAX_AGE = {RESET: timedelta(hours=1), INVITE: timedelta(days=7)}
RESEND_AFTER = {RESET: timedelta(minutes=5), INVITE: timedelta(minutes=10)}
TEMPLATES = {RESET: "password_reset", INVITE: "invitation"}


class LinkNoLongerWorks(Exception):
    """A link that is expired, used, forged, or for an account that can no longer log in."""


@dataclass(frozen=True)
class Invited:
    """What an invitation attempt did: sent, or why not."""

    sent: bool
    reason: str = ""  # "recent" (one went out a few minutes ago)


def _serializer() -> URLSafeTimedSerializer:
    """Signs and reads links with the app's secret."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def fingerprint(person: Person) -> str:
    """A short digest of what changes when the password does (its hash, or none, and the session token)."""
    material = "|".join((person.password_hash or "no password", person.session_token or "",
                         "erased" if person.erased_at else ""))
    return hashlib.sha256(material.encode()).hexdigest()[:20]


def make_token(person: Person, purpose: str) -> str:
    """A signed token for a link of this purpose (reset or invite) to this person."""
    return _serializer().dumps([person.id, fingerprint(person), purpose])


def read_token(token: str, *, now: datetime | None = None) -> tuple[Person, str]:
    """The person and purpose a token names while it works; LinkNoLongerWorks otherwise."""
    now = now or datetime.now(timezone.utc)
    try:
        payload, issued_at = _serializer().loads((token or "")[:400], return_timestamp=True)
        person_id, print_, purpose = payload
    except (BadSignature, ValueError, TypeError):
        raise LinkNoLongerWorks()
    if purpose not in MAX_AGE or not isinstance(person_id, int) or now - issued_at > MAX_AGE[purpose]:
        raise LinkNoLongerWorks()
    person = db.session.get(Person, person_id)
    if person is None or not may_have_password(person) or fingerprint(person) != print_:
        raise LinkNoLongerWorks()
    return person, purpose


def link_url(token: str) -> str:
    """The full address of the page a token opens, on the site's public address."""
    path = current_app.url_map.bind("localhost").build("auth.set_password", {"token": token})
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base and has_request_context():
        base = request.url_root.rstrip("/")
    return base + path


def _sent_recently(person: Person, purpose: str, now: datetime) -> bool:
    """Whether an email of this purpose went to this person within its resend interval."""
    return db.session.execute(db.select(Message.id).where(
        Message.person_id == person.id, Message.template == TEMPLATES[purpose],
        Message.created_at > now - RESEND_AFTER[purpose]).limit(1)).first() is not None


def _write_link(person: Person, purpose: str, *, now: datetime) -> Message:
    """Add the email with a link of this purpose for this person to the outbox (no commit)."""
    return queue_email(to_address=person.email, template=TEMPLATES[purpose], group=person.group, person=person,
                       params={"link": link_url(make_token(person, purpose)), "days": MAX_AGE[INVITE].days},
                       purpose="account", now=now)


def queue_link(person: Person, purpose: str, *, now: datetime, actor: Person | None = None) -> bool:
    """Email this person a link of this purpose unless one went out moments ago (no commit); whether it went.
    Emails only: a link that sets a password is never sent by text."""
    if _sent_recently(person, purpose, now):
        return False
    _write_link(person, purpose, now=now)
    if purpose == INVITE:
        audit.record("person.invited", person, actor=actor, now=now)
    return True


def may_have_password(person: Person) -> bool:
    """A volunteer or coordinator with an email, not erased. Someone who only asked for help has no account,
    and is not given one by a link either (whoever typed their email may not have been them)."""
    return bool(person.email) and person.erased_at is None and person.role in ("volunteer", "coordinator")


def can_be_invited(person: Person) -> bool:
    """An account with an email and no password: someone imported who cannot log in yet."""
    return may_have_password(person) and not person.password_hash


def request_reset(email: str, *, now: datetime | None = None) -> None:
    """Email a link to set a new password to whoever has this email, if anyone (the caller answers the same
    either way). The work is alike for a known and an unknown email: the email is written in both cases."""
    now = now or datetime.now(timezone.utc)
    email = clean_text(email or "").lower()[:254]
    person = db.session.execute(db.select(Person).where(Person.email == email)).scalar_one_or_none() \
        if email else None
    known = person is not None and may_have_password(person)
    # For an unknown email the same queries run and the same email is written, to nobody, then dropped, so
    # that the answer takes as long.
    stand_in = Person(id=0, email="nobody@example.invalid", language="en", session_token="")
    sent = not _sent_recently(person if known else stand_in, RESET, now) and known
    message = _write_link(person if sent else stand_in, RESET, now=now)
    if not sent:
        db.session.expunge(message)
    db.session.commit()
    log.info("password link asked for (%s)", "sent" if sent else "nothing sent")


def set_password_from_link(token: str, new_password: str, *, now: datetime | None = None) -> Person:
    """Set the password a working link allows; every login of the account ends, and the link with it.
    LinkNoLongerWorks for a link that does not work; ServiceError for a password too weak."""
    now = now or datetime.now(timezone.utc)
    person, purpose = read_token(token, now=now)
    _check_password(new_password)
    person.set_password(new_password)
    person.session_token = secrets.token_hex(16)
    person.failed_logins, person.locked_until = 0, None
    login.end_logins(person)
    audit.record("person.password_reset", person, actor=person, now=now, invited=purpose == INVITE)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise LinkNoLongerWorks()
    return person


def invite(actor: Person, person_id: int, *, now: datetime | None = None) -> Invited:
    """A coordinator emails someone of their group who has an email but no password a link to set one."""
    now = now or datetime.now(timezone.utc)
    require_coordinator(actor)
    person = db.session.get(Person, person_id)
    if person is None or person.erased_at is not None:
        raise NotFound()
    if person.group_id != actor.group_id:
        raise Forbidden()
    if not can_be_invited(person):
        raise ServiceError(_l("Only someone with an email and no password yet can be invited."))
    if not queue_link(person, INVITE, now=now, actor=actor):
        return Invited(False, "recent")
    db.session.commit()
    return Invited(True)

