"""Submitting needs and offers, from any edge (web form, phone intake, API)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from mutualaid.domain.categories import CATEGORY_CODES, URGENCIES
from mutualaid.domain.phones import InvalidPhone, normalise_phone
from mutualaid.domain.refs import new_ref
from mutualaid.domain.text import clean_text, is_blank
from mutualaid.extensions import db
from mutualaid.models import Group, Need, Offer
from mutualaid.core import audit
from mutualaid.core.errors import ServiceError
from mutualaid.chase.schedule import start_chase
from mutualaid.people.records import find_or_create_person
from mutualaid.groups.places import choose_group, locate

log = logging.getLogger(__name__)

MAX_NAME = 120
MAX_WHERE = 300
MAX_EMAIL = 254
REF_ATTEMPTS = 8


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


def clean_contact(contact: Contact, *, need_contact: bool = True) -> Contact:
    """Normalise a contact: E.164 phone, lower-case email; at least one way to reach them."""
    name = clean_text(contact.name)[:MAX_NAME]
    email = clean_text(contact.email).lower()[:MAX_EMAIL]
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


def clean_common(category: str, details: str, where: str) -> tuple[str, str, str]:
    """Validate the fields needs and offers share; nothing is silently cut short."""
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


def _existing(model, submission_key: str | None):
    """The record already made from this form submission, if any (double-submit guard)."""
    if not submission_key:
        return None
    return db.session.execute(
        db.select(model).where(model.submission_key == submission_key)
    ).scalar_one_or_none()


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


def place_need(need: Need, *, group: Group | None = None, allow_online: bool = True) -> Group:
    """Geocode a need's address text and set its private and public place; returns its group."""
    group_found, placement = choose_group(locate(need.address_text, allow_online=allow_online),
                                          [group] if group else _groups())
    placement.apply_to(need)
    need.group_id = group_found.id
    return group_found


def save_new(record, *, actor, now: datetime, action: str, **details) -> None:
    """Give a new need/offer its reference, flush it and audit its creation (no commit)."""
    _insert_with_ref(record)
    audit.record(action, record, actor=actor, now=now, **details)


def submit_need(data: NeedInput, *, entered_by=None, now: datetime | None = None) -> tuple[Need, bool]:
    """Save a need (open at once, even if its place is unknown); returns (need, created)."""
    now = now or datetime.now(timezone.utc)
    if (existing := _existing(Need, data.submission_key)) is not None:
        return existing, False
    category, details, where = clean_common(data.category, data.details, data.where)
    urgency = data.urgency if data.urgency in URGENCIES else "soon"
    contact = clean_contact(data.contact)
    need = Need(entered_by_id=getattr(entered_by, "id", None), category=category, details=details,
                urgency=urgency, language=contact.language, status="open", source=data.source,
                submission_key=data.submission_key, address_text=where, created_at=now, updated_at=now)
    group = place_need(need)
    start_chase(need, now)
    requester = find_or_create_person(phone=contact.phone or None, email=contact.email or None,
                                      name=contact.name, language=contact.language, group_id=group.id)
    requester.sms_consent = requester.sms_consent or contact.sms_consent
    need.requester = requester
    return _commit_new(need, data.submission_key, actor=entered_by, now=now, action="need.created",
                       source=data.source, location_status=need.location_status)


def _commit_new(record, submission_key, *, actor, now, action, **details):
    """Save and commit a new record; a concurrent double submission returns the first one."""
    try:
        save_new(record, actor=actor, now=now, action=action, **details)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if (existing := _existing(type(record), submission_key)) is not None:
            return existing, False
        raise
    log.info("%s %s saved (source=%s)", type(record).__name__.lower(), record.ref, record.source)
    return record, True


def submit_offer(data: OfferInput, *, entered_by=None, now: datetime | None = None) -> tuple[Offer, bool]:
    """Save an offer; returns (offer, created)."""
    now = now or datetime.now(timezone.utc)
    if (existing := _existing(Offer, data.submission_key)) is not None:
        return existing, False
    category, details, where = clean_common(data.category, data.details, data.where)
    if data.kind not in ("item", "service"):
        raise ServiceError(_l("Please say whether this is a thing or your time."), field="kind")
    if not 1 <= int(data.quantity or 0) <= 1000:
        raise ServiceError(_l("How many can you offer? Please give a number from 1 to 1000."),
                           field="quantity")
    if data.available_until is not None and data.available_until < now.date():
        raise ServiceError(_l("That date has already passed."), field="available_until")
    contact = clean_contact(data.contact)
    offer = Offer(kind=data.kind, category=category, details=details, quantity=int(data.quantity),
                  available_until=data.available_until, status="open", source=data.source,
                  submission_key=data.submission_key, address_text=where, created_at=now, updated_at=now)
    group = place_need(offer)
    offer.person = find_or_create_person(phone=contact.phone or None, email=contact.email or None,
                                         name=contact.name, language=contact.language, group_id=group.id)
    return _commit_new(offer, data.submission_key, actor=entered_by, now=now, action="offer.created",
                       source=data.source)
