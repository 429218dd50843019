"""The process_inbound job as it was before batches, kept only so bench/inbound_replies.py can compare in one run.

Each text is claimed, answered and committed on its own (mutualaid.sms.actions.process_inbound,
which the webhook's inline mode still uses), and the groups are looked up again for every text.
"""
from __future__ import annotations

from datetime import datetime

from mutualaid.extensions import db
from mutualaid.models import Message
from mutualaid.sms.actions import process_inbound


def process_pending_inbound(now: datetime, limit: int = 500) -> int:
    """The job before batches: converse about every stored text not yet handled, oldest first."""
    query = db.select(Message.id).where(Message.direction == "in", Message.status == "received").order_by(
        Message.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.execute(query).scalars())
    db.session.commit()
    return sum(process_inbound(message_id, now=now) for message_id in ids)
