"""Answers that keep the chase honest: feedback after fulfilment, KEEP from a volunteer, OTHER (referral)."""
from __future__ import annotations

from datetime import datetime

from mutualaid.core import audit
from mutualaid.domain.transitions import IllegalTransition
from mutualaid.extensions import db
from mutualaid.groups.places import neighbouring_group
from mutualaid.models import Conversation, Need, Person
from mutualaid.needs import lifecycle


def _expect(need: Need, key: str) -> None:
    """Remember in the requester's conversation that their next text answers `key` about this need."""
    requester = need.requester
    if requester is None or not requester.phone:
        return
    conv = db.session.execute(db.select(Conversation).where(
        Conversation.phone == requester.phone, Conversation.group_id == need.group_id)).scalar_one_or_none()
    if conv is None:
        conv = Conversation(phone=requester.phone, group_id=need.group_id, person_id=requester.id, state={})
        db.session.add(conv)
    conv.state = {**(conv.state or {}), key: need.ref}


def expect_feedback(need: Need) -> None:
    """Remember that the requester's next "1"/"2" answers the follow-up about this need."""
    _expect(need, "awaiting_feedback")


def expect_reply(need: Need) -> None:
    """Remember that the requester's next text answers "we will close it unless you reply"."""
    _expect(need, "awaiting_reply")


def keep_open(person: Person, ref: str, now: datetime) -> tuple[str, dict] | None:
    """Any reply to the last message keeps the need open (the chase starts over); None if it is not open."""
    need = db.session.execute(db.select(Need).where(Need.ref == ref)).scalar_one_or_none()
    if need is None or need.requester_id != person.id or not lifecycle.keep_open(need, actor=person, now=now):
        return None
    return "kept_open", {"ref": ref}


def record_feedback(person: Person, ref: str, satisfied: bool, now: datetime) -> tuple[str, dict]:
    """Store the answer; NO reopens the need and the chase starts again."""
    need = db.session.execute(db.select(Need).where(Need.ref == ref)).scalar_one_or_none()
    if need is None or need.requester_id != person.id:
        return "ref_unknown", {"ref": ref}
    need.feedback = "yes" if satisfied else "no"
    audit.record("need.feedback", need, actor=person, now=now, satisfied=satisfied)
    if satisfied:
        return "followup_thanks", {"ref": ref}
    try:
        lifecycle.reopen(need, actor=person, now=now, via="sms")
    except IllegalTransition:
        return "followup_thanks", {"ref": ref}
    return "followup_reopened", {"ref": ref}


def keep_claim(person: Person, ref: str, now: datetime) -> tuple[str, dict]:
    """KEEP <ref>: the volunteer is still on it, so the claim is not released when due."""
    need = db.session.execute(db.select(Need).where(Need.ref == ref)).scalar_one_or_none()
    claim = need.active_claim if need is not None else None
    if claim is None or claim.volunteer_id != person.id:
        return "ref_unknown", {"ref": ref}
    claim.confirmed_at = now
    audit.record("need.claim_confirmed", need, actor=person, now=now, claim_id=claim.id)
    return "claim_kept", {"ref": ref}


def refer_by_requester(person: Person, ref: str, now: datetime) -> tuple[str, dict]:
    """OTHER <ref>: the requester accepts our offer to pass the need to a neighbouring group."""
    need = db.session.execute(db.select(Need).where(Need.ref == ref)).scalar_one_or_none()
    if need is None or need.requester_id != person.id:
        return "ref_unknown", {"ref": ref}
    other = neighbouring_group(need)
    if other is None or need.status != "open":
        return "ref_cannot", {"ref": ref, "status": need.status}
    copy = lifecycle.refer(need, other, actor=person, now=now)
    return "referred", {"ref": copy.ref, "other": other.name}
