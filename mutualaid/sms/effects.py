"""Carrying out what the SMS dialogue decided: opt-out, status, cancel/done, drafts, submission, relay."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app

from mutualaid.claims.actions import claim_need
from mutualaid.claims.relay import keep, link_inbound, pass_on
from mutualaid.core import audit
from mutualaid.core.errors import ServiceError
from mutualaid.domain.refs import normalise_ref
from mutualaid.domain.transitions import IllegalTransition
from mutualaid.extensions import db
from mutualaid.groups.places import neighbouring_group
from mutualaid.messaging.outbox import queue_sms
from mutualaid.models import Claim, Conversation, Group, Message, Need, Offer, Person
from mutualaid.needs import lifecycle
from mutualaid.needs.intake import (
    clean_common,
    new_need,
    place_need,
    refill_draft,
    save_new,
)
from mutualaid.people.erasure import FORGOTTEN_TEMPLATE, erase
from mutualaid.people.opt_outs import drop_opt_out
from mutualaid.sms import dialogue
from mutualaid.sms.feedback import (
    keep_claim,
    keep_open,
    record_feedback,
    refer_by_requester,
)

Reply = dialogue.Reply


@dataclass
class ActionResult:
    """Extra reply parameters (e.g. the new ref) and replies the service itself adds."""

    params: dict = field(default_factory=dict)
    replies: list[Reply] = field(default_factory=list)
    instead: dict = field(default_factory=dict)  # the dialogue's reply template -> the one to send instead


def apply_effect(effect, *, message: Message, person: Person, group: Group, conv_row: Conversation,
                 now: datetime) -> ActionResult | None:
    """Dispatch one effect to its handler."""
    handler = HANDLERS[type(effect)]
    return handler(effect, message=message, person=person, group=group, conv_row=conv_row, now=now)


def _opt_out(effect, *, person, now, **_):
    """STOP: honoured by every sender at once (the outbox checks it before each send)."""
    if not person.opted_out:
        person.opted_out, person.opted_out_at = True, now
        audit.record("person.opted_out", person, now=now, via="sms")


def _opt_in(effect, *, person, now, **_):
    """START: messages may flow again."""
    if person.opted_out:
        person.opted_out, person.opted_out_at = False, None
        drop_opt_out(person.phone)
        audit.record("person.opted_in", person, now=now, via="sms")


# What Twilio itself answers to its standard keywords (its words, in English, not ours), recorded where no
# real Twilio number answers (the console backend, the simulator) so the thread shows what a phone would get.
TWILIO_ANSWERS = {
    "opt_out": "[Twilio] You have been unsubscribed and will get no more messages from this number. "
               "Reply START to resubscribe.",
    "opt_in": "[Twilio] You have been resubscribed to messages from this number. Reply HELP for help, "
              "STOP to unsubscribe.",
    "help": "[Twilio] Reply STOP to unsubscribe. Msg&data rates may apply.",
}


def _carrier_answered(effect, *, message, person, group, conv_row, now, **_):
    """Twilio answers STOP/START/HELP itself; without a real Twilio number, show what it would say."""
    if not (message.simulated or current_app.config["SMS_BACKEND"] == "console"):
        return None
    db.session.add(Message(direction="out", group_id=group.id, person_id=person.id, conversation_id=conv_row.id,
                           from_number=group.phone_number or "", to_number=message.from_number,
                           body=TWILIO_ANSWERS[effect.keyword], status="by_twilio", purpose="carrier",
                           template=f"twilio_{effect.keyword}", simulated=message.simulated, next_attempt_at=None,
                           created_at=now, updated_at=now))
    return None


def _set_language(effect, *, person, **_):
    """LANG: remember the language for every later text."""
    person.language = effect.code


def _open_needs(person: Person) -> list[Need]:
    """The texter's needs that are still in progress."""
    return list(db.session.execute(db.select(Need).where(
        Need.requester_id == person.id, Need.status.in_(("draft", "open", "claimed"))).order_by(Need.id)).scalars())


def _status(effect, *, person, **_):
    """STATUS: the texter's open requests (references and states, nothing else)."""
    items = [{"ref": n.ref, "status": n.status} for n in _open_needs(person)][:6]
    return ActionResult(replies=[Reply("status", {"items": items})])


