"""Inbound SMS: store first (once per MessageSid), run the dialogue, apply its effects, queue replies."""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import Integer, bindparam, func, text, update
from sqlalchemy.exc import IntegrityError

from mutualaid.claims.relay import keep_late_reply
from mutualaid.domain.phones import InvalidPhone
from mutualaid.domain.text import clean_text
from mutualaid.extensions import db
from mutualaid.groups.pause import intake_pause
from mutualaid.messaging.outbox import queue_sms
from mutualaid.models import Conversation, Group, Message, Person
from mutualaid.people.records import find_or_create_person
from mutualaid.sms import dialogue, inbound_queue, inbound_store, parsing
from mutualaid.sms.effects import apply_effect, relay_partners
from mutualaid.sms.keywords import parse_command

log = logging.getLogger(__name__)
MAX_BODY = 1600
MAX_INBOUND_ATTEMPTS = 3  # a text that fails this many runs is left for a coordinator


@dataclass(frozen=True)
class InboundResult:
    """What happened to one webhook call (for the HTTP edge and tests)."""

    stored: bool
    message_id: int | None = None
    reason: str = ""


def _group_for(to_number: str) -> Group | None:
    """The group that owns the number texted, else the instance's first group."""
    group = None
    if to_number:
        group = db.session.execute(db.select(Group).where(Group.phone_number == to_number)).scalar_one_or_none()
    return group or db.session.execute(db.select(Group).order_by(Group.id)).scalars().first()


# What every inbound text is stored as, written into the INSERT as constants rather than sent
# with each text (each value sent costs the webhook a conversion); updated_at is created_at.
STORED_AS = {"direction": "'in'", "channel": "'sms'", "status": "'received'", "urgent": "FALSE", "attempts": "0",
             "purpose": "''", "template": "''", "last_error": "''", "to_address": "''"}


def _store(form: dict, now: datetime, simulated: bool) -> int | None:
    """Insert and commit the inbound row in one statement; None when this MessageSid was stored before (a replay).

    The webhook's usual case on PostgreSQL (nothing else in the request has touched the database)
    is one autocommit INSERT straight on the driver (inbound_store). Otherwise, as on SQLite or
    inside a transaction already open (the simulator, tests), a Core statement built once per
    column set runs on the session and commits: SQLAlchemy compiles it once and reuses it.
    """
    values = dict(provider_sid=form["MessageSid"][:64],
                  from_number=clean_text(form.get("From", ""))[:20], to_number=clean_text(form.get("To", ""))[:20],
                  body=clean_text(form.get("Body", ""), multiline=True)[:MAX_BODY],
                  num_media=int(media) if (media := str(form.get("NumMedia") or "0")).isdigit() else 0,
                  simulated=simulated, created_at=now)
    statement = _store_statement(tuple(values))
    if inbound_store.available() and not (db.session.registry.has() and db.session().in_transaction()):
        return inbound_store.insert_returning_id(statement, values)
    message_id = db.session.connection().execute(statement, values).scalar_one_or_none()
    db.session.commit()
    return message_id


@functools.cache
def _store_statement(columns: tuple[str, ...]):
    """INSERT INTO message ... ON CONFLICT (provider_sid) DO NOTHING RETURNING id, with typed bound parameters.

    Written as text because SQLAlchemy does not cache the dialects' ON CONFLICT inserts: built as an
    expression it was compiled afresh for every text, most of the webhook's CPU time. The same SQL
    runs on PostgreSQL and SQLite (3.35+), and on the driver itself through inbound_store. The
    columns of STORED_AS not among `columns` get its constants; updated_at gets created_at.
    """
    table = Message.__table__
    names, terms = list(columns), [":" + c for c in columns]
    if "created_at" in columns and "updated_at" not in columns:
        names.append("updated_at")
        terms.append(":created_at")
    for column, constant in STORED_AS.items():
        if column not in columns:
            names.append(column)
            terms.append(constant)
    sql = (f"INSERT INTO message ({', '.join(names)}) VALUES ({', '.join(terms)}) "
           "ON CONFLICT (provider_sid) DO NOTHING RETURNING id")
    return text(sql).bindparams(*(bindparam(c, type_=table.c[c].type) for c in columns)).columns(id=Integer)


