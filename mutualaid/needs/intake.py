"""Submitting needs and offers, from any edge (web form, phone intake, API)."""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l

from mutualaid.chase.schedule import start_chase
from mutualaid.core import audit
from mutualaid.core.errors import ServiceError
from mutualaid.domain.categories import CATEGORY_CODES, URGENCIES
from mutualaid.domain.phones import InvalidPhone, normalise_phone
from mutualaid.domain.privacy import contact_secrets, redact_details
from mutualaid.domain.refs import new_ref
from mutualaid.domain.text import clean_text, is_blank
from mutualaid.extensions import db
from mutualaid.groups.places import choose_group, locate
from mutualaid.models import Group, Need, Person

log = logging.getLogger(__name__)

MAX_NAME = 120
MAX_WHERE = 300
MAX_EMAIL = 254
MAX_SUBMISSION_KEY = 64
REF_ATTEMPTS = 8
# Who a submission key belongs to when it comes from a form (the key is made at random for one page).
FORM_CALLER = "form"


@dataclass
class Contact:
    """Who is asking or offering, as typed (cleaned by `clean_contact`)."""

    name: str = ""
    phone: str = ""
    email: str = ""
    language: str = "en"
    sms_consent: bool = False


@dataclass
class NeedInput:
    """What a neighbour asks for; every edge builds one of these."""

    category: str
    details: str
    urgency: str = "soon"
    where: str = ""
    contact: Contact = field(default_factory=Contact)
    submission_key: str | None = None
    source: str = "web"
    caller: str = FORM_CALLER


@dataclass
class OfferInput:
    """What a neighbour offers."""

    category: str
    details: str
    kind: str = "item"
    quantity: int = 1
    available_until: date | None = None
    where: str = ""
    contact: Contact = field(default_factory=Contact)
    submission_key: str | None = None
    source: str = "web"
    caller: str = FORM_CALLER


def clean_contact(contact: Contact, *, need_contact: bool = True) -> Contact:
    """Normalise a contact: E.164 phone, lower-case email; at least one way to reach them."""
    name = clean_note(contact.name, field="name", limit=MAX_NAME, multiline=False)
    email = clean_note(contact.email, field="email", limit=MAX_EMAIL, multiline=False).lower()
    phone = ""
    if not is_blank(contact.phone):
        try:
            phone = normalise_phone(contact.phone, current_app.config["DEFAULT_REGION"])
        except InvalidPhone:
            raise ServiceError(_l("That phone number does not look right. Please check it, "
                                  "or leave it empty and give an email."), field="phone")
    if email and ("@" not in email or " " in email or email.startswith("@") or email.endswith("@")):
        raise ServiceError(_l("That email address does not look right."), field="email")
    if need_contact and not (phone or email):
        raise ServiceError(_l("Please give a phone number or an email so we can reach you."),
                           field="phone")
    language = contact.language if contact.language in current_app.config["LANGUAGES"] else "en"
    return Contact(name, phone, email, language, bool(contact.sms_consent))


def clean_common(category: str | None, details: str, where: str, *, texted: bool = False) -> tuple[str, str, str]:
    """The one cleaner of the fields needs and offers share, for every edge; nothing is silently cut short.

    A form or API call that breaks a rule is refused with a message for the field. What a
    neighbour texted cannot be sent back to edit, so it is cleaned the same way and kept whole
    (a missing kind becomes "other", and a dialogue's draft may have no details yet).
    """
    if texted:
        return (category if category in CATEGORY_CODES else "other", clean_text(details, multiline=True),
                clean_text(where))
    if category not in CATEGORY_CODES:
        raise ServiceError(_l("Please choose what kind of help this is."), field="category")
    details = clean_text(details, multiline=True)
    if is_blank(details):
        raise ServiceError(_l("Please say a few words about it."), field="details")
    limit = current_app.config["MAX_DETAILS_LENGTH"]
    if len(details) > limit:
        raise ServiceError(_l("Please keep this to %(limit)d characters (it has %(count)d).",
                              limit=limit, count=len(details)), field="details")
    where = clean_text(where)
    if len(where) > MAX_WHERE:
        raise ServiceError(_l("Please keep the address to %(limit)d characters.", limit=MAX_WHERE),
                           field="where")
    return category, details, where


def clean_note(text: str, *, field: str, limit: int, multiline: bool = True) -> str:
    """A short free text (a reason, an outcome, a note, a pause message): cleaned, and refused when too long."""
    text = clean_text(text, multiline=multiline)
    if len(text) > limit:
        raise ServiceError(_l("Please keep this to %(limit)d characters (it has %(count)d).", limit=limit,
                              count=len(text)), field=field)
    return text


def stored_key(data: NeedInput | OfferInput) -> str | None:
    """The submission key as stored: a digest of who sent it and the key, so one caller's key never
    finds another's request (and no key, however long or strange, reaches the database as sent)."""
    key = data.submission_key
    if not key:
        return None
    if len(key) > MAX_SUBMISSION_KEY or not key.isprintable():
        raise ServiceError(_l("The submission key must be at most %(limit)d printable characters.",
                              limit=MAX_SUBMISSION_KEY), field="submission_key")
    return hashlib.sha256(json.dumps([data.caller, key]).encode()).hexdigest()


