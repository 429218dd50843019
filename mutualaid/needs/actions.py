"""Needs and offers: the actions that commit (intake from every edge, audited private views, late geocoding).

Each public function here is one transaction. Status changes go through lifecycle.py.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError

from mutualaid.claims import relay
from mutualaid.core import audit
from mutualaid.core.errors import ServiceError
from mutualaid.core.permissions import require_coordinator
from mutualaid.domain.transitions import IllegalTransition
from mutualaid.domain.refs import normalise_ref
from mutualaid.extensions import db
from mutualaid.labels import STATUS_LABELS
from mutualaid.groups.pause import check_intake
from mutualaid.groups.places import choose_group, locate
from mutualaid.models import Group, Need, Offer, Person
from mutualaid.needs.intake import (
    NeedInput,
    OfferInput,
    _existing,
    clean_common,
    clean_contact,
    content_digest,
    new_need,
    place_need,
    save_new,
    stored_key,
)
from mutualaid.needs import lifecycle
from mutualaid.needs.reads import can_see_private, get_by_ref, private_view, public_view
from mutualaid.people.records import find_or_create_person

log = logging.getLogger(__name__)
CANCEL_SALT = "need-cancel"
CANCEL_KEY_DAYS = 180
# The same request sent again this soon (back and submit, a reload, a double click) is the first one.
RESUBMIT_WINDOW = timedelta(minutes=30)


def submit_need(data: NeedInput, *, entered_by=None, now: datetime | None = None) -> tuple[Need, bool]:
    """Save a need (open at once, even if its place is unknown); returns (need, created)."""
    now = now or datetime.now(timezone.utc)
    if (existing := _existing(Need, data)) is not None:
        return existing, False
    # Field errors before contact errors, as the form lists them.
    category, details, where = clean_common(data.category, data.details, data.where)
    contact = clean_contact(data.contact)
    if data.source in ("web", "phone") and (twin := _sent_again(contact, category, details, where, now)) is not None:
        return twin, False
    home = entered_by.group if getattr(entered_by, "is_coordinator", False) else None
    need, group = new_need(category=data.category, details=data.details, where=data.where, urgency=data.urgency,
                           language=contact.language, source=data.source, now=now, home=home,
                           entered_by_id=getattr(entered_by, "id", None), submission_key=stored_key(data),
                           submission_digest=content_digest(data))
    check_intake(group, now)
    requester = find_or_create_person(phone=contact.phone or None, email=contact.email or None,
                                      name=contact.name, language=contact.language, group_id=group.id)
    requester.sms_consent = requester.sms_consent or contact.sms_consent
    need.requester = requester
    return _commit_new(need, data, actor=entered_by, now=now, action="need.created",
                       source=data.source, location_status=need.location_status)


def _sent_again(contact, category: str, details: str, where: str, now: datetime) -> Need | None:
    """The same person's identical request made in the last RESUBMIT_WINDOW and still in hand, if any.

    The form's one-use key catches a double click; this catches going back to the form (which may be
    loaded afresh, with a new key) and sending it again.
    """
    people = db.select(Person.id).where(or_(*(
        [Person.phone == contact.phone] if contact.phone else []) + ([Person.email == contact.email] if contact.email
                                                                      else [])))
    return db.session.execute(db.select(Need).where(
        Need.requester_id.in_(people), Need.category == category, Need.details == details, Need.address_text == where,
        Need.status.in_(("open", "claimed")), Need.created_at >= now - RESUBMIT_WINDOW)
        .order_by(Need.id).limit(1)).scalar_one_or_none()


def _commit_new(record, data, *, actor, now, action, **details):
    """Save and commit a new record; a concurrent double submission returns the first one."""
    try:
        save_new(record, actor=actor, now=now, action=action, **details)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if (existing := _existing(type(record), data)) is not None:
            return existing, False
        raise
    log.info("%s %s saved (source=%s)", type(record).__name__.lower(), record.ref, record.source)
    return record, True


def submit_offer(data: OfferInput, *, entered_by=None, now: datetime | None = None) -> tuple[Offer, bool]:
    """Save an offer; returns (offer, created)."""
    now = now or datetime.now(timezone.utc)
    if (existing := _existing(Offer, data)) is not None:
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
                  submission_key=stored_key(data), submission_digest=content_digest(data), address_text=where,
                  created_at=now, updated_at=now)
    group = place_need(offer)
    offer.person = find_or_create_person(phone=contact.phone or None, email=contact.email or None,
                                         name=contact.name, language=contact.language, group_id=group.id)
    offer.person.sms_consent = offer.person.sms_consent or contact.sms_consent
    return _commit_new(offer, data, actor=entered_by, now=now, action="offer.created",
                       source=data.source)


def view_need(ref: str, viewer: Person | None, *, now: datetime | None = None) -> dict:
    """A need as this viewer may see it; a coordinator's look at private data is audited."""
    need = get_by_ref(Need, ref)
    if not can_see_private(need, viewer):
        return public_view(need, now=now)
    if viewer.is_coordinator:
        audit.record("need.private_viewed", need, actor=viewer, now=now)
        db.session.commit()
    return private_view(need)


