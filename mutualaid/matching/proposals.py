"""The matcher's stored proposals, read for the pages that show them (no commits)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import selectinload

from mutualaid.extensions import db
from mutualaid.matching.values import Reason
from mutualaid.models import Need, Offer, Proposal


@dataclass(frozen=True)
class ProposedHelp:
    """One stored proposal for a need: a volunteer or an offer, with the matcher's reasons (codes)."""

    kind: str  # "volunteer" or "offer"
    rank: int
    distance_km: float | None
    reasons: tuple[Reason, ...]
    found_at: datetime
    volunteer_id: int | None = None
    volunteer_name: str = ""
    offer_ref: str = ""
    offer_status: str = ""
    offer_category: str = ""
    offer_details: str = ""


@dataclass(frozen=True)
class ProposedNeed:
    """A need an offer was proposed for, as the offer's page lists it."""

    need_ref: str
    category: str
    urgency: str
    status: str
    place: str
    distance_km: float | None
    reasons: tuple[Reason, ...]
    found_at: datetime


def _coordinates(viewer, group_id: int) -> bool:
    """Whether `viewer` coordinates the group (and so may see every proposal)."""
    return bool(getattr(viewer, "is_coordinator", False)) and getattr(viewer, "group_id", None) == group_id


def _reasons(stored) -> tuple[Reason, ...]:
    """Stored JSON reasons as (code, value) pairs; anything malformed is skipped, never fatal."""
    return tuple((str(item[0]), item[1]) for item in stored or ()
                 if isinstance(item, (list, tuple)) and len(item) == 2)


def _help(row: Proposal) -> ProposedHelp:
    """One proposal row as plain values."""
    common = {"rank": row.rank, "distance_km": row.distance_km, "reasons": _reasons(row.reasons),
              "found_at": row.created_at}
    if row.offer is not None:
        return ProposedHelp("offer", offer_ref=row.offer.ref, offer_status=row.offer.status,
                            offer_category=row.offer.category, offer_details=row.offer.details, **common)
    return ProposedHelp("volunteer", volunteer_id=row.volunteer_id,
                        volunteer_name=row.volunteer.name if row.volunteer else "", **common)


def proposals_for(need: Need, viewer) -> list[ProposedHelp]:
    """The stored proposals for a need: volunteers, then offers, each best first.

    Coordinators of the need's group see them all; anyone else sees only a proposal of themselves.
    """
    query = db.select(Proposal).where(Proposal.need_id == need.id)
    if not _coordinates(viewer, need.group_id):
        viewer_id = getattr(viewer, "id", None) if getattr(viewer, "is_authenticated", False) else None
        if viewer_id is None:
            return []
        query = query.where(Proposal.volunteer_id == viewer_id)
    rows = db.session.execute(query.options(selectinload(Proposal.volunteer), selectinload(Proposal.offer))).scalars()
    return [_help(row) for row in sorted(rows, key=lambda r: (r.offer_id is not None, r.rank, r.id))]


def needs_proposed_for(offer: Offer, viewer) -> list[ProposedNeed]:
    """The needs the matcher proposed this offer for, nearest first; only for the offer group's coordinators."""
    if not _coordinates(viewer, offer.group_id):
        return []
    rows = db.session.execute(db.select(Proposal).where(Proposal.offer_id == offer.id)
                              .options(selectinload(Proposal.need))).scalars()
    return [ProposedNeed(row.need.ref, row.need.category, row.need.urgency, row.need.status, row.need.public_label,
                         row.distance_km, _reasons(row.reasons), row.created_at)
            for row in sorted(rows, key=lambda r: (r.score, r.id))]
