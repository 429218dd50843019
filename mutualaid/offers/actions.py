"""What coordinators do with an offer: look, set it aside for a need, mark it given, withdraw or reopen it.

Each public function is one transaction, audited; the offerer is told through the outbox,
unless they opted out.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from mutualaid.core import audit
from mutualaid.core.errors import ServiceError
from mutualaid.domain.transitions import IllegalTransition, check_transition
from mutualaid.extensions import db
from mutualaid.labels import STATUS_LABELS
from mutualaid.messaging.notifications import tell
from mutualaid.models import Need, Offer, Person
from mutualaid.offers.reads import NEEDS_IN_HAND, group_need, group_offer

# For each status an offer moves to: the audit action, and the text (templates/sms/) the offerer gets.
MOVES = {"reserved": ("offer.reserved", "offer_reserved"), "given": ("offer.given", "offer_given"),
         "withdrawn": ("offer.withdrawn", "offer_withdrawn"), "open": ("offer.reopened", "offer_reopened")}


def view_offer(coordinator: Person, ref: str, *, now: datetime | None = None) -> Offer:
    """A coordinator's full view of one of the group's offers; the look at the offerer's details is audited."""
    offer = group_offer(coordinator, ref)
    audit.record("offer.private_viewed", offer, actor=coordinator, now=now)
    db.session.commit()
    return offer


def link_offer(coordinator: Person, offer_ref: str, need_ref: str, *, now: datetime | None = None) -> Offer:
    """Set an open offer aside for one of the group's needs still in hand; a repeat is a no-op."""
    now = now or datetime.now(timezone.utc)
    offer = group_offer(coordinator, offer_ref)
    need = group_need(coordinator, need_ref)
    if offer.status == "reserved" and offer.need_id not in (None, need.id):
        raise ServiceError(_l("This offer is already set aside for request %(ref)s. Put it back on the list first.",
                              ref=offer.need.ref), field="need_ref", code="already_reserved")
    if need.status not in NEEDS_IN_HAND:
        raise ServiceError(_l("Request %(ref)s is %(status)s, so nothing can be set aside for it.", ref=need.ref,
                              status=STATUS_LABELS.get(need.status, need.status)), field="need_ref", code="need_closed")
    if offer.available_until is not None and offer.available_until < now.date():
        raise ServiceError(_l("This offer was only available until %(date)s.", date=offer.available_until.isoformat()),
                           code="offer_past")
    return _move(coordinator, offer, "reserved", need=need, now=now)


def mark_given(coordinator: Person, offer_ref: str, *, now: datetime | None = None) -> Offer:
    """The offer reached a neighbour; it stays linked to the need it was set aside for."""
    now = now or datetime.now(timezone.utc)
    offer = group_offer(coordinator, offer_ref)
    return _move(coordinator, offer, "given", need=offer.need, now=now)


def withdraw(coordinator: Person, offer_ref: str, *, now: datetime | None = None) -> Offer:
    """The offer is no longer available (the offerer asked, or it fell through)."""
    now = now or datetime.now(timezone.utc)
    return _move(coordinator, group_offer(coordinator, offer_ref), "withdrawn", need=None, now=now)


def reopen(coordinator: Person, offer_ref: str, *, now: datetime | None = None) -> Offer:
    """Put a reserved, withdrawn or expired offer back on the list, for any need."""
    now = now or datetime.now(timezone.utc)
    return _move(coordinator, group_offer(coordinator, offer_ref), "open", need=None, now=now)


def _already(offer: Offer, target: str, need: Need | None) -> bool:
    """Whether the offer is already where this action would put it (a double submit)."""
    return offer.status == target and (target != "reserved" or offer.need_id == need.id)


def _move(coordinator: Person, offer: Offer, target: str, *, need: Need | None, now: datetime) -> Offer:
    """Move the offer through its lifecycle once, however many times the button is pressed; audit, tell, commit."""
    if _already(offer, target, need):
        return offer
    previous, previous_need_id, offer_id = offer.status, offer.need_id, offer.id
    try:
        check_transition("offer", previous, target)
    except IllegalTransition as exc:
        raise ServiceError(_l("An offer that is %(current)s cannot become %(target)s.",
                              current=STATUS_LABELS.get(exc.current, exc.current),
                              target=STATUS_LABELS.get(exc.target, exc.target)), code="illegal_transition") from exc
    need_id = need.id if need is not None else None
    moved = db.session.execute(update(Offer).where(Offer.id == offer_id, Offer.status == previous)
                               .values(status=target, need_id=need_id, updated_at=now)
                               .execution_options(synchronize_session=False))
    if moved.rowcount != 1:  # another request moved it first
        db.session.rollback()
        offer = db.session.get(Offer, offer_id)
        if _already(offer, target, need):
            return offer
        raise ServiceError(_l("Someone changed this offer at the same moment. Please check it and try again."),
                           code="conflict")
    db.session.refresh(offer)
    action, template = MOVES[target]
    audit.record(action, offer, actor=coordinator, now=now, previous=previous, status=target,
                 need_id=need_id if need_id is not None else previous_need_id)
    _tell_offerer(offer, template, need=need, now=now)
    db.session.commit()
    return offer


def _tell_offerer(offer: Offer, template: str, *, need: Need | None, now: datetime) -> None:
    """Queue the text for the offerer, unless they opted out or were erased (nothing is even queued)."""
    person = offer.person
    if person is None or person.opted_out or person.erased_at is not None:
        return
    tell(person, template, group=offer.group, need=need, params={"ref": offer.ref}, now=now)