def _too_chatty(message: Message, count: int | None = None) -> bool:
    """Whether this number had texted more than the cap in the 10 minutes up to this message (a loop or pumping).

    `count`, when the job counted it for its whole batch, is those texts' number.
    """
    if count is None:
        count = db.session.execute(db.select(func.count(Message.id)).where(
            Message.direction == "in", Message.from_number == message.from_number, Message.id <= message.id,
            Message.created_at >= message.created_at - timedelta(minutes=10))).scalar_one()
    return count > current_app.config["SMS_MAX_INBOUND_PER_10_MINUTES"]


def _conversation(phone: str, group: Group, person: Person, looked_up: bool = False) -> Conversation:
    """The conversation for this number with this group, created on first contact.

    `looked_up`: the caller has just found none in this transaction (a concurrent twin is still caught).
    """
    conv = None if looked_up else db.session.execute(db.select(Conversation).where(
        Conversation.phone == phone, Conversation.group_id == group.id)).scalar_one_or_none()
    if conv is None:
        conv = Conversation(phone=phone, group_id=group.id, person_id=person.id, state={})
        try:
            with db.session.begin_nested():
                db.session.add(conv)
        except IntegrityError:
            conv = db.session.execute(db.select(Conversation).where(
                Conversation.phone == phone, Conversation.group_id == group.id)).scalar_one()
    return conv


def record_inbound_sms(form: dict, *, now: datetime | None = None, simulated: bool = False,
                       inline: bool | None = None) -> InboundResult:
    """Store one verified webhook (once per MessageSid) and commit; converse now or leave it to the job.

    Storing is one INSERT ... ON CONFLICT DO NOTHING, so Twilio gets its answer in milliseconds
    and never waits for the dialogue, geocoding or notifications (SMS_INBOUND_INLINE=False, as in
    production: the `process_inbound` job converses within seconds).
    """
    now = now or datetime.now(timezone.utc)
    if not form.get("MessageSid") or not form.get("From"):
        return InboundResult(False, reason="missing MessageSid or From")
    message_id = _store(form, now, simulated)
    if message_id is None:
        return InboundResult(False, reason="duplicate")
    if inline if inline is not None else current_app.config["SMS_INBOUND_INLINE"]:
        process_inbound(message_id, now=now)
    return InboundResult(True, message_id)