def coordinator_view(actor: Person, ref: str, *, now: datetime | None = None) -> tuple[Need, dict]:
    """A coordinator's full view of one of their group's needs, with every message between the requester
    and its volunteers; the look is audited."""
    need = get_by_ref(Need, ref)
    require_coordinator(actor, need.group_id)
    thread = relay.thread(need)
    audit.record("need.private_viewed", need, actor=actor, now=now, messages=len(thread))
    db.session.commit()
    return need, {**private_view(need), "thread": thread}


def locate_pending(*, now=None, limit: int = 50) -> int:
    """Geocode online the needs and offers whose place was left 'pending'; returns how many."""
    done = 0
    for model in (Need, Offer):
        for record in db.session.execute(db.select(model).where(model.location_status == "pending")
                                         .order_by(model.id).limit(limit)).scalars():
            placement = locate(record.address_text)
            if placement.status == "pending":
                continue
            group = db.session.get(Group, record.group_id)
            _, placement = choose_group(placement, [group])
            placement.apply_to(record)
            audit.record(f"{model.__name__.lower()}.located", record, now=now,
                         location_status=record.location_status)
            db.session.commit()
            done += 1
    return done


def cancel_key(need: Need) -> str:
    """The key in the link that lets whoever asked on the web cancel this need (it shows nothing)."""
    return URLSafeTimedSerializer(current_app.secret_key, salt=CANCEL_SALT).dumps(need.id)


def key_fits(ref: str, key: str) -> bool:
    """Whether `key` is this need's cancel key (and not too old); says nothing else about the need."""
    try:
        need_id = URLSafeTimedSerializer(current_app.secret_key, salt=CANCEL_SALT).loads(
            key or "", max_age=CANCEL_KEY_DAYS * 86400)
    except BadData:
        return False
    need = db.session.execute(db.select(Need.id).where(Need.ref == normalise_ref(ref))).scalar_one_or_none()
    return need is not None and need == need_id


def cancel_from_web(ref: str, key: str, *, now: datetime | None = None) -> Need:
    """The neighbour cancels on the web with the key from their confirmation page; their volunteer is told."""
    now = now or datetime.now(timezone.utc)
    need = get_by_ref(Need, ref)
    if not key_fits(ref, key):
        raise ServiceError(_l("This link does not work any more. Please text or call us to cancel."), code="bad_key")
    if need.status == "cancelled":
        return need  # a second click
    try:
        lifecycle.cancel(need, actor=need.requester, now=now, via="web", by_requester=True)
    except IllegalTransition as exc:
        raise ServiceError(_l("Request %(ref)s is %(status)s, so it cannot be cancelled.", ref=need.ref,
                              status=STATUS_LABELS.get(need.status, need.status)), code="illegal_transition") from exc
    db.session.commit()
    return need
