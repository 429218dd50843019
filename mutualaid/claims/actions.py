"""Claims: a volunteer takes a need (exactly one wins), releases it, or completes it."""
from __future__ import annotations

from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError

from mutualaid.domain.transitions import IllegalTransition
from mutualaid.domain.text import clean_text
from mutualaid.extensions import db
from mutualaid.models import Claim, Need, Person
from mutualaid.core import audit
from mutualaid.core.errors import Forbidden, ServiceError
from mutualaid.chase.schedule import ladder_of, set_claim_deadlines, start_chase, stop_chase
from mutualaid.messaging.notifications import tell_requester
from mutualaid.needs.reads import get_by_ref


class AlreadyTaken(ServiceError):
    """Someone else claimed the need a moment earlier."""

    def __init__(self):
        super().__init__(_l("Someone just took this request. Thank you all the same!"), code="taken")


def active_claims(volunteer: Person) -> list[Claim]:
    """The volunteer's active claims, oldest first."""
    return list(db.session.execute(db.select(Claim).where(
        Claim.volunteer_id == volunteer.id, Claim.status == "active").order_by(Claim.id)).scalars())


def claim_need(volunteer: Person, ref: str, *, via: str = "web", now: datetime | None = None,
               commit: bool = True) -> tuple[Claim, bool]:
    """Take an open need; returns (claim, created). Exactly one of two simultaneous claims wins."""
    now = now or datetime.now(timezone.utc)
    if not volunteer.is_approved_volunteer:
        raise Forbidden(_l("Only approved volunteers can take requests."))
    need = get_by_ref(Need, ref)
    mine = next((c for c in active_claims(volunteer) if c.need_id == need.id), None)
    if mine is not None:
        return mine, False  # a double click or a repeated YES
    if need.group_id != volunteer.group_id:
        raise Forbidden(_l("This request belongs to another group."))
    load = db.session.execute(db.select(func.count(Claim.id)).where(
        Claim.volunteer_id == volunteer.id, Claim.status == "active")).scalar_one()
    if load >= volunteer.volunteer.capacity:
        raise ServiceError(_l("You already have %(n)d requests on the go, your limit. "
                              "Finish or release one first.", n=load), code="capacity")
    claim = Claim(need_id=need.id, volunteer_id=volunteer.id, status="active", claimed_at=now)
    try:
        # A savepoint: losing the race undoes only this, never the caller's transaction
        # (the SMS webhook's stored message, for one).
        with db.session.begin_nested():
            taken = db.session.execute(
                update(Need).where(Need.id == need.id, Need.status == "open")
                .values(status="claimed", updated_at=now).execution_options(synchronize_session=False))
            if taken.rowcount != 1:
                raise AlreadyTaken()
            db.session.add(claim)
    except IntegrityError:
        raise AlreadyTaken()
    db.session.refresh(need)
    set_claim_deadlines(claim, need, now)
    stop_chase(need)
    audit.record("need.claimed", need, actor=volunteer, now=now, via=via, claim_id=claim.id)
    tell_requester(need, "requester_claimed", now=now)
    if commit:
        db.session.commit()
    return claim, True


def _own_active_claim(volunteer: Person, ref: str) -> Claim:
    """The volunteer's active claim on this need, or Forbidden."""
    need = get_by_ref(Need, ref)
    claim = need.active_claim
    if claim is None or claim.volunteer_id != volunteer.id:
        raise Forbidden(_l("You are not helping with this request."))
    return claim


def release_claim(volunteer: Person, ref: str, reason: str, *, now: datetime | None = None) -> Need:
    """Give a need back: it opens again for others (and the chase starts again)."""
    now = now or datetime.now(timezone.utc)
    if not (reason or "").strip():
        raise ServiceError(_l("Please say briefly why, so the next volunteer knows."), field="reason")
    claim = _own_active_claim(volunteer, ref)
    claim.move_to("released")
    claim.ended_at, claim.release_reason = now, clean_text(reason)[:500]
    need = claim.need
    need.move_to("open")
    start_chase(need, now)
    audit.record("need.released", need, actor=volunteer, now=now, claim_id=claim.id)
    tell_requester(need, "requester_released", now=now)
    db.session.commit()
    return need


def complete_claim(volunteer: Person, ref: str, outcome: str, *, now: datetime | None = None) -> Need:
    """Mark a need fulfilled with a short outcome note."""
    now = now or datetime.now(timezone.utc)
    if not (outcome or "").strip():
        raise ServiceError(_l("Please add a short note on how it went."), field="outcome")
    claim = _own_active_claim(volunteer, ref)
    claim.move_to("completed")
    claim.ended_at, claim.outcome_note = now, clean_text(outcome, multiline=True)[:1000]
    need = claim.need
    try:
        need.move_to("fulfilled")
    except IllegalTransition as exc:
        raise ServiceError(str(exc), code="illegal_transition") from exc
    need.closed_at = now
    need.followup_at = now + ladder_of(need).followup
    audit.record("need.fulfilled", need, actor=volunteer, now=now, claim_id=claim.id)
    tell_requester(need, "requester_fulfilled", now=now)
    db.session.commit()
    return need


def relay_from_web(volunteer: Person, ref: str, text: str, *, now: datetime | None = None) -> None:
    """A claimer writes to the requester from the web page; it goes by SMS through the group's number."""
    from mutualaid.messaging.outbox import queue_sms

    now = now or datetime.now(timezone.utc)
    claim = _own_active_claim(volunteer, ref)
    text = clean_text(text)
    if not text:
        raise ServiceError(_l("Please write a message."), field="text")
    requester = claim.need.requester
    if requester is None or not requester.phone:
        raise ServiceError(_l("This neighbour has no phone number; a coordinator will pass the message on."),
                           field="text")
    queue_sms(to_number=requester.phone, template="relay_to_requester", group=claim.need.group, person=requester,
              params={"ref": claim.need.ref, "text": text}, purpose="relay", need=claim.need,
              urgent=claim.need.urgency == "today", now=now)
    audit.record("need.relayed", claim.need, actor=volunteer, now=now, direction="to_requester", via="web")
    db.session.commit()
