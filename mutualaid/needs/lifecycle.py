"""The one need lifecycle: every change of a need's status goes through here (no commits).

Each transition keeps together what must change together: the status (checked against the
table in domain/transitions.py), the active claim, the chase schedule, `closed_at`, the audit
event and who is told. Web buttons, SMS keywords, API calls, jobs and coordinators call these.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from mutualaid.chase.ladder import LAST_MESSAGE
from mutualaid.chase.schedule import ladder_of, set_claim_deadlines, start_chase, stop_chase
from mutualaid.core import audit
from mutualaid.core.errors import ServiceError
from mutualaid.domain.transitions import CLOSED_NEED_STATUSES, IllegalTransition
from mutualaid.extensions import db
from mutualaid.messaging.notifications import tell, tell_requester
from mutualaid.models import Claim, Group, Need, Person
from mutualaid.needs.intake import save_new


class AlreadyTaken(ServiceError):
    """Someone else claimed the need a moment earlier."""

    def __init__(self):
        super().__init__(_l("Someone just took this request. Thank you all the same!"), code="taken")


def _move(need: Need, target: str, now: datetime) -> str:
    """Set the status (or raise IllegalTransition) and keep closed_at and the chase in step with it."""
    previous = need.status
    need.move_to(target)
    need.updated_at = now
    if target in CLOSED_NEED_STATUSES:
        need.closed_at = now
        stop_chase(need)
    elif target == "open":
        need.closed_at = None
        start_chase(need, now)
    else:  # claimed
        stop_chase(need)
    return previous


def _audit(action: str, need: Need, *, actor, now: datetime, **details) -> None:
    """Record the change; details that do not apply (None) are left out."""
    audit.record(action, need, actor=actor, now=now, **{k: v for k, v in details.items() if v is not None})


def _end_claim(need: Need, status: str, now: datetime, **fields) -> Claim | None:
    """End the need's active claim (if any) as `status`; returns it."""
    claim = need.active_claim
    if claim is not None:
        claim.move_to(status)
        claim.ended_at = now
        for name, value in fields.items():
            setattr(claim, name, value)
    return claim


def open_draft(need: Need, *, actor, now: datetime, via: str = "sms", **details) -> Need:
    """A draft need (an SMS dialogue, finished or helped along by a coordinator) opens, and the chase starts."""
    _move(need, "open", now)
    _audit("need.created", need, actor=actor, now=now, via=via, previous="draft", status="open", **details)
    return need


def claim(need: Need, volunteer: Person, *, actor, now: datetime, via: str) -> Claim:
    """The volunteer takes the open need; exactly one of two simultaneous claims wins (AlreadyTaken)."""
    new = Claim(need_id=need.id, volunteer_id=volunteer.id, status="active", claimed_at=now)
    try:
        # A savepoint: losing the race undoes only this, never the caller's transaction
        # (the SMS webhook's stored message, for one).
        with db.session.begin_nested():
            taken = db.session.execute(
                update(Need).where(Need.id == need.id, Need.status == "open")
                .values(status="claimed", updated_at=now).execution_options(synchronize_session=False))
            if taken.rowcount != 1:
                raise AlreadyTaken()
            db.session.add(new)
    except IntegrityError:
        raise AlreadyTaken()
    db.session.refresh(need)
    set_claim_deadlines(new, need, now)
    stop_chase(need)
    _audit("need.claimed", need, actor=actor, now=now, via=via, claim_id=new.id,
                 previous="open", status="claimed")
    tell_requester(need, "requester_claimed", now=now)
    return new


def release(need: Need, *, actor, now: datetime, reason: str = "", via: str = "web") -> Need:
    """The claimer gives the need back: it opens again for others and the requester is told."""
    ended = _end_claim(need, "released", now, release_reason=reason)
    _move(need, "open", now)
    _audit("need.released", need, actor=actor, now=now, via=via, claim_id=getattr(ended, "id", None),
                 previous="claimed", status="open")
    tell_requester(need, "requester_released", now=now)
    return need


def claim_lapsed(claim_row: Claim, *, now: datetime) -> Need:
    """An unconfirmed claim passed its due time: it ends without blame and the need opens again.

    A claim left active on a need that was closed meanwhile (data from before every path came
    through here) is only settled: it ends as the need did, and nobody is told anything.
    """
    need = claim_row.need
    if claim_row.status != "active":
        return need
    if need.status != "claimed":
        claim_row.move_to("completed" if need.status == "fulfilled" else "withdrawn")
        claim_row.ended_at = now
        _audit("need.claim_settled", need, actor=None, now=now, claim_id=claim_row.id, status=need.status)
        return need
    _end_claim(need, "expired", now)
    _move(need, "open", now)
    _audit("need.claim_expired", need, actor=None, now=now, claim_id=claim_row.id, previous="claimed", status="open")
    tell(claim_row.volunteer, "claim_expired", group=need.group, need=need, params={"ref": need.ref}, now=now)
    tell_requester(need, "requester_released", now=now)
    return need


