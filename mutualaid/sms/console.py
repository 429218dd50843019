"""What coordinators see of SMS: the outbox and inbox, drafts, texts that did not arrive, the simulator."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, or_, update

from mutualaid.core import audit
from mutualaid.core.errors import ServiceError
from mutualaid.core.permissions import require_coordinator
from mutualaid.domain.phones import InvalidPhone, normalise_phone
from mutualaid.extensions import db
from mutualaid.messaging.destinations import COSTLY_TYPE, COUNTRY_PREFIX
from mutualaid.messaging.outbox import deliver_outbox
from mutualaid.needs.removal import delete_needs
from mutualaid.models import (
    AuditEvent,
    Conversation,
    Group,
    Message,
    Need,
    NeedNotification,
    Offer,
    Person,
    Proposal,
    VolunteerProfile,
)

PROBLEM_STATUSES = ("failed", "undelivered", "suppressed")


def _require(coordinator: Person) -> None:
    """Only coordinators."""
    require_coordinator(coordinator)


def messages_for(coordinator: Person, *, problems_only: bool = False, from_opted_out: bool = False,
                 phone: str | None = None, limit: int = 200) -> list[Message]:
    """The group's recent messages, newest first; viewing numbers is audited.

    `from_opted_out`: only texts that came from numbers that had opted out (kept, never answered:
    someone may still need help, and a coordinator can call them).
    """
    _require(coordinator)
    # Emails with a link that sets someone's password are for them alone, not for the group's log.
    query = db.select(Message).where(Message.group_id == coordinator.group_id, Message.purpose != "account")
    if problems_only:  # texts that did not reach someone, and texts we could not answer automatically
        query = query.where(or_(and_(Message.direction == "out", Message.status.in_(PROBLEM_STATUSES)),
                                and_(Message.direction == "in", Message.status == "unanswered")))
    if from_opted_out:
        query = query.where(Message.direction == "in", Message.status == "opted_out")
    if phone:
        query = query.where((Message.to_number == phone) | (Message.from_number == phone))
    rows = list(db.session.execute(query.order_by(Message.id.desc()).limit(limit)).scalars())
    audit.record("messages.viewed", coordinator, actor=coordinator, problems_only=problems_only, count=len(rows))
    db.session.commit()
    return rows


def undelivered_to_requesters(coordinator: Person, limit: int = 50) -> list[Message]:
    """Texts to people who asked for help that did not arrive or that the group may not send (a country it does
    not text, a costly number): someone should call them."""
    _require(coordinator)
    query = (db.select(Message).join(Need, Need.requester_id == Message.person_id)
             .where(Message.group_id == coordinator.group_id, Message.direction == "out",
                    or_(Message.status.in_(("failed", "undelivered")),
                        and_(Message.status == "suppressed", or_(Message.last_error == COSTLY_TYPE,
                                                                 Message.last_error.startswith(COUNTRY_PREFIX)))),
                    Need.status.in_(("draft", "open", "claimed")))
             .distinct().order_by(Message.id.desc()).limit(limit))
    return list(db.session.execute(query).scalars())


def sms_drafts(coordinator: Person, limit: int = 50) -> list[Need]:
    """Requests started by text but never finished."""
    _require(coordinator)
    return list(db.session.execute(db.select(Need).where(
        Need.group_id == coordinator.group_id, Need.status == "draft").order_by(Need.created_at.desc(), Need.id.desc())
        .limit(limit)).scalars())


def simulator_number(coordinator: Person, raw: str) -> str:
    """A number the simulator may use: well-formed, and not a real person's (no impersonation)."""
    _require(coordinator)
    try:
        phone = normalise_phone(raw)
    except InvalidPhone as exc:
        raise ServiceError(_l("That phone number does not look right."), field="phone") from exc
    person = db.session.execute(db.select(Person).where(Person.phone == phone)).scalar_one_or_none()
    if person is not None and not person.simulated:
        raise ServiceError(_l("That number belongs to a real person. Please make one up for practice."),
                           field="phone")
    return phone


def simulated_webhook_form(group: Group, phone: str, body: str) -> dict:
    """The fields Twilio would post for a text from `phone` to the group's number."""
    if not group.phone_number:
        raise ServiceError(_l("Your group has no SMS number yet, so texts could not reach it. Set one with "
                              "`flask --app wsgi groups create --phone` or ask whoever runs the server."), field="phone")
    return {"MessageSid": f"SMsim{uuid.uuid4().hex}", "AccountSid": "ACsimulator", "From": phone,
            "To": group.phone_number, "Body": body, "NumMedia": "0"}


