"""Deleting needs with every row that belongs to them (helpers; they never commit).

Used where needs are removed outright (practice data cleared, stale drafts purged): what belongs to a
need goes with it, and what only points at it lets go (a reserved offer is open again)."""
from __future__ import annotations

from sqlalchemy import delete, update

from mutualaid.extensions import db
from mutualaid.models import (
    Claim,
    Conversation,
    Message,
    Need,
    NeedMessage,
    NeedNote,
    NeedNotification,
    Offer,
    Proposal,
)


def _run(statement) -> int:
    """Execute a bulk statement without syncing the session; returns the rows it touched."""
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount or 0


def delete_needs(need_ids: list[int]) -> int:
    """Delete these needs, their claims, notes, messages on their threads, notifications and proposals;
    texts, conversations, offers and referred copies that mention them let go. Returns how many needs."""
    if not need_ids:
        return 0
    for model in (NeedMessage, NeedNote, NeedNotification, Proposal, Claim):  # a thread message names its claim
        _run(delete(model).where(model.need_id.in_(need_ids)))
    _run(update(Message).where(Message.need_id.in_(need_ids)).values(need_id=None))
    _run(update(Conversation).where(Conversation.draft_need_id.in_(need_ids)).values(draft_need_id=None))
    _run(update(Offer).where(Offer.need_id.in_(need_ids), Offer.status == "reserved")
         .values(status="open", need_id=None))
    _run(update(Offer).where(Offer.need_id.in_(need_ids)).values(need_id=None))
    _run(update(Need).where(Need.referred_from_id.in_(need_ids)).values(referred_from_id=None))
    return _run(delete(Need).where(Need.id.in_(need_ids)))
