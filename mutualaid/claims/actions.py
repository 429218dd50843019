"""Claims: a volunteer takes a need (exactly one wins), releases it, or completes it."""
from __future__ import annotations

from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from mutualaid.claims import relay
from mutualaid.claims.directions import directions
from mutualaid.core.errors import Forbidden, ServiceError
from mutualaid.domain.text import clean_text
from mutualaid.extensions import db
from mutualaid.models import Claim, Need, Person
from mutualaid.needs import lifecycle
from mutualaid.needs.intake import clean_note
from mutualaid.needs.lifecycle import AlreadyTaken  # noqa: F401  (callers catch it from here)
from mutualaid.needs.actions import view_need
from mutualaid.needs.reads import get_by_ref

CLOSED = ("fulfilled", "cancelled", "expired", "referred")
RELAY_MAX = 1000  # a text message carries the first ~450 characters; the page keeps them all


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
    if need.practice and via != "coordinator" and not (volunteer.simulated or volunteer.is_coordinator):
        raise Forbidden(_l("This is a practice request from the SMS simulator: only coordinators can take "
                          "it or give it to someone."))
    if need.status in CLOSED:  # a page opened before it closed: nobody took it, so do not say someone did
        raise ServiceError(_l("This request is closed, so nobody can take it now."), code="taken")
    load = db.session.execute(db.select(func.count(Claim.id)).where(
        Claim.volunteer_id == volunteer.id, Claim.status == "active")).scalar_one()
    if load >= volunteer.volunteer.capacity:
        raise ServiceError(_l("You already have %(n)d requests on the go, your limit. "
                              "Finish or release one first.", n=load), code="capacity")
    claim = lifecycle.claim(need, volunteer, actor=volunteer, now=now, via=via)
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
    need = lifecycle.release(claim.need, actor=volunteer, now=now, reason=clean_note(reason, field="reason", limit=500, multiline=False))
    db.session.commit()
    return need


def complete_claim(volunteer: Person, ref: str, outcome: str, *, now: datetime | None = None) -> Need:
    """Mark a need fulfilled with a short outcome note."""
    now = now or datetime.now(timezone.utc)
    if not (outcome or "").strip():
        raise ServiceError(_l("Please add a short note on how it went."), field="outcome")
    claim = _own_active_claim(volunteer, ref)
    need = lifecycle.fulfil(claim.need, actor=volunteer, now=now, outcome=clean_note(outcome, field="outcome", limit=1000))
    db.session.commit()
    return need


def relay_from_web(volunteer: Person, ref: str, text: str, *, now: datetime | None = None) -> tuple[str, str]:
    """A claimer writes to the requester from the need's page: kept on its thread, sent by SMS through the
    group's number when the requester has a phone.

    Returns (how it went: sms or none, kept for coordinators; how replies reach the claimer: sms, email or none).
    """
    now = now or datetime.now(timezone.utc)
    claim = _own_active_claim(volunteer, ref)
    text = clean_text(text)
    if not text:
        raise ServiceError(_l("Please write a message."), field="text")
    if len(text) > RELAY_MAX:
        raise ServiceError(_l("Please keep it under %(n)d characters.", n=RELAY_MAX),
                           field="text")
    entry = relay.keep(claim.need, claim, volunteer, "volunteer", text, via="web", now=now)
    how = relay.pass_on(entry, claim, now=now)
    db.session.commit()
    return how, relay.replies_channel(volunteer)


def need_for_volunteer(volunteer: Person, ref: str, *, now: datetime | None = None) -> dict:
    """A need as this volunteer may see it; its claimer also gets the way there and their claim's messages.

    Messages of an earlier claim are not shown to the next volunteer (coordinators see every one).
    """
    view = view_need(ref, volunteer, now=now)
    need = get_by_ref(Need, ref)
    claim = need.active_claim
    if "private" in view and claim is not None and claim.volunteer_id == volunteer.id:
        view["directions"] = directions(need.address_text)
        view["thread"] = relay.thread(need, claim=claim)
        view["zone"] = need.group.timezone
    return view
