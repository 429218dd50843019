"""Erasing a person on request: everything that names or reaches them goes; counts stay (no commits here).

What is kept: the rows themselves with their category, kind, urgency, status, dates and public
area, so the figures still add up; ids; and, when the person had opted out, a keyed hash of their
number (people/opt_outs.py) so a STOP is still honoured.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import or_, update

from mutualaid.core import audit
from mutualaid.domain.transitions import OPEN_NEED_STATUSES
from mutualaid.extensions import db
from mutualaid.models import (
    Claim,
    Conversation,
    GeocodeCacheEntry,
    Message,
    Need,
    NeedMessage,
    NeedNote,
    NeedNotification,
    Offer,
    Person,
)
from mutualaid.needs import lifecycle
from mutualaid.people.login import end_logins
from mutualaid.people.opt_outs import keep_opt_out

# The outbound confirmation of an erasure asked for by text: sent after it, then emptied (outbox.py).
FORGOTTEN_TEMPLATE = "forgotten"


def _forget_place(row) -> None:
    """Drop a need's or offer's address, postcode and exact point; the public area stays."""
    row.address_text, row.postcode, row.exact_lat, row.exact_lon = "", None, None, None


def _forget_geocoding(queries: set[str]) -> int:
    """Remove the geocoder cache's entries for these addresses (keyed by a hash of provider and query)."""
    providers = list(db.session.execute(db.select(GeocodeCacheEntry.provider).distinct()).scalars())
    keys = {hashlib.sha256(f"{provider}\n{' '.join(query.lower().split())}".encode()).hexdigest()
            for provider in providers for query in queries if query}
    if not keys:
        return 0
    return db.session.execute(db.delete(GeocodeCacheEntry).where(GeocodeCacheEntry.key.in_(keys))).rowcount


def _close_needs(person: Person, *, actor, now: datetime) -> list[Need]:
    """Their needs still open are cancelled (a volunteer who had one is told); returns all their needs."""
    needs = list(db.session.execute(db.select(Need).where(Need.requester_id == person.id)).scalars())
    for need in needs:
        if need.status in OPEN_NEED_STATUSES:
            lifecycle.cancel(need, actor=actor, now=now, via="erasure", by_requester=True)
    return needs


def _give_back_claims(person: Person, *, actor, now: datetime) -> int:
    """A volunteer's active claims go back on the list before their account goes."""
    claims = list(db.session.execute(db.select(Claim).where(
        Claim.volunteer_id == person.id, Claim.status == "active")).scalars())
    for claim in claims:
        lifecycle.release(claim.need, actor=actor, now=now, reason="", via="erasure")
    return len(claims)


def _scrub_messages(person: Person, need_ids: list[int], before: int, now: datetime) -> int:
    """Empty the texts and emails to, from or about them; what is not yet sent is cancelled.

    Messages this erasure queued to others (a volunteer told the request is cancelled: its
    reference only) are newer than `before` and left to go.
    """
    reach = [Message.person_id == person.id]
    if person.phone:
        reach += [Message.from_number == person.phone, Message.to_number == person.phone]
    if person.email:
        reach.append(Message.to_address == person.email)
    if need_ids:
        reach.append(db.and_(Message.need_id.in_(need_ids), Message.id <= before))
    keep = Message.template != FORGOTTEN_TEMPLATE  # the confirmation of this erasure, sent then emptied
    scope = db.and_(or_(*reach), keep)
    db.session.execute(update(Message).where(scope, Message.direction == "out",
                                             Message.status.in_(("queued", "sending")))
                       .values(status="cancelled", next_attempt_at=None, last_error="erased")
                       .execution_options(synchronize_session=False))
    db.session.execute(update(Message).where(scope, Message.direction == "in", Message.status == "received")
                       .values(status="ignored").execution_options(synchronize_session=False))
    if person.phone:
        for column in (Message.from_number, Message.to_number):
            db.session.execute(update(Message).where(column == person.phone, keep).values({column: ""})
                               .execution_options(synchronize_session=False))
    if person.email:
        db.session.execute(update(Message).where(Message.to_address == person.email, keep).values(to_address="")
                           .execution_options(synchronize_session=False))
    return db.session.execute(update(Message).where(scope).values(body="", updated_at=now)
                              .execution_options(synchronize_session=False)).rowcount


