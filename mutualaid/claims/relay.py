"""The relay between a need's requester and its volunteer: every message kept on the need's thread,
then passed on by text or email when the other side can be reached (helpers; they never commit)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, has_request_context, url_for

from mutualaid.core import audit
from mutualaid.extensions import db
from mutualaid.messaging.limits import split_to_fit
from mutualaid.messaging.outbox import may_text, queue_email, queue_sms, render_sms
from mutualaid.models import Claim, Message, Need, NeedMessage, Person

LATE_REPLY_DAYS = 14  # how long after a claim ends a requester's text is still taken as a reply to it


def keep(need: Need, claim: Claim | None, author: Person | None, role: str, text: str, *, via: str,
         now: datetime) -> NeedMessage:
    """Store one message on the need's thread (before anything is sent, so it is never lost)."""
    entry = NeedMessage(need_id=need.id, claim_id=getattr(claim, "id", None), author=author, author_role=role,
                        body=text, via=via, passed_on="none", created_at=now)
    db.session.add(entry)
    return entry


def pass_on(entry: NeedMessage, claim: Claim, *, simulated: bool = False, now: datetime) -> str:
    """Send a kept message to the other side of the claim; returns how: sms, email or none.

    To the requester: by text from the group's number, if they agreed to texts and a text can reach
    them; else by email if they gave one; else it waits for a coordinator. To the volunteer: as they prefer to be told (text, or email when they chose it or
    texts cannot reach them); with neither, it waits on the page.
    """
    need = claim.need
    urgent = need.urgency == "today"
    params = {"ref": need.ref, "text": entry.body}
    if entry.author_role == "volunteer":
        requester = need.requester
        if textable(requester) and may_text(requester):
            _queue_texts(requester, "relay_to_requester", need, params, urgent=urgent, simulated=simulated, now=now)
            return _passed(entry, "sms", need, now)
        if requester is not None and requester.email:  # they said no to texts, or cannot get them
            queue_email(to_address=requester.email, template="relay_to_requester", group=need.group,
                        person=requester, params=params, purpose="relay", need=need, urgent=urgent,
                        simulated=simulated, now=now)
            return _passed(entry, "email", need, now)
        return _passed(entry, "none", need, now)
    volunteer = claim.volunteer
    channel = replies_channel(volunteer)
    if channel == "sms":
        _queue_texts(volunteer, "relay_to_volunteer", need, params, urgent=urgent, simulated=simulated, now=now)
        return _passed(entry, "sms", need, now)
    if channel == "email":
        queue_email(to_address=volunteer.email, template="relay_to_volunteer", group=need.group, person=volunteer,
                    params={**params, "group": need.group.name, "url": need_page_url(need)}, purpose="relay",
                    need=need, urgent=urgent, simulated=simulated, now=now)
        return _passed(entry, "email", need, now)
    return _passed(entry, "none", need, now)


def _queue_texts(person: Person, template: str, need: Need, params: dict, *, urgent: bool, simulated: bool,
                 now: datetime) -> None:
    """Queue a passed-on message by text, in as many texts as its words need: never cut short."""
    prefix = render_sms(template, person.language, **{**params, "text": ""})
    for piece in split_to_fit(prefix, params["text"]):
        queue_sms(to_number=person.phone, template=template, group=need.group, person=person,
                  params={**params, "text": piece}, purpose="relay", need=need, urgent=urgent, simulated=simulated,
                  now=now)


def textable(person: Person | None) -> bool:
    """Whether a text to this person can arrive: a phone, not opted out (STOP), not known to be invalid."""
    return (person is not None and bool(person.phone) and not person.opted_out
            and person.phone_status != "invalid")


def replies_channel(volunteer: Person) -> str:
    """How a neighbour's replies reach this volunteer: sms, email (chosen, or no phone that texts can
    reach) or none (the page only)."""
    wants_email = volunteer.volunteer is not None and volunteer.volunteer.channel == "email"
    if textable(volunteer) and not (wants_email and volunteer.email):
        return "sms"
    return "email" if volunteer.email else "none"


def _passed(entry: NeedMessage, how: str, need: Need, now: datetime) -> str:
    """Note how the message went on, and audit it (ids and the channel only)."""
    entry.passed_on = how
    audit.record("need.relayed", need, actor=entry.author, now=now,
                 direction="to_volunteer" if entry.author_role == "requester" else "to_requester",
                 via=entry.via, passed_on=how)
    return how


def need_page_url(need: Need) -> str:
    """The volunteer's page for this need, absolute when the public address is known."""
    path = url_for("volunteer.need", ref=need.ref) if has_request_context() else f"/volunteer/needs/{need.ref}"
    base = current_app.config.get("PUBLIC_BASE_URL")
    return f"{base.rstrip('/')}{path}" if base else path


def late_reply_need(requester: Person, now: datetime, within_days: int = LATE_REPLY_DAYS) -> Need | None:
    """The need this person asked for whose claim ended most recently (lately), now with no claim.

    A text from them with no claim open may be a reply to that volunteer: it goes on that need's
    thread, so coordinators see it.
    """
    row = db.session.execute(
        db.select(Claim.need_id).join(Need, Need.id == Claim.need_id)
        .where(Need.requester_id == requester.id, Claim.status != "active",
               Claim.ended_at >= now - timedelta(days=within_days))
        .order_by(Claim.ended_at.desc(), Claim.id.desc()).limit(1)).scalar_one_or_none()
    need = db.session.get(Need, row) if row is not None else None
    return need if need is not None and need.active_claim is None else None


def keep_late_reply(message: Message, person: Person, now: datetime) -> NeedMessage | None:
    """A requester's text that reaches no volunteer (their claim ended): kept on that need's thread."""
    need = late_reply_need(person, now)
    if need is None:
        return None
    link_inbound(message, need)
    entry = keep(need, None, person, "requester", message.body.strip(), via="sms", now=now)
    _passed(entry, "none", need, now)
    return entry


def thread(need: Need, *, claim: Claim | None = None) -> list[dict]:
    """The need's messages, oldest first: all of them, or only those written under one claim."""
    query = db.select(NeedMessage).where(NeedMessage.need_id == need.id)
    if claim is not None:
        query = query.where(NeedMessage.claim_id == claim.id)
    entries = db.session.execute(query.order_by(NeedMessage.created_at, NeedMessage.id)).scalars()
    return [{"id": e.id, "author_role": e.author_role, "author_id": e.author_id,
             "author_name": e.author.name if e.author is not None and e.author_role == "volunteer" else "",
             "body": e.body, "via": e.via, "passed_on": e.passed_on, "created_at": e.created_at,
             "claim_id": e.claim_id} for e in entries]


def link_inbound(message: Message, need: Need) -> None:
    """Mark a stored text as part of this need's relay, so the texts page can tell."""
    message.need_id = need.id
