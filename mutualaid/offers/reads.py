"""Reading a group's offers for its coordinators (no commits)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from mutualaid.core.errors import NotFound
from mutualaid.core.permissions import require_coordinator
from mutualaid.domain.refs import normalise_ref
from mutualaid.extensions import db
from mutualaid.models import Need, Offer, Person
from mutualaid.needs.reads import offers_for_group

# Needs an offer can still be set aside for.
NEEDS_IN_HAND = ("open", "claimed")


def group_offer(coordinator: Person, ref: str | None) -> Offer:
    """The offer with this reference, if it is the coordinator's group's (another group's is not found)."""
    require_coordinator(coordinator)
    ref = normalise_ref(ref)
    offer = db.session.execute(db.select(Offer).where(Offer.ref == ref)).scalar_one_or_none() if ref else None
    if offer is None or offer.group_id != coordinator.group_id:
        raise NotFound(_l("Your group has no offer with that reference."))
    return offer


def group_need(coordinator: Person, ref: str | None) -> Need:
    """The need with this reference, if it is the coordinator's group's (another group's is not found)."""
    require_coordinator(coordinator)
    ref = normalise_ref(ref)
    need = db.session.execute(db.select(Need).where(Need.ref == ref)).scalar_one_or_none() if ref else None
    if need is None or need.group_id != coordinator.group_id:
        error = NotFound(_l("Your group has no request with that reference."))
        error.field = "need_ref"  # the form's field, so the offer page can say where it went wrong
        raise error
    return need


def reserved_offers(coordinator: Person, limit: int = 200) -> list[Offer]:
    """The group's offers set aside for a need, newest first."""
    require_coordinator(coordinator)
    query = db.select(Offer).where(Offer.group_id == coordinator.group_id, Offer.status == "reserved")
    query = query.options(selectinload(Offer.need)).order_by(Offer.updated_at.desc(), Offer.id.desc()).limit(limit)
    return list(db.session.execute(query).scalars())


def offers_in_hand(coordinator: Person) -> tuple[list[Offer], list[Offer]]:
    """The group's open offers (as the dashboard lists them) and those set aside for a need."""
    return offers_for_group(coordinator), reserved_offers(coordinator)


def set_aside_for(need: Need) -> list[Offer]:
    """Offers reserved for, or given to, this need."""
    return list(db.session.execute(db.select(Offer).where(Offer.need_id == need.id).order_by(Offer.id)).scalars())