def _scrub_need_texts(need_ids: list[int]) -> None:
    """Empty what was written on their needs: the thread, coordinators' notes, volunteers' notes."""
    if not need_ids:
        return
    for statement in (
        update(NeedMessage).where(NeedMessage.need_id.in_(need_ids)).values(body=""),
        update(NeedNote).where(NeedNote.need_id.in_(need_ids)).values(body=""),
        update(Claim).where(Claim.need_id.in_(need_ids)).values(release_reason="", outcome_note=""),
    ):
        db.session.execute(statement.execution_options(synchronize_session=False))
    db.session.execute(db.delete(NeedNotification).where(NeedNotification.need_id.in_(need_ids)))


def _scrub_conversations(person: Person) -> None:
    """Their conversations forget the dialogue's state and the number (a placeholder keeps the row unique)."""
    reach = [Conversation.person_id == person.id] + ([Conversation.phone == person.phone] if person.phone else [])
    for conv in db.session.execute(db.select(Conversation).where(or_(*reach))).scalars():
        conv.phone, conv.state, conv.draft_need_id = f"erased:{conv.id}", {}, None


def erase(person: Person, *, actor, now: datetime) -> dict:
    """Erase one person everywhere; returns the counts recorded in the `person.erased` audit event."""
    if person.erased_at is not None:
        return {}
    db.session.flush()
    before = db.session.execute(db.select(db.func.max(Message.id))).scalar_one() or 0
    given_back = _give_back_claims(person, actor=actor, now=now)
    needs = _close_needs(person, actor=actor, now=now)
    need_ids = [n.id for n in needs]
    offers = list(db.session.execute(db.select(Offer).where(Offer.person_id == person.id)).scalars())
    rows = (*needs, *offers)
    places = {row.address_text for row in rows} | {row.postcode for row in rows if row.postcode}
    for need in needs:
        need.details = need.public_details = ""
        need.submission_digest = None  # a digest of what they sent, contact included
        _forget_place(need)
    for offer in offers:
        if offer.status in ("open", "reserved"):
            offer.move_to("withdrawn")
        offer.details = offer.public_details = ""
        offer.submission_digest = None
        _forget_place(offer)
    db.session.flush()
    messages = _scrub_messages(person, need_ids, before, now)
    _scrub_need_texts(need_ids)
    db.session.execute(update(NeedMessage).where(NeedMessage.author_id == person.id).values(body="")
                       .execution_options(synchronize_session=False))
    claimed = db.select(Claim.need_id).where(Claim.volunteer_id == person.id)
    # What they wrote to requesters as a volunteer, relayed through the group's number.
    db.session.execute(update(Message).where(Message.need_id.in_(claimed), Message.template == "relay_to_requester")
                       .values(body="").execution_options(synchronize_session=False))
    db.session.execute(update(Claim).where(Claim.volunteer_id == person.id)
                       .values(release_reason="", outcome_note="").execution_options(synchronize_session=False))
    db.session.execute(db.delete(NeedNotification).where(NeedNotification.volunteer_id == person.id))
    _scrub_conversations(person)
    _forget_geocoding(places)
    if person.opted_out and person.phone:
        keep_opt_out(person.phone, now)
    if person.volunteer is not None:
        profile = person.volunteer
        profile.home_label, profile.home_lat, profile.home_lon, profile.availability = "", None, None, ""
    person.name, person.phone, person.email = "", None, None
    person.password_hash, person.api_token_hash = None, None
    person.session_token = secrets.token_hex(16)
    end_logins(person)  # every open session ends, and every remember cookie
    person.sms_consent, person.on_call = False, False
    person.quiet_start = person.quiet_end = None
    person.erased_at = now
    db.session.flush()
    db.session.expire_all()  # the bulk updates above bypassed the objects already loaded
    counts = {"needs": len(needs), "offers": len(offers), "messages": messages, "claims_given_back": given_back}
    audit.record("person.erased", person, actor=actor, now=now, **counts)
    return counts