def _act_on_ref(effect, *, person, now, **_):
    """CANCEL/DONE <ref>: only for the number that asked; YES <ref>: a volunteer claims."""
    if effect.action == "claim":
        return _claim_by_sms(effect.ref, person, now)
    if effect.action in ("keep", "refer"):
        handler = keep_claim if effect.action == "keep" else refer_by_requester
        template, params = handler(person, effect.ref, now)
        return ActionResult(replies=[Reply(template, params)])
    need = db.session.execute(db.select(Need).where(Need.ref == effect.ref)).scalar_one_or_none()
    if need is not None and need.requester_id != person.id and effect.action == "done":
        return _done_by_volunteer(need, person, now)
    if need is None or need.requester_id != person.id:
        # `From` is not authentication: someone else's reference changes nothing and reveals nothing.
        return ActionResult(replies=[Reply("ref_unknown", {"ref": effect.ref})])
    try:
        if effect.action == "cancel":
            lifecycle.cancel(need, actor=person, now=now, via="sms", by_requester=True)
        else:
            lifecycle.fulfil(need, actor=person, now=now, via="sms", by_requester=True)
    except IllegalTransition:
        return ActionResult(replies=[Reply("ref_cannot", {"ref": need.ref, "status": need.status})])
    return ActionResult(replies=[Reply("cancelled" if effect.action == "cancel" else "done", {"ref": need.ref})])


def _done_by_volunteer(need: Need, person: Person, now: datetime) -> ActionResult:
    """DONE <ref> from the volunteer who has it (the reminder tells them to): their claim completes."""
    claim = need.active_claim
    if claim is None or claim.volunteer_id != person.id:
        return ActionResult(replies=[Reply("ref_unknown", {"ref": need.ref})])
    lifecycle.fulfil(need, actor=person, now=now, via="sms", outcome="")
    return ActionResult(replies=[Reply("claim_done", {"ref": need.ref})])


def _claim_by_sms(ref: str, person: Person, now: datetime) -> ActionResult:
    """YES <ref> from a volunteer's phone: the same claim service as the web button."""
    if not person.is_approved_volunteer:
        return ActionResult(replies=[Reply("claim_not_volunteer")])
    try:
        claim, _created = claim_need(person, ref, via="sms", now=now, commit=False)
    except ServiceError as error:
        template = {"taken": "claim_taken", "capacity": "claim_capacity"}.get(error.code, "ref_unknown")
        return ActionResult(replies=[Reply(template, {"ref": ref})])
    return ActionResult(replies=[Reply("claim_confirmed", {"ref": claim.need.ref})])


def _draft_fields(conv: dialogue.Conversation) -> dict:
    """The dialogue's answers so far, as the fields of a need."""
    return {"category": conv.category, "details": conv.details, "where": conv.where, "urgency": conv.urgency,
            "language": conv.language}


def _draft(person: Person, group: Group, conv_row: Conversation, conv: dialogue.Conversation, now: datetime) -> Need:
    """The texter's draft need, made through the one place needs are made, or brought up to date."""
    need = conv_row.draft_need if conv_row.draft_need_id else None
    if need is None or need.status != "draft":
        need, _group = new_need(**_draft_fields(conv), source="sms", now=now, status="draft", group=group,
                                allow_online=False, texted=True, requester_id=person.id)
        save_new(need, actor=person, now=now, action="need.drafted", source="sms")
        conv_row.draft_need_id = need.id
    else:
        refill_draft(need, **_draft_fields(conv), group=group)
    return need


def _save_draft(effect, *, person, group, conv_row, now, **_):
    """Keep a half-finished request as a draft need, visible to coordinators."""
    _draft(person, group, conv_row, effect.conversation, now)
    return None


def _submit(effect, *, person, group, conv_row, now, **_):
    """The dialogue is complete: open the need (or save the offer) and reply with its reference."""
    conv = effect.conversation
    if conv.kind == "offer":
        category, details, where = clean_common(conv.category, conv.details, conv.where, texted=True)
        offer = Offer(group_id=group.id, person_id=person.id, kind="item", quantity=1, status="open",
                      source="sms", category=category, details=details, address_text=where,
                      created_at=now, updated_at=now)
        place_need(offer, group=group, allow_online=False)
        save_new(offer, actor=person, now=now, action="offer.created", source="sms")
        return ActionResult(params={"ref": offer.ref})
    need = _draft(person, group, conv_row, conv, now)
    lifecycle.open_draft(need, actor=person, now=now, source="sms", location_status=need.location_status)
    conv_row.draft_need_id = None
    if need.location_status == "out_of_area":
        return _out_of_area(need, conv)
    return ActionResult(params={"ref": need.ref})


