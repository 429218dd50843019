"""The retention purge and its settings: personal data goes once a group no longer needs it.

The purge works in batches, each its own transaction, so a large backlog never holds one huge one;
every step selects only what still holds personal data, so running it again changes nothing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, or_, update

from mutualaid.core import audit
from mutualaid.core.errors import ServiceError
from mutualaid.core.permissions import require_coordinator
from mutualaid.domain.transitions import CLOSED_NEED_STATUSES
from mutualaid.extensions import db
from mutualaid.imports.actions import UPLOAD_HOURS
from mutualaid.models import (
    Claim,
    Conversation,
    Group,
    ImportUpload,
    Message,
    Need,
    NeedMessage,
    NeedNote,
    Offer,
    Person,
)
from mutualaid.needs.removal import delete_needs
from mutualaid.people.opt_outs import keep_opt_out
from mutualaid.retention.rules import DEFAULTS, MAXIMUM_DAYS, MINIMUMS, Retention, retention_for

log = logging.getLogger(__name__)

BATCH = 200
IN_FLIGHT = ("sending",)  # being handed to the provider right now: left for the next run


@dataclass
class Purged:
    """What one purge run removed, as counts only."""

    needs: int = 0
    messages: int = 0
    drafts: int = 0
    people: int = 0
    uploads: int = 0

    @property
    def total(self) -> int:
        """Rows changed in all."""
        return self.needs + self.messages + self.drafts + self.people + self.uploads


def _run(statement):
    """Execute a bulk statement without syncing the session; returns the rows it touched."""
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount or 0


def _ids(query) -> list[int]:
    """The ids a select returns, at most one batch."""
    return list(db.session.execute(query.limit(BATCH)).scalars())


def _cancel_queued(where) -> None:
    """Texts still waiting in the outbox are cancelled (suppressed): nothing past its time should still go out."""
    _run(update(Message).where(where, Message.status == "queued")
         .values(status="suppressed", last_error="retention", next_attempt_at=None))


def _blank_messages(need_ids: list[int]) -> int:
    """Blank the texts, numbers and addresses of these needs' texts and thread messages."""
    _cancel_queued(Message.need_id.in_(need_ids))
    changed = _run(update(Message).where(
        Message.need_id.in_(need_ids), Message.status.not_in(IN_FLIGHT),
        or_(Message.body != "", Message.from_number != "", Message.to_number != "", Message.to_address != ""))
        .values(body="", from_number="", to_number="", to_address=""))
    changed += _run(update(NeedMessage).where(NeedMessage.need_id.in_(need_ids), NeedMessage.body != "").values(body=""))
    _run(update(Conversation).where(Conversation.draft_need_id.in_(need_ids)).values(draft_need_id=None, state={}))
    return changed


def _has_anything_left(person_id: int) -> bool:
    """Whether someone still has a need, an offer, a claim or an account here."""
    person = db.session.get(Person, person_id)
    if person is None or person.password_hash or person.role != "neighbour" or person.volunteer is not None:
        return True
    return db.session.execute(db.select(
        exists().where(Need.requester_id == person_id) | exists().where(Offer.person_id == person_id)
        | exists().where(Claim.volunteer_id == person_id))).scalar_one()


def _forget_people(person_ids: set[int], now: datetime) -> int:
    """Remove the contact data of people left with nothing here; an opt-out stays, as a keyed hash of the
    number, so a STOP still holds."""
    forgotten = 0
    for person_id in sorted(person_ids):
        if _has_anything_left(person_id):
            continue
        person = db.session.get(Person, person_id)
        if not (person.name or person.email or person.phone):
            continue
        conversations = db.select(Conversation.id).where(Conversation.person_id == person_id)
        _cancel_queued(Message.person_id == person_id)
        _run(update(Message).where(or_(Message.person_id == person_id, Message.conversation_id.in_(conversations)),
                                   Message.status.not_in(IN_FLIGHT))
             .values(body="", from_number="", to_number="", to_address="", conversation_id=None))
        _run(update(Message).where(Message.conversation_id.in_(conversations)).values(conversation_id=None))
        _run(delete(Conversation).where(Conversation.person_id == person_id))
        person.name, person.email, person.sms_consent = "", None, False
        if person.phone and person.opted_out:
            keep_opt_out(person.phone, now)
        person.phone = None
        forgotten += 1
    return forgotten


