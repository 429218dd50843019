"""Finding a person by what they can tell us, and everything held about them (no commits here)."""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import or_

from mutualaid.domain.phones import InvalidPhone, normalise_phone
from mutualaid.domain.refs import normalise_ref
from mutualaid.domain.text import clean_text
from mutualaid.extensions import db
from mutualaid.models import (
    AuditEvent,
    Claim,
    Conversation,
    Message,
    Need,
    NeedMessage,
    Offer,
    Person,
)


def clean_phone(raw: str | None) -> str | None:
    """A typed number in E.164, or None when it is not one."""
    if not raw or not raw.strip():
        return None
    try:
        return normalise_phone(raw, current_app.config["DEFAULT_REGION"])
    except InvalidPhone:
        return None


def clean_email(raw: str | None) -> str | None:
    """A typed email, lower-cased, or None."""
    email = clean_text(raw or "").lower()
    return email if "@" in email else None


def find_person(*, phone: str | None = None, email: str | None = None, ref: str | None = None) -> Person | None:
    """The (not yet erased) person with this phone, email, or request reference."""
    person = None
    if phone:
        person = db.session.execute(db.select(Person).where(Person.phone == phone)).scalar_one_or_none()
    elif email:
        person = db.session.execute(db.select(Person).where(Person.email == email)).scalar_one_or_none()
    elif ref and (code := normalise_ref(ref)):
        need = db.session.execute(db.select(Need).where(Need.ref == code)).scalar_one_or_none()
        person = need.requester if need is not None else None
    return person if person is not None and person.erased_at is None else None


def requester_matching(ref: str, contact: str) -> Person | None:
    """The requester of need `ref` if `contact` is their phone or email; else None (never says which failed)."""
    code = normalise_ref(ref)
    if not code:
        return None
    need = db.session.execute(db.select(Need).where(Need.ref == code)).scalar_one_or_none()
    person = need.requester if need is not None else None
    if person is None or person.erased_at is not None:
        return None
    phone, email = clean_phone(contact), clean_email(contact)
    if (phone and person.phone == phone) or (email and person.email == email):
        return person
    return None


def _plain(value):
    """JSON-friendly: dates as ISO text."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _row(obj, names: tuple[str, ...]) -> dict:
    """The named attributes of a row."""
    return {name: _plain(getattr(obj, name)) for name in names}


PERSON_FIELDS = ("id", "name", "phone", "email", "role", "language", "sms_consent", "opted_out", "opted_out_at",
                 "phone_status", "quiet_start", "quiet_end", "created_at", "last_seen_at")
VOLUNTEER_FIELDS = ("home_label", "home_lat", "home_lon", "radius_km", "categories", "languages", "capacity",
                    "has_car", "availability", "away_until", "channel", "vetting_status", "created_at")
PLACE_FIELDS = ("address_text", "postcode", "location_status", "exact_lat", "exact_lon", "public_label")
NEED_FIELDS = ("ref", "status", "category", "details", "urgency", "language", "source", "created_at", "closed_at",
               *PLACE_FIELDS)
OFFER_FIELDS = ("ref", "status", "kind", "category", "details", "quantity", "available_until", "created_at",
                *PLACE_FIELDS)
MESSAGE_FIELDS = ("id", "direction", "channel", "from_number", "to_number", "to_address", "body", "status",
                  "created_at")
THREAD_FIELDS = ("id", "author_role", "body", "via", "created_at")
CLAIM_FIELDS = ("id", "status", "claimed_at", "ended_at", "outcome_note", "release_reason")


def everything_about(person: Person) -> dict:
    """Everything held about one person, as JSON-ready data (their subject access request)."""
    needs = list(db.session.execute(db.select(Need).where(Need.requester_id == person.id).order_by(Need.id)).scalars())
    need_ids = [n.id for n in needs]
    reach = [Message.person_id == person.id]
    if person.phone:
        reach += [Message.from_number == person.phone, Message.to_number == person.phone]
    if person.email:
        reach.append(Message.to_address == person.email)
    messages = db.session.execute(db.select(Message).where(or_(*reach)).order_by(Message.id)).scalars()
    thread_scope = [NeedMessage.author_id == person.id] + ([NeedMessage.need_id.in_(need_ids)] if need_ids else [])
    thread = db.session.execute(db.select(NeedMessage).where(or_(*thread_scope)).order_by(NeedMessage.id)).scalars()
    offers = db.session.execute(db.select(Offer).where(Offer.person_id == person.id).order_by(Offer.id)).scalars()
    claims = db.session.execute(db.select(Claim).where(Claim.volunteer_id == person.id).order_by(Claim.id)).scalars()
    conversations = db.session.execute(db.select(Conversation).where(Conversation.person_id == person.id)).scalars()
    events = db.session.execute(db.select(AuditEvent).where(
        AuditEvent.subject_type == "person", AuditEvent.subject_id == person.id).order_by(AuditEvent.id)).scalars()
    return {
        "person": _row(person, PERSON_FIELDS),
        "volunteer": _row(person.volunteer, VOLUNTEER_FIELDS) if person.volunteer is not None else None,
        "needs": [_row(n, NEED_FIELDS) for n in needs],
        "offers": [_row(o, OFFER_FIELDS) for o in offers],
        "messages": [_row(m, MESSAGE_FIELDS) for m in messages],
        "need_messages": [{**_row(m, THREAD_FIELDS), "need_ref": m.need_id and db.session.get(Need, m.need_id).ref}
                          for m in thread],
        "claims": [{**_row(c, CLAIM_FIELDS), "need_ref": c.need.ref} for c in claims],
        "conversations": [{"phone": c.phone, "state": c.state, "updated_at": _plain(c.updated_at)}
                          for c in conversations],
        "events": [{"action": e.action, "at": _plain(e.created_at)} for e in events],
    }
