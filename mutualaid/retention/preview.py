"""What the retention purge will remove next, as counts only, for the coordinators' settings page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, or_

from mutualaid.core.permissions import require_coordinator
from mutualaid.domain.transitions import CLOSED_NEED_STATUSES
from mutualaid.extensions import db
from mutualaid.models import Claim, JobState, Message, Need, NeedMessage, Offer, Person
from mutualaid.retention.rules import Retention, retention_for

HORIZON = timedelta(days=7)
JOB = "purge_personal_data"


@dataclass(frozen=True)
class PurgePreview:
    """Counts due within the horizon, and when the purge next removes something."""

    retention: Retention
    needs: int
    messages: int
    drafts: int
    people: int
    next_purge: datetime | None  # None: nothing falls due within the horizon


def _requesters_left_with_nothing(due_need_ids: list[int]) -> int:
    """How many requesters of these needs have no other need, offer, claim or account."""
    if not due_need_ids:
        return 0
    people = set(db.session.execute(db.select(Need.requester_id).where(
        Need.id.in_(due_need_ids), Need.requester_id.is_not(None))).scalars())
    if not people:
        return 0
    keep = set(db.session.execute(db.select(Need.requester_id).where(
        Need.requester_id.in_(people), Need.id.not_in(due_need_ids))).scalars())
    keep |= set(db.session.execute(db.select(Offer.person_id).where(Offer.person_id.in_(people))).scalars())
    keep |= set(db.session.execute(db.select(Claim.volunteer_id).where(Claim.volunteer_id.in_(people))).scalars())
    keep |= set(db.session.execute(db.select(Person.id).where(Person.id.in_(people), or_(
        Person.password_hash.is_not(None), Person.role != "neighbour"))).scalars())
    return len(people - keep)


def _next_run(now: datetime) -> datetime:
    """When the scheduler next runs the purge (now, if it never ran or is late)."""
    from mutualaid.jobs.registry import JOBS  # the registry imports the purge itself

    state = db.session.get(JobState, JOB)
    if state is None or state.last_started_at is None:
        return now
    return max(state.last_started_at + timedelta(seconds=JOBS[JOB].seconds), now)


def purge_preview(coordinator: Person, *, now: datetime | None = None) -> PurgePreview:
    """What the purge will remove in the coordinator's group within the next 7 days, and when it next runs."""
    require_coordinator(coordinator)
    now = now or datetime.now(timezone.utc)
    rules = retention_for(coordinator.group)
    group, later = coordinator.group_id, now + HORIZON
    closed = (Need.group_id == group) & Need.status.in_(CLOSED_NEED_STATUSES)
    due_needs = list(db.session.execute(db.select(Need.id).where(
        closed, Need.purged_at.is_(None), Need.closed_at <= rules.needs_before(later))).scalars())
    due_drafts = list(db.session.execute(db.select(Need.id).where(
        Need.group_id == group, Need.status == "draft", Need.created_at <= rules.drafts_before(later))).scalars())
    texts_due = db.select(Need.id).where(closed, Need.closed_at <= rules.messages_before(later))
    messages = db.session.execute(db.select(func.count(Message.id)).where(
        Message.body != "", Message.status != "sending", or_(
            Message.need_id.in_(texts_due),
            (Message.group_id == group) & Message.need_id.is_(None)
            & (Message.created_at <= rules.messages_before(later))))).scalar_one()
    messages += db.session.execute(db.select(func.count(NeedMessage.id)).where(
        NeedMessage.body != "", NeedMessage.need_id.in_(texts_due))).scalar_one()
    due = bool(due_needs or due_drafts or messages)
    return PurgePreview(rules, len(due_needs), messages, len(due_drafts),
                        _requesters_left_with_nothing(due_needs + due_drafts),
                        _next_run(now) if due else None)