def _out_of_area(need: Need, conv: dialogue.Conversation) -> ActionResult:
    """A place outside our area: say so honestly, naming the group here that covers it, if any.

    The request stays open with us (location "out of area") so a coordinator can refer it.
    """
    other = neighbouring_group(need)
    params = {"ref": need.ref, "place": need.postcode or conv.where}
    if other is None:
        return ActionResult(params=params, instead={"need_received": "out_of_area_nobody"})
    params.update(other=other.name, other_phone=other.phone_number or "")
    return ActionResult(params=params, instead={"need_received": "out_of_area_other"})


def relay_partners(person: Person) -> list[tuple[Claim, Person, str]]:
    """(claim, the other side, 'requester'|'volunteer') for every active claim this person is part of."""
    rows = db.session.execute(db.select(Claim, Need).join(Need, Need.id == Claim.need_id).where(
        Claim.status == "active", (Claim.volunteer_id == person.id) | (Need.requester_id == person.id))).all()
    partners = []
    for claim, need in rows:
        if claim.volunteer_id == person.id and need.requester is not None:
            partners.append((claim, need.requester, "requester"))
        elif need.requester_id == person.id:
            partners.append((claim, claim.volunteer, "volunteer"))
    return partners


def _relay(effect, *, message, person, group, now, **_):
    """Keep a text on the claimed need's thread and pass it to the other side (no numbers shown)."""
    partners = relay_partners(person)
    text = effect.text.strip()
    if len(partners) > 1:
        first, _, rest = text.partition(" ")
        ref = normalise_ref(first)
        chosen = [p for p in partners if p[0].need.ref == ref]
        if not chosen:
            return ActionResult(replies=[Reply("relay_which", {"ref": partners[0][0].need.ref})])
        partners, text = chosen, rest.strip()
    claim, _other, other_role = partners[0]
    if not text:
        return None
    link_inbound(message, claim.need)
    entry = keep(claim.need, claim, person, "volunteer" if other_role == "requester" else "requester", text,
                 via="sms", now=now)
    pass_on(entry, claim, simulated=message.simulated, now=now)
    return None


def _feedback(effect, *, person, now, **_):
    """1/2 after "did you get what you needed?": thanks, or the need opens again."""
    template, params = record_feedback(person, effect.ref, effect.satisfied, now)
    return ActionResult(replies=[Reply(template, params)])


def _keep_open(effect, *, person, now, **_):
    """Any text after "we will close it unless you reply": the need stays open."""
    kept = keep_open(person, effect.ref, now)
    return ActionResult(replies=[Reply(*kept)]) if kept else None


def _forget(effect, *, message, person, group, conv_row, now, **_):
    """FORGET YES: the confirmation is queued to the number first, then the person is erased everywhere.

    The confirmation is the one row that keeps the number, until the outbox has sent it.
    """
    queue_sms(to_number=person.phone or message.from_number, template=FORGOTTEN_TEMPLATE, group=group,
              person=person, params={"group": group.name}, purpose="reply", urgent=True,
              simulated=message.simulated, language=(conv_row.state or {}).get("language") or person.language,
              now=now)
    erase(person, actor=person, now=now)
    return None


HANDLERS = {
    dialogue.Forget: _forget,
    dialogue.Feedback: _feedback,
    dialogue.KeepOpen: _keep_open,
    dialogue.OptOut: _opt_out,
    dialogue.OptIn: _opt_in,
    dialogue.CarrierAnswered: _carrier_answered,
    dialogue.SetLanguage: _set_language,
    dialogue.ShowStatus: _status,
    dialogue.ActOnRef: _act_on_ref,
    dialogue.SaveDraft: _save_draft,
    dialogue.Submit: _submit,
    dialogue.RelayText: _relay,
}
