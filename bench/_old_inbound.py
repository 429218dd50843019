"""The process_inbound job as it was before batches, kept only so bench/inbound_replies.py can compare in one run.

Each text is claimed, answered and committed on its own, and the group, the person, the
conversation and the sender's earlier texts are looked up again for every text (the same code
as before, apart from the dialogue itself, which both versions share through `converse`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from mutualaid.domain.phones import InvalidPhone, normalise_phone
from mutualaid.extensions import db
from mutualaid.models import Message, Person
from mutualaid.people.records import find_or_create_person
from mutualaid.sms import actions


def process_pending_inbound(now: datetime, limit: int = 500) -> int:
    """The job before batches: converse about every stored text not yet handled, oldest first."""
    query = db.select(Message.id).where(Message.direction == "in", Message.status == "received").order_by(
        Message.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.execute(query).scalars())
    db.session.commit()
    return sum(process_inbound(message_id, now=now) for message_id in ids)


def process_inbound(message_id: int, *, now: datetime) -> bool:
    """Converse about one stored text, exactly once (claimed with a conditional UPDATE); commits."""
    claimed = db.session.execute(update(Message).where(Message.id == message_id, Message.status == "received")
                                 .values(status="processing").execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()
        return False
    message = db.session.get(Message, message_id)
    message.status = _converse_stored(message, now)
    db.session.commit()
    return True


def _converse_stored(message: Message, now: datetime) -> str:
    """Find the sender, group and conversation, then run the dialogue; returns the message's new status."""
    try:
        phone = normalise_phone(message.from_number, "US" if message.from_number.startswith("+1") else "GB")
    except InvalidPhone:
        return "ignored"
    group = actions._group_for(message.to_number)
    if group is None:
        return "no_group"
    known = db.session.execute(db.select(Person.id).where(Person.phone == phone)).first() is not None
    person = find_or_create_person(phone=phone, email=None, name="", language=actions.default_language(group),
                                   group_id=group.id)
    person.sms_consent = True
    first_contact = not db.session.execute(db.select(Message.id).where(
        Message.direction == "in", Message.from_number == message.from_number, Message.id < message.id)).first()
    if message.simulated and first_contact:
        person.simulated = True
    db.session.flush()
    conv_row = actions._conversation(phone, group, person)
    message.person_id, message.group_id, message.conversation_id = person.id, group.id, conv_row.id
    if actions._too_chatty(message):
        return "rate_limited"
    return actions.converse(message, person, group, conv_row, first_contact=first_contact, known=known, now=now)
