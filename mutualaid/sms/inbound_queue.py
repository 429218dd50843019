"""Claiming stored texts in batches, so that several job processes never answer the same text.

The claim is one UPDATE ... RETURNING over a subquery that picks the oldest waiting texts; on
PostgreSQL that subquery locks them FOR UPDATE SKIP LOCKED, so a second process running at the
same time takes the next texts instead of waiting or taking these. A text is only claimed once
every earlier text from the same number is answered, so one person's texts are always
answered in order, even by two processes at once. On SQLite (one process) nothing is locked.
Nothing here commits: the caller's transaction holds the claim until it commits its answers,
and a process that dies mid-batch leaves its texts waiting for the next run.
"""
from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import exists, update
from sqlalchemy.orm import aliased

from mutualaid.extensions import db
from mutualaid.models import Message

# Statuses of an inbound text that is not answered yet: an earlier one holds back the next.
UNANSWERED = ("received", "processing")


def claim_batch(size: int, skip: Collection[int] = ()) -> list[int]:
    """Mark up to `size` waiting texts as being processed; their ids, oldest first."""
    earlier = aliased(Message)
    waiting = db.select(Message.id).where(
        Message.direction == "in", Message.status == "received",
        ~exists().where(earlier.direction == "in", earlier.from_number == Message.from_number,
                        earlier.id < Message.id, earlier.status.in_(UNANSWERED)))
    if skip:
        waiting = waiting.where(Message.id.notin_(list(skip)))
    waiting = waiting.order_by(Message.id).limit(size)
    if db.engine.dialect.name == "postgresql":
        waiting = waiting.with_for_update(skip_locked=True)
    claim = (update(Message).where(Message.id.in_(waiting.scalar_subquery()), Message.status == "received")
             .values(status="processing").returning(Message.id).execution_options(synchronize_session=False))
    return sorted(db.session.execute(claim).scalars())
