"""Reading volunteers for coordinators."""
from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.orm import contains_eager

from mutualaid.core.permissions import require_coordinator
from mutualaid.extensions import db
from mutualaid.models import Person, VolunteerProfile


def _volunteers(coordinator: Person, status: str | None):
    """The group's volunteers (joined to their profile, erased ones left out), optionally by vetting state."""
    require_coordinator(coordinator)
    query = (db.select(Person).join(VolunteerProfile, VolunteerProfile.person_id == Person.id)
             .where(Person.group_id == coordinator.group_id, Person.erased_at.is_(None)))
    if status:
        query = query.where(VolunteerProfile.vetting_status == status)
    return query


def volunteers_for_coordinator(coordinator: Person, *, status: str | None = None,
                               limit: int | None = None) -> list[Person]:
    """The volunteers of the coordinator's group, newest first, optionally by vetting state, profiles loaded."""
    query = (_volunteers(coordinator, status).options(contains_eager(Person.volunteer))
             .order_by(VolunteerProfile.created_at.desc(), VolunteerProfile.id.desc()))
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.execute(query).scalars())


def count_volunteers(coordinator: Person, *, status: str | None = None) -> int:
    """How many volunteers the group has (in that vetting state)."""
    query = _volunteers(coordinator, status)
    return db.session.execute(query.with_only_columns(func.count()).order_by(None)).scalar_one()