def _purge_closed_needs(group: Group, rules: Retention, now: datetime, purged: Purged) -> bool:
    """One batch of closed needs past the retention period lose their personal data; True if more may wait."""
    need_ids = _ids(db.select(Need.id).where(
        Need.group_id == group.id, Need.status.in_(CLOSED_NEED_STATUSES), Need.purged_at.is_(None),
        Need.closed_at <= rules.needs_before(now)).order_by(Need.id))
    if not need_ids:
        return False
    requesters = set(db.session.execute(db.select(Need.requester_id).where(
        Need.id.in_(need_ids), Need.requester_id.is_not(None))).scalars())
    purged.messages += _blank_messages(need_ids)
    _run(update(Claim).where(Claim.need_id.in_(need_ids)).values(release_reason="", outcome_note=""))
    _run(update(NeedNote).where(NeedNote.need_id.in_(need_ids)).values(body=""))
    purged.needs += _run(update(Need).where(Need.id.in_(need_ids)).values(
        details="", public_details="", address_text="", postcode=None, exact_lat=None, exact_lon=None, requester_id=None,
        submission_digest=None, purged_at=now))
    purged.people += _forget_people(requesters, now)
    db.session.commit()
    return len(need_ids) == BATCH


def _purge_old_texts(group: Group, rules: Retention, now: datetime, purged: Purged) -> bool:
    """One batch of needs closed past the message period lose their texts; then old texts tied to no need."""
    has_text = (exists().where(Message.need_id == Need.id, Message.body != "", Message.status.not_in(IN_FLIGHT))
                | exists().where(NeedMessage.need_id == Need.id, NeedMessage.body != ""))
    need_ids = _ids(db.select(Need.id).where(
        Need.group_id == group.id, Need.status.in_(CLOSED_NEED_STATUSES), Need.closed_at <= rules.messages_before(now),
        has_text).order_by(Need.id))
    if need_ids:
        purged.messages += _blank_messages(need_ids)
    loose = _ids(db.select(Message.id).where(
        Message.group_id == group.id, Message.need_id.is_(None), Message.body != "",
        Message.status.not_in(IN_FLIGHT), Message.created_at <= rules.messages_before(now)).order_by(Message.id))
    if loose:
        _cancel_queued(Message.id.in_(loose))
        purged.messages += _run(update(Message).where(Message.id.in_(loose)).values(body=""))
    db.session.commit()
    return len(need_ids) == BATCH or len(loose) == BATCH


def _purge_stale_drafts(group: Group, rules: Retention, now: datetime, purged: Purged) -> bool:
    """One batch of text dialogues never finished is deleted with their texts' words and state."""
    need_ids = _ids(db.select(Need.id).where(
        Need.group_id == group.id, Need.status == "draft", Need.created_at <= rules.drafts_before(now))
        .order_by(Need.id))
    if not need_ids:
        return False
    requesters = set(db.session.execute(db.select(Need.requester_id).where(
        Need.id.in_(need_ids), Need.requester_id.is_not(None))).scalars())
    _blank_messages(need_ids)
    purged.drafts += delete_needs(need_ids)
    purged.people += _forget_people(requesters, now)
    db.session.commit()
    return len(need_ids) == BATCH


def _purge_expired_uploads(now: datetime, purged: Purged) -> None:
    """Spreadsheets uploaded for import and never imported go once their time is up (they hold personal
    data), whether or not anyone uploads another."""
    purged.uploads += _run(delete(ImportUpload).where(ImportUpload.created_at < now - timedelta(hours=UPLOAD_HOURS)))
    db.session.commit()


def purge_personal_data(now: datetime | None = None) -> Purged:
    """Remove, in every group, the personal data its retention settings no longer allow keeping."""
    now = now or datetime.now(timezone.utc)
    purged = Purged()
    for group in db.session.execute(db.select(Group).order_by(Group.id)).scalars().all():
        rules = retention_for(group)
        for step in (_purge_stale_drafts, _purge_old_texts, _purge_closed_needs):
            while step(group, rules, now, purged):
                pass
    _purge_expired_uploads(now, purged)
    db.session.expire_all()
    if purged.total:
        log.info("retention purge: needs=%d messages=%d drafts=%d people=%d uploads=%d",
                 purged.needs, purged.messages, purged.drafts, purged.people, purged.uploads)
    return purged


def set_retention(coordinator: Person, *, retention_days: int, message_retention_days: int,
                  draft_retention_days: int, now: datetime | None = None) -> Group:
    """A coordinator sets how long the group keeps personal data; audited with the numbers only."""
    require_coordinator(coordinator)
    values = {"retention_days": retention_days, "message_retention_days": message_retention_days,
              "draft_retention_days": draft_retention_days}
    for key, days in values.items():
        if not isinstance(days, int) or isinstance(days, bool) or not MINIMUMS[key] <= days <= MAXIMUM_DAYS:
            raise ServiceError(_l("Please give a whole number of days from %(low)d to %(high)d.",
                                  low=MINIMUMS[key], high=MAXIMUM_DAYS), field=key)
    if message_retention_days > retention_days:
        raise ServiceError(_l("Message texts cannot be kept longer than the rest of a request."),
                           field="message_retention_days")
    group = coordinator.group
    settings = dict(group.settings or {})
    settings.update(values)
    group.settings = settings
    audit.record("group.retention_set", group, actor=coordinator, now=now, **values)
    db.session.commit()
    return group


__all__ = ["DEFAULTS", "Purged", "purge_personal_data", "set_retention"]