def content_digest(data: NeedInput | OfferInput) -> str | None:
    """A digest of what was asked or offered (everything but the key, the caller and the edge), as sent;
    kept only beside a submission key."""
    if not data.submission_key:
        return None
    content = {name: value for name, value in asdict(data).items()
               if name not in ("submission_key", "caller", "source")}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def _existing(model, data: NeedInput | OfferInput):
    """The record this caller already made with this submission key, if any (a retry or a double click);
    the same key with different content is refused, since the first request would be returned for it."""
    key = stored_key(data)
    if key is None:
        return None
    record = db.session.execute(db.select(model).where(model.submission_key == key)).scalar_one_or_none()
    if record is not None and record.submission_digest not in (None, content_digest(data)):
        if data.source == "api":
            raise ServiceError(_l("This Idempotency-Key was already used for a different request. Use a new key "
                                  "for a new request."), field="Idempotency-Key", code="key_reused")
        raise ServiceError(_l("This form was already sent with other answers. Please reload the page to send a "
                              "new request."), code="key_reused")
    return record


def _insert_with_ref(record) -> None:
    """Flush a new record with a fresh random reference, retrying the rare collision."""
    for _ in range(REF_ATTEMPTS):
        record.ref = new_ref()
        taken = db.session.execute(
            db.select(type(record).id).where(type(record).ref == record.ref)
        ).first()
        if not taken:
            db.session.add(record)
            db.session.flush()
            return
    raise RuntimeError("Could not find a free reference; the reference space is too full.")


def _groups() -> list[Group]:
    """Every group on this instance, oldest first (the first is the default)."""
    return list(db.session.execute(db.select(Group).order_by(Group.id)).scalars())


def place_need(need: Need, *, group: Group | None = None, home: Group | None = None,
               allow_online: bool = True) -> Group:
    """Geocode a need's address text and set its private and public place; returns its group.

    It goes to `group` if given; else to the group whose area holds the place, and when none does
    (or the place is unknown), to `home` (a coordinator's own group) or else the first group.
    """
    groups = [group] if group else _groups()
    if home is not None and group is None:
        groups = [home] + [g for g in groups if g.id != home.id]
    group_found, placement = choose_group(locate(need.address_text, allow_online=allow_online), groups)
    placement.apply_to(need)
    need.group_id = group_found.id
    return group_found


def new_need(*, category: str | None, details: str, where: str, urgency: str | None, language: str, source: str,
             now: datetime, status: str = "open", group: Group | None = None, home: Group | None = None,
             allow_online: bool = True, texted: bool = False, **columns) -> tuple[Need, Group]:
    """The one place a need is made (web, API, phone intake and SMS drafts): its fields cleaned by the
    one cleaner, placed in the group whose area holds it (or `group`), and its chase started if open.

    Not yet saved: the caller adds who asked and calls save_new in its own transaction.
    """
    category, details, where = clean_common(category, details, where, texted=texted)
    need = Need(category=category, details=details, address_text=where, language=language, source=source,
                urgency=urgency if urgency in URGENCIES else "soon", status=status, created_at=now, updated_at=now,
                **columns)
    found = place_need(need, group=group, home=home, allow_online=allow_online)
    if status == "open":
        start_chase(need, now)
    return need, found


def refill_draft(need: Need, *, category: str | None, details: str, where: str, urgency: str | None,
                 language: str, group: Group) -> None:
    """A draft's answers so far (an SMS dialogue going on), cleaned and placed as new_need does."""
    need.category, need.details, need.address_text = clean_common(category, details, where, texted=True)
    need.urgency, need.language = urgency if urgency in URGENCIES else "soon", language
    place_need(need, group=group, allow_online=False)
    refresh_public_details(need)


def is_practice(record) -> bool:
    """Whether a new need/offer is practice: the person it is for is a number made up in the SMS simulator."""
    if isinstance(record, Need):
        person, person_id = record.requester, record.requester_id
    else:
        person, person_id = record.person, record.person_id
    if person is None and person_id is not None:
        person = db.session.get(Person, person_id)
    return bool(person is not None and person.simulated)


def owner(record) -> Person | None:
    """Who a need was asked by, or an offer made by."""
    person, person_id = ((record.requester, record.requester_id) if isinstance(record, Need)
                         else (record.person, record.person_id))
    if person is None and person_id is not None:
        person = db.session.get(Person, person_id)
    return person


def secrets_of(record) -> tuple:
    """The contact values of a need's or offer's owner, and its address parts, to hide in public text."""
    person = owner(record)
    return contact_secrets(name=getattr(person, "name", "") or "", address=record.address_text or "",
                           phone=getattr(person, "phone", "") or "", email=getattr(person, "email", "") or "",
                           region=current_app.config.get("DEFAULT_REGION", "GB"))


def refresh_public_details(record) -> None:
    """Write the public version of a need's or offer's details: what may be shown before a claim (DESIGN.md §4)."""
    record.public_details = redact_details(record.details or "", secrets=secrets_of(record),
                                           region=current_app.config.get("DEFAULT_REGION", "GB"))


def save_new(record, *, actor, now: datetime, action: str, **details) -> None:
    """Give a new need/offer its reference and public details, mark it practice when it is, flush it and audit
    its creation (no commit). A public version already set (a referred copy's) is kept."""
    record.practice = is_practice(record)
    if record.public_details is None:
        refresh_public_details(record)
    _insert_with_ref(record)
    audit.record(action, record, actor=actor, now=now, **details)