def process_inbound(message_id: int, *, now: datetime | None = None) -> bool:
    """Converse about one stored text, exactly once (claimed with a conditional UPDATE); commits."""
    now = now or datetime.now(timezone.utc)
    claimed = db.session.execute(update(Message).where(Message.id == message_id, Message.status == "received")
                                 .values(status="processing").execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()
        return False
    message = db.session.get(Message, message_id)
    message.status = _converse_stored(message, now)
    db.session.commit()
    return True


def process_pending_inbound(now: datetime, batch_size: int = 100) -> int:
    """The job: answer every waiting text, a batch per transaction, until none is left; returns how many.

    Each batch is claimed (inbound_queue) and committed once. It is first answered all together
    (_answer_together); if anything in it fails, that is undone and each text runs inside a savepoint,
    so a text that fails is rolled back alone, kept waiting for the next run and, after
    MAX_INBOUND_ATTEMPTS, left for a coordinator as "unanswered". The sender's group is looked up
    once per number texted for the whole run. Failures are raised after the others are committed,
    so the job's ledger records them.
    """
    groups: dict[str, Group | None] = {}
    handled, failed = 0, []
    while ids := inbound_queue.claim_batch(batch_size, skip=failed):
        messages = list(db.session.execute(db.select(Message).where(Message.id.in_(ids)).order_by(Message.id))
                        .scalars())
        if _answer_together(messages, now, groups):
            handled += len(messages)
            db.session.commit()
            continue
        earlier, senders = inbound_queue.earlier_texts(messages), inbound_queue.known_senders(messages)
        for message in messages:
            try:
                with db.session.begin_nested():
                    message.status = _converse_stored(message, now, groups, earlier.get(message.id), senders)
                    db.session.flush()
                handled += 1
            except Exception as exc:  # one text's failure must not hold back the others
                failed.append(message.id)
                _record_failure(message, exc, now, groups)
        db.session.commit()
    if failed:
        raise InboundFailed(failed)
    return handled


def _answer_together(messages: list[Message], now: datetime, groups: dict[str, Group | None]) -> bool:
    """Answer a claimed batch in one savepoint, its new texters and conversations created in one go; False
    (and nothing done) if anything failed, so the caller answers it a text at a time.

    The batch's writes then reach the database together at its flush rather than text by text.
    """
    def group_for(number: str) -> Group | None:
        if number not in groups:
            groups[number] = _group_for(number)
        return groups[number]

    savepoint = db.session.begin_nested()
    try:
        earlier = inbound_queue.earlier_texts(messages)
        senders = inbound_queue.add_new_senders(messages, inbound_queue.known_senders(messages), group_for,
                                                default_language)
        for message in messages:
            message.status = _converse_stored(message, now, groups, earlier.get(message.id), senders)
        db.session.flush()
    except Exception as exc:  # answered one by one instead, where the failure is kept apart
        savepoint.rollback()
        log.info("a batch of %s texts is answered one at a time after %s", len(messages), type(exc).__name__)
        return False
    savepoint.commit()
    return True


class InboundFailed(RuntimeError):
    """Some texts could not be answered this run (their ids, never their content)."""

    def __init__(self, ids: list[int]):
        super().__init__(f"{len(ids)} text(s) could not be answered: message ids {ids[:20]}")


def _record_failure(message: Message, exc: Exception, now: datetime, groups: dict | None = None) -> None:
    """Put a text that failed back in the queue, or leave it unanswered for a coordinator after a few tries
    (with the group of the number it was sent to, so that group's coordinators see it)."""
    message.attempts = (message.attempts or 0) + 1
    if message.group_id is None and groups is not None:
        group = groups[message.to_number] if message.to_number in groups else _group_for(message.to_number)
        message.group_id = group.id if group is not None else None
    message.last_error = type(exc).__name__  # never the exception's text: it may quote the message
    message.status = "unanswered" if message.attempts >= MAX_INBOUND_ATTEMPTS else "received"
    message.updated_at = now
    log.error("inbound message %s failed (attempt %s): %s", message.id, message.attempts, type(exc).__name__)


def _converse_stored(message: Message, now: datetime, groups: dict[str, Group | None] | None = None,
                     earlier: inbound_queue.Earlier | None = None, senders: inbound_queue.Senders | None = None) -> str:
    """Find the sender, group and conversation, then run the dialogue; returns the message's new status.

    For a job run that answers many texts, `groups` caches the group for each number texted, and
    `earlier` and `senders` are what its batch found about the sender's earlier texts, person and
    conversations.
    """
    try:
        phone = inbound_queue.sender_phone(message)
    except InvalidPhone:
        return "ignored"
    if groups is None:
        group = _group_for(message.to_number)
    elif message.to_number in groups:
        group = groups[message.to_number]
    else:
        group = groups[message.to_number] = _group_for(message.to_number)
    if group is None:
        return "no_group"
    if senders is not None:
        person = senders.people.get(phone)
    else:
        person = db.session.execute(db.select(Person).where(Person.phone == phone)).scalar_one_or_none()
    new = senders is not None and phone in senders.new_phones
    known = person is not None and not new
    if person is None:
        person = find_or_create_person(phone=phone, email=None, name="", language=default_language(group),
                                       group_id=group.id, looked_up=True, sms_consent=True)
    # Whoever texts us may be texted back, whatever a web form said before.
    person.sms_consent = True
    if earlier is not None:
        first_contact = earlier.first_contact
    else:
        first_contact = not db.session.execute(db.select(Message.id).where(
            Message.direction == "in", Message.from_number == message.from_number,
            Message.id < message.id)).first()
    if message.simulated and first_contact:
        person.simulated = True
    if person.id is None:
        db.session.flush()
    if senders is not None:
        conv_row = senders.conversations.get((phone, group.id)) or _conversation(phone, group, person,
                                                                                 looked_up=True)
    else:
        conv_row = _conversation(phone, group, person)
    message.person_id, message.group_id, message.conversation_id = person.id, group.id, conv_row.id
    if _too_chatty(message, earlier.recent if earlier is not None else None):
        return "rate_limited"
    return converse(message, person, group, conv_row, first_contact=first_contact, known=known, now=now, new=new)


def default_language(group: Group) -> str:
    """The language a group speaks to someone we know nothing about: group.settings["language"], else the app's."""
    code = (group.settings or {}).get("language")
    return code if code in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def _relay_open(person: Person) -> bool:
    """Whether the texter is on either side of an active claim (so plain text is relayed)."""
    return bool(relay_partners(person))


def converse(message: Message, person: Person, group: Group, conv_row: Conversation, *,
             first_contact: bool, now: datetime, known: bool = True, new: bool = False) -> str:
    """Run the dialogue for one message and carry out what it decides; returns the message's new status.

    A text from a number that had opted out (and did not opt back in with it) is kept, unanswered,
    as "opted_out", so coordinators see it labelled. `new`: the person was created for this text's
    batch, so has no claim to relay through and no past need to reply about (neither is looked up).
    """
    state = dialogue.Conversation.from_dict(conv_row.state or {"language": person.language})
    was_opted_out = person.opted_out
    if was_opted_out and not message.body.strip():
        return "opted_out"
    if message.num_media and not message.body.strip():
        _reply(message, person, group, conv_row, dialogue.Reply("media_only"), state.language, now)
        return "processed"
    if not message.body.strip():
        _reply(message, person, group, conv_row, dialogue.Reply("empty"), state.language, now)
        return "processed"
    context = dialogue.Context(opted_out=person.opted_out, relay_open=not new and _relay_open(person),
                               first_contact=first_contact,
                               default_language=person.language if known else default_language(group),
                               carrier_answers=current_app.config["SMS_TWILIO_ANSWERS_KEYWORDS"])
    if not new and _may_be_a_late_reply(state, message.body, context):
        keep_late_reply(message, person, now)
    if not was_opted_out and _paused_for_new_requests(group, state, message.body, context, now):
        pause = intake_pause(group, now)
        language = (parsing.guess_language(message.body) or context.default_language) if first_contact \
            else state.language
        _reply(message, person, group, conv_row, dialogue.Reply("intake_paused", {
            "message": pause["message"], "until": pause["until"]}),  # a date: the text says it in their language
            language, now)
        return "processed"
    outcome = dialogue.receive(state, message.body, context)
    extra_params, instead = {}, {}
    for effect in outcome.effects:
        result = apply_effect(effect, message=message, person=person, group=group, conv_row=conv_row,
                              now=now)
        if result:
            extra_params.update(result.params)
            instead.update(result.instead)
            for reply in result.replies:
                _reply(message, person, group, conv_row, reply, outcome.conversation.language, now)
    conv_row.state = outcome.conversation.to_dict()
    if person.language != outcome.conversation.language and first_contact:
        person.language = outcome.conversation.language
    for reply in outcome.replies:
        params = {**extra_params, **reply.params}
        _reply(message, person, group, conv_row, dialogue.Reply(instead.get(reply.template, reply.template), params),
               outcome.conversation.language, now)
    return "opted_out" if was_opted_out and person.opted_out else "processed"


def _may_be_a_late_reply(state, body: str, context) -> bool:
    """Plain text from someone with no claim open and no question pending: maybe a reply to a past volunteer."""
    return (not context.relay_open and state.step == "idle" and not state.awaiting_feedback
            and not state.awaiting_reply and parse_command(body) is None)


def _paused_for_new_requests(group: Group, state, body: str, context, now: datetime) -> bool:
    """Intake is paused and this text would start a new request (keywords and relays still work)."""
    if intake_pause(group, now) is None or context.relay_open:
        return False
    return state.step == "idle" and not state.awaiting_feedback and parse_command(body) is None


def _reply(message: Message, person: Person, group: Group, conv_row: Conversation, reply: dialogue.Reply,
           language: str, now: datetime) -> Message:
    """Queue a reply to the texter in their language."""
    params = {"group": group.name, "contact": group.contact_text, **reply.params}
    return queue_sms(to_number=person.phone or message.from_number, template=reply.template, group=group,
                     person=person, params=params, purpose="reply", conversation=conv_row,
                     simulated=message.simulated, language=language, now=now)
