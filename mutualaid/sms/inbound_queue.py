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

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, update
from sqlalchemy.orm import aliased

from mutualaid.domain.phones import InvalidPhone, normalise_phone
from mutualaid.extensions import db
from mutualaid.models import Conversation, Group, Message, OptOutHash, Person
from mutualaid.models.base import utcnow
from mutualaid.people.opt_outs import phone_digest

# Statuses of an inbound text that is not answered yet: an earlier one holds back the next.
UNANSWERED = ("received", "processing")


def claim_batch(size: int, skip: Collection[int] = ()) -> list[int]:
    """Mark up to `size` waiting texts as being processed; their ids, oldest first."""
    waiting = waiting_texts(size, skip)
    if db.engine.dialect.name == "postgresql":
        # Chosen once, in a CTE PostgreSQL must materialize: as a plain IN (subquery) it may run the
        # subquery again as the UPDATE goes, and then took every waiting sender's first text, not `size`.
        # (Not on SQLite, whose driver starts no transaction for a statement that begins with WITH.)
        picked = waiting.cte("picked").prefix_with("MATERIALIZED")
        waiting = db.select(picked.c.id)
    else:
        waiting = waiting.scalar_subquery()
    claim = (update(Message).where(Message.id.in_(waiting), Message.status == "received")
             .values(status="processing").returning(Message.id).execution_options(synchronize_session=False))
    return sorted(db.session.execute(claim).scalars())


def waiting_texts(size: int, skip: Collection[int] = ()):
    """The ids of up to `size` texts that may be answered now, oldest first (locked, skipping texts
    another worker holds, on PostgreSQL): each the oldest unanswered text of its sender."""
    # A text is taken only when it is its sender's oldest text still unanswered. Asked as "is it the
    # first" (a correlated MIN, which the database answers per text from ix_message_inbound_waiting)
    # rather than "is there none earlier" (NOT EXISTS): PostgreSQL turns the latter into a join whose
    # plan, when a surge outruns the table's statistics, read every waiting text for every waiting
    # text (136 s for one batch at 30,000 waiting; 66 ms this way with the same stale statistics).
    earlier = aliased(Message)
    first_unanswered = (db.select(func.min(earlier.id))
                        .where(earlier.direction == "in", earlier.from_number == Message.from_number,
                               earlier.status.in_(UNANSWERED))
                        .scalar_subquery())
    waiting = db.select(Message.id).where(
        Message.direction == "in", Message.status == "received", Message.id == first_unanswered)
    if skip:
        waiting = waiting.where(Message.id.notin_(list(skip)))
    waiting = waiting.order_by(Message.id).limit(size)
    if db.engine.dialect.name == "postgresql":
        waiting = waiting.with_for_update(skip_locked=True)
    return waiting


@dataclass(frozen=True)
class Earlier:
    """What a text's sender had sent before it: whether it is their first text, and how many in 10 minutes."""

    first_contact: bool
    recent: int  # inbound texts from the number in the 10 minutes up to this one, this one included


def earlier_texts(messages: list[Message]) -> dict[int, Earlier]:
    """For each claimed text (one per number), its sender's earlier texts, in two queries for the batch."""
    if not messages:
        return {}
    numbers = {message.from_number for message in messages}
    first = dict(db.session.execute(db.select(Message.from_number, func.min(Message.id)).where(
        Message.direction == "in", Message.from_number.in_(numbers)).group_by(Message.from_number)).all())
    since = min(message.created_at for message in messages) - timedelta(minutes=10)
    recent: dict[str, list[tuple[int, object]]] = {}
    for number, id_, at in db.session.execute(db.select(Message.from_number, Message.id, Message.created_at).where(
            Message.direction == "in", Message.from_number.in_(numbers), Message.created_at >= since,
            Message.id <= max(message.id for message in messages))):
        recent.setdefault(number, []).append((id_, at))
    return {message.id: Earlier(
        first_contact=first.get(message.from_number) == message.id,
        recent=sum(1 for id_, at in recent.get(message.from_number, ())
                   if id_ <= message.id and at >= message.created_at - timedelta(minutes=10)))
        for message in messages}


@dataclass(frozen=True)
class Senders:
    """The people and conversations already known for a batch's numbers, loaded in two queries.

    `new_phones` are the numbers whose person was created for this batch (by add_new_senders):
    nobody knew them before, so they have no claims, needs or conversation history yet.
    """

    people: dict[str, Person]
    conversations: dict[tuple[str, int], Conversation]
    new_phones: frozenset[str] = field(default_factory=frozenset)


def sender_phone(message: Message) -> str:
    """The sender's number as people are stored (raises InvalidPhone for a number that is none)."""
    return normalise_phone(message.from_number, "US" if message.from_number.startswith("+1") else "GB")


def known_senders(messages: list[Message]) -> Senders:
    """Everyone who sent a text of the batch and is known already, and their conversations."""
    phones = set()
    for message in messages:
        try:
            phones.add(sender_phone(message))
        except InvalidPhone:
            pass
    if not phones:
        return Senders({}, {})
    people = db.session.execute(db.select(Person).where(Person.phone.in_(phones))).scalars()
    conversations = db.session.execute(db.select(Conversation).where(Conversation.phone.in_(phones))).scalars()
    return Senders({person.phone: person for person in people},
                   {(conv.phone, conv.group_id): conv for conv in conversations})


def add_new_senders(messages: list[Message], senders: Senders, group_for: Callable[[str], Group | None],
                    language_for: Callable[[Group], str]) -> Senders:
    """Create, in one INSERT each, the batch's unknown texters and their missing conversations.

    A new person is made as find_or_create_person makes one for a text (the group's language,
    consenting to texts, opted out if an erased person had said STOP from the number), and a new
    conversation as _conversation makes one. A twin created meanwhile elsewhere raises
    IntegrityError at the flush: the caller then answers the batch one text at a time instead.
    """
    wanted: dict[str, Group] = {}  # phone -> the group of its first text in the batch
    pairs: dict[tuple[str, int], str] = {}  # (phone, group id) -> phone, for conversations to create
    for message in messages:
        try:
            phone = sender_phone(message)
        except InvalidPhone:
            continue
        group = group_for(message.to_number)
        if group is None:
            continue
        if phone not in senders.people:
            wanted.setdefault(phone, group)
        if (phone, group.id) not in senders.conversations:
            pairs.setdefault((phone, group.id), phone)
    if not pairs and not wanted:
        return senders
    people = dict(senders.people)
    if wanted:
        digests = {phone_digest(phone): phone for phone in wanted}
        kept = set(db.session.execute(db.select(OptOutHash.digest).where(OptOutHash.digest.in_(digests))).scalars())
        stamp = utcnow()
        for phone, group in wanted.items():
            person = people[phone] = Person(phone=phone, email=None, name="", language=language_for(group),
                                            group_id=group.id, sms_consent=True)
            if phone_digest(phone) in kept:
                person.opted_out, person.opted_out_at = True, stamp
        db.session.add_all(people[phone] for phone in wanted)
        db.session.flush()
    conversations = dict(senders.conversations)
    for (phone, group_id), _phone in pairs.items():
        conversations[phone, group_id] = Conversation(phone=phone, group_id=group_id, person_id=people[phone].id,
                                                      state={})
    db.session.add_all(conversations[pair] for pair in pairs)
    db.session.flush()
    return Senders(people, conversations, frozenset(wanted))