def conversation_with(phone: str, group_id: int, limit: int = 60) -> list[Message]:
    """The messages between a (simulated) number and the group, oldest first, as the phone sees them."""
    rows = db.session.execute(db.select(Message).where(
        Message.group_id == group_id, (Message.to_number == phone) | (Message.from_number == phone))
        .order_by(Message.id.desc()).limit(limit)).scalars()
    return list(reversed(list(rows)))


def deliver_simulated(phone: str, now: datetime | None = None) -> None:
    """Deliver (to the console) the replies queued for a simulated phone, so the page can show them."""
    ids = db.session.execute(db.select(Message.id).where(
        Message.simulated.is_(True), Message.status == "queued", Message.to_number == phone)).scalars().all()
    if ids:
        deliver_outbox(now=now or datetime.now(timezone.utc), only_ids=ids)


def practice_needs(coordinator: Person, limit: int = 50) -> list[Need]:
    """The group's practice requests (made from the simulator), newest first."""
    _require(coordinator)
    return list(db.session.execute(db.select(Need).where(
        Need.group_id == coordinator.group_id, Need.practice.is_(True))
        .order_by(Need.created_at.desc(), Need.id.desc()).limit(limit)).scalars())


@dataclass(frozen=True)
class Cleared:
    """How many practice records were deleted."""

    needs: int
    offers: int
    people: int
    messages: int


def clear_practice(coordinator: Person, *, now: datetime | None = None) -> Cleared:
    """Delete every practice need and offer of the coordinator's group, the made-up numbers, and their texts
    and conversations; one transaction, audited with the counts only.

    What real records point at them is let go of: an offer set aside for a practice need goes back on the
    list, and events whose actor was a made-up number keep their action without the actor.
    """
    _require(coordinator)
    now = now or datetime.now(timezone.utc)
    group_id = coordinator.group_id
    people = db.select(Person.id).where(Person.group_id == group_id, Person.simulated.is_(True))
    needs = db.select(Need.id).where(Need.group_id == group_id,
                                     or_(Need.practice.is_(True), Need.requester_id.in_(people)))
    offers = db.select(Offer.id).where(Offer.group_id == group_id,
                                       or_(Offer.practice.is_(True), Offer.person_id.in_(people)))
    conversations = db.select(Conversation.id).where(Conversation.group_id == group_id,
                                                     Conversation.person_id.in_(people))
    counts = [db.session.execute(db.select(db.func.count()).select_from(q.subquery())).scalar_one()
              for q in (needs, offers, people)]
    run = db.session.execute
    messages = run(delete(Message).where(or_(
        (Message.group_id == group_id) & Message.simulated.is_(True), Message.person_id.in_(people),
        Message.need_id.in_(needs), Message.conversation_id.in_(conversations)))
        .execution_options(synchronize_session=False)).rowcount
    run(delete(Conversation).where(Conversation.id.in_(conversations)).execution_options(synchronize_session=False))
    run(delete(NeedNotification).where(NeedNotification.volunteer_id.in_(people))
        .execution_options(synchronize_session=False))
    run(delete(Proposal).where(or_(Proposal.offer_id.in_(offers), Proposal.volunteer_id.in_(people)))
        .execution_options(synchronize_session=False))
    run(update(Need).where(Need.entered_by_id.in_(people)).values(entered_by_id=None)
        .execution_options(synchronize_session=False))
    run(update(AuditEvent).where(AuditEvent.actor_id.in_(people)).values(actor_id=None)
        .execution_options(synchronize_session=False))
    # Materialised first: the subqueries read the rows being deleted.
    need_ids, offer_ids, person_ids = (list(run(q).scalars()) for q in (needs, offers, people))
    run(delete(Offer).where(Offer.id.in_(offer_ids)).execution_options(synchronize_session=False))
    delete_needs(need_ids)
    run(delete(VolunteerProfile).where(VolunteerProfile.person_id.in_(person_ids))
        .execution_options(synchronize_session=False))
    run(delete(Person).where(Person.id.in_(person_ids)).execution_options(synchronize_session=False))
    cleared = Cleared(*counts, messages)
    audit.record("practice.cleared", coordinator.group, actor=coordinator, now=now, needs=cleared.needs,
                 offers=cleared.offers, people=cleared.people, messages=cleared.messages)
    db.session.commit()
    db.session.expire_all()
    return cleared
