"""Reading volunteers for coordinators."""
from __future__ import annotations

from mutualaid.extensions import db
from mutualaid.models import Person, VolunteerProfile
from mutualaid.services.errors import Forbidden


def volunteers_for_coordinator(coordinator: Person, *, status: str | None = None) -> list[Person]:
    """The volunteers of the coordinator's group, newest first, optionally by vetting state."""
    if not coordinator.is_coordinator:
        raise Forbidden()
    query = (db.select(Person).join(VolunteerProfile, VolunteerProfile.person_id == Person.id)
             .where(Person.group_id == coordinator.group_id))
    if status:
        query = query.where(VolunteerProfile.vetting_status == status)
    return list(db.session.execute(query.order_by(VolunteerProfile.created_at.desc())).scalars())
