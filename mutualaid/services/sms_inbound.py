"""Inbound SMS: store first (once per MessageSid), run the dialogue, apply its effects, queue replies."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from mutualaid.domain.phones import InvalidPhone, normalise_phone
from mutualaid.domain.sms import dialogue
from mutualaid.domain.text import clean_text
from mutualaid.extensions import db
from mutualaid.models import Conversation, Group, Message, Need, Person
from mutualaid.services import audit
from mutualaid.services.coordination import intake_pause
from mutualaid.services.outbox import queue_sms
from mutualaid.services.people import find_or_create_person
from mutualaid.services.sms_actions import apply_effect

log = logging.getLogger(__name__)
MAX_BODY = 1600


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


def _store(form: dict, now: datetime, simulated: bool) -> Message | None:
    """Insert the inbound row; None when this MessageSid was stored before (a replay)."""
    message = Message(direction="in", provider_sid=form["MessageSid"][:64],
                      from_number=clean_text(form.get("From", ""))[:20], to_number=clean_text(form.get("To", ""))[:20],
                      body=clean_text(form.get("Body", ""), multiline=True)[:MAX_BODY],
                      num_media=int(form.get("NumMedia") or 0) if str(form.get("NumMedia", "0")).isdigit() else 0,
                      status="received", simulated=simulated, created_at=now, updated_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return None
    return message


def _too_chatty(number: str, now: datetime) -> bool:
    """Whether this number has texted more than the cap in 10 minutes (a loop or pumping)."""
    from flask import current_app

    count = db.session.execute(db.select(func.count(Message.id)).where(
        Message.direction == "in", Message.from_number == number,
        Message.created_at >= now - timedelta(minutes=10))).scalar_one()
    return count > current_app.config["SMS_MAX_INBOUND_PER_10_MINUTES"]


def _conversation(phone: str, group: Group, person: Person) -> Conversation:
    """The conversation for this number with this group, created on first contact."""
    conv = db.session.execute(db.select(Conversation).where(
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


def record_inbound_sms(form: dict, *, now: datetime | None = None, simulated: bool = False) -> InboundResult:
    """Handle one verified webhook: store it, then converse; one transaction, committed here."""
    now = now or datetime.now(timezone.utc)
    if not form.get("MessageSid") or not form.get("From"):
        return InboundResult(False, reason="missing MessageSid or From")
    message = _store(form, now, simulated)
    if message is None:
        db.session.rollback()
        return InboundResult(False, reason="duplicate")
    try:
        phone = normalise_phone(message.from_number, "US" if message.from_number.startswith("+1") else "GB")
    except InvalidPhone:
        message.status = "ignored"
        db.session.commit()
        return InboundResult(True, message.id, "sender is not a phone number")
    group = _group_for(message.to_number)
    if group is None:
        db.session.commit()
        return InboundResult(True, message.id, "no group set up")
    person = find_or_create_person(phone=phone, email=None, name="", language="en", group_id=group.id)
    first_contact = person.id is None or not db.session.execute(db.select(Message.id).where(
        Message.direction == "in", Message.from_number == message.from_number,
        Message.id != message.id)).first()
    if simulated and first_contact:
        person.simulated = True
    db.session.flush()
    message.person_id, message.group_id = person.id, group.id
    conv_row = _conversation(phone, group, person)
    message.conversation_id = conv_row.id
    if _too_chatty(message.from_number, now):
        message.status = "rate_limited"
        db.session.commit()
        return InboundResult(True, message.id, "rate limited")
    converse(message, person, group, conv_row, first_contact=first_contact, now=now)
    message.status = "processed"
    db.session.commit()
    return InboundResult(True, message.id)


def _relay_open(person: Person) -> bool:
    """Whether the texter is on either side of an active claim (so plain text is relayed)."""
    from mutualaid.services.sms_actions import relay_partners

    return bool(relay_partners(person))


def converse(message: Message, person: Person, group: Group, conv_row: Conversation, *,
             first_contact: bool, now: datetime) -> None:
    """Run the dialogue for one message and carry out what it decides."""
    state = dialogue.Conversation.from_dict(conv_row.state or {"language": person.language})
    if message.num_media and not message.body.strip():
        _reply(message, person, group, conv_row, dialogue.Reply("media_only"), state.language, now)
        return
    if not message.body.strip():
        _reply(message, person, group, conv_row, dialogue.Reply("empty"), state.language, now)
        return
    context = dialogue.Context(opted_out=person.opted_out, relay_open=_relay_open(person),
                               first_contact=first_contact)
    if _paused_for_new_requests(group, state, message.body, context, now):
        pause = intake_pause(group, now.date())
        _reply(message, person, group, conv_row, dialogue.Reply("intake_paused", {
            "message": pause["message"], "until": pause["until"].isoformat() if pause["until"] else ""}),
            state.language, now)
        return
    outcome = dialogue.receive(state, message.body, context)
    extra_params = {}
    for effect in outcome.effects:
        result = apply_effect(effect, message=message, person=person, group=group, conv_row=conv_row,
                              now=now)
        if result:
            extra_params.update(result.params)
            for reply in result.replies:
                _reply(message, person, group, conv_row, reply, outcome.conversation.language, now)
    conv_row.state = outcome.conversation.to_dict()
    if person.language != outcome.conversation.language and first_contact:
        person.language = outcome.conversation.language
    for reply in outcome.replies:
        params = {**extra_params, **reply.params}
        _reply(message, person, group, conv_row, dialogue.Reply(reply.template, params),
               outcome.conversation.language, now)


def _paused_for_new_requests(group: Group, state, body: str, context, now: datetime) -> bool:
    """Intake is paused and this text would start a new request (keywords and relays still work)."""
    from mutualaid.domain.sms.keywords import parse_command

    if intake_pause(group, now.date()) is None or context.relay_open:
        return False
    return state.step == "idle" and not state.awaiting_feedback and parse_command(body) is None


def _reply(message: Message, person: Person, group: Group, conv_row: Conversation, reply: dialogue.Reply,
           language: str, now: datetime) -> Message:
    """Queue a reply to the texter in their language."""
    params = {"group": group.name, "contact": group.contact_text, **reply.params}
    return queue_sms(to_number=person.phone or message.from_number, template=reply.template, group=group,
                     person=person, params=params, purpose="reply", conversation=conv_row,
                     simulated=message.simulated, language=language, now=now)