def fulfil(need: Need, *, actor, now: datetime, outcome: str = "", via: str = "web", by_requester: bool = False,
           **details) -> Need:
    """The need is met: its claim completes, the chase stops and the follow-up is scheduled.

    The requester is told (by whom) unless they said so themselves (DONE by text: nothing to ask
    them later either); a volunteer whose claim someone else closed is thanked.
    """
    previous = _move(need, "fulfilled", now)
    ended = _end_claim(need, "completed", now, outcome_note=outcome) if previous == "claimed" else None
    if by_requester:
        need.feedback = "yes"
    else:
        need.followup_at = now + ladder_of(need).followup
        by_volunteer = ended is not None and ended.volunteer_id == getattr(actor, "id", None)
        # "Your volunteer marked it done" only when they did: a coordinator may close one nobody took.
        tell_requester(need, "requester_fulfilled" if by_volunteer else "requester_fulfilled_by_coordinator",
                       now=now)
    _audit("need.fulfilled", need, actor=actor, now=now, via=via, claim_id=getattr(ended, "id", None),
                 previous=previous, status="fulfilled", **details)
    if ended is not None and ended.volunteer_id != getattr(actor, "id", None):
        tell(ended.volunteer, "claim_marked_done", group=need.group, need=need, params={"ref": need.ref}, now=now)
    return need


def cancel(need: Need, *, actor, now: datetime, via: str, by_requester: bool, **details) -> Need:
    """The need is no longer wanted; a volunteer who had it is told, and their claim says who ended it."""
    previous = _move(need, "cancelled", now)
    ended = _end_claim(need, "cancelled" if by_requester else "withdrawn", now) if previous == "claimed" else None
    _audit("need.status_changed", need, actor=actor, now=now, via=via, previous=previous, status="cancelled",
                 by_requester=by_requester, claim_id=getattr(ended, "id", None), **details)
    if ended is not None:
        tell(ended.volunteer, "claim_cancelled_by_requester" if by_requester else "claim_cancelled",
             group=need.group, need=need, params={"ref": need.ref}, now=now)
    return need


def expire(need: Need, *, now: datetime, actor=None, via: str = "chase", **details) -> Need:
    """Nobody could take it and the requester did not answer the last message (or a coordinator closed it)."""
    previous = _move(need, "expired", now)
    _audit("need.status_changed", need, actor=actor, now=now, via=via, previous=previous, status="expired",
                 **details)
    # Never urgent, whatever the need was: news that it closed waits for the morning.
    tell(need.requester, "need_expired", group=need.group, need=need, params={"ref": need.ref}, now=now)
    return need


def reopen(need: Need, *, actor, now: datetime, via: str, **details) -> Need:
    """The need opens again: a closed one (a coordinator, or the requester's "not yet" to the follow-up),
    or a claimed one a coordinator takes back from its volunteer, who is told."""
    previous = need.status
    ended = _end_claim(need, "withdrawn", now) if previous == "claimed" else None
    _move(need, "open", now)
    need.followup_at = None
    _audit("need.status_changed", need, actor=actor, now=now, via=via, previous=previous, status="open",
                 claim_id=getattr(ended, "id", None), **details)
    if ended is not None:
        tell(ended.volunteer, "claim_withdrawn", group=need.group, need=need, params={"ref": need.ref}, now=now)
    return need


def keep_open(need: Need, *, actor, now: datetime) -> bool:
    """The requester answered "we will close it unless you reply": it stays open and the chase starts over."""
    if need.status != "open" or need.escalation_level < LAST_MESSAGE:
        return False
    start_chase(need, now)
    _audit("need.kept_open", need, actor=actor, now=now, via="sms")
    return True


def refer(need: Need, target: Group, *, actor, now: datetime) -> Need:
    """Close `need` as referred and open a copy in `target` (the same requester, details and place)."""
    if target.id == need.group_id:
        raise IllegalTransition("need", need.status, "referred")
    previous = _move(need, "referred", now)
    need.referred_to_group_id = target.id
    copy = Need(group_id=target.id, requester_id=need.requester_id, entered_by_id=getattr(actor, "id", None),
                category=need.category, details=need.details, public_details=need.public_details, urgency=need.urgency, language=need.language,
                status="open", source=need.source, address_text=need.address_text, postcode=need.postcode,
                location_status=need.location_status, exact_lat=need.exact_lat, exact_lon=need.exact_lon,
                public_lat=need.public_lat, public_lon=need.public_lon, public_label=need.public_label,
                referred_from_id=need.id, created_at=now, updated_at=now)
    start_chase(copy, now)
    save_new(copy, actor=actor, now=now, action="need.referred_in", from_group=need.group_id)
    _audit("need.referred", need, actor=actor, now=now, to_group=target.id, new_need=copy.id,
                 previous=previous, status="referred")
    db.session.flush()
    return copy
