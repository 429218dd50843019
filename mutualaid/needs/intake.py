"""Submitting needs and offers, from any edge (web form, phone intake, API)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l

from mutualaid.core import audit
from mutualaid.core.errors import ServiceError
from mutualaid.domain.categories import CATEGORY_CODES
from mutualaid.domain.phones import InvalidPhone, normalise_phone
from mutualaid.domain.refs import new_ref
from mutualaid.domain.text import clean_text, is_blank
from mutualaid.extensions import db
from mutualaid.groups.places import choose_group, locate
from mutualaid.models import Group, Need

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


