"""Placing a need or offer: geocode what was typed, keep it private, derive the public point."""
from __future__ import annotations

from dataclasses import dataclass

from mutualaid.core.errors import NotSetUp
from mutualaid.domain.privacy import approximate_point, haversine_km
from mutualaid.extensions import db
from mutualaid.geo.gateway import get_geocoding
from mutualaid.models import Group, Need

# How far outside a group's radius a place may be before it counts as out of area.
AREA_MARGIN_KM = 2.0


@dataclass(frozen=True)
class Placement:
    """Where something is: status, private point, public point and label, postcode."""

    status: str  # located | approximate | unknown | ambiguous | out_of_area | not_found
    exact: tuple[float, float] | None = None
    public: tuple[float, float] | None = None
    label: str = ""
    postcode: str | None = None

    def apply_to(self, record) -> None:
        """Copy this placement onto a Need or Offer (the address text is set by the caller)."""
        record.location_status = self.status
        record.postcode = self.postcode
        record.exact_lat, record.exact_lon = self.exact or (None, None)
        record.public_lat, record.public_lon = self.public or (None, None)
        record.public_label = self.label[:120]


def in_area(group: Group, lat: float, lon: float) -> bool:
    """Whether a point lies within the group's service area (with a small margin)."""
    return haversine_km(group.centre_lat, group.centre_lon, lat, lon) <= group.radius_km + AREA_MARGIN_KM


def neighbouring_group(need: Need) -> Group | None:
    """Another group whose area covers the need, for a referral."""
    if need.exact_lat is None:
        return None
    for group in db.session.execute(db.select(Group).where(Group.id != need.group_id).order_by(Group.id)).scalars():
        if in_area(group, need.exact_lat, need.exact_lon):
            return group
    return None


def locate(text: str, *, allow_online: bool = True) -> Placement:
    """Geocode `text`; a place that cannot be found is 'unknown'/'not_found', never an error.

    With `allow_online=False` (paths that must answer fast, such as the SMS webhook), a place
    only an online geocoder could find is left 'pending' for a background job.
    """
    if not text.strip():
        return Placement("unknown")
    result = get_geocoding().locate(text, allow_online=allow_online)
    if result.status == "deferred":
        return Placement("pending")
    if result.status != "found":
        status = {"ambiguous": "ambiguous", "no_postcode": "unknown"}.get(result.status, "not_found")
        return Placement(status)
    exact = (result.lat, result.lon)
    status = "located" if result.precision in ("postcode", "address") else "approximate"
    return Placement(status, exact, approximate_point(*exact), result.label, result.postcode)


def choose_group(placement: Placement, groups: list[Group]) -> tuple[Group, Placement]:
    """The group whose area holds the place (nearest centre wins); else the first, flagged out of area."""
    if not groups:
        raise NotSetUp()
    if placement.exact is None:
        return groups[0], _with_label(placement, groups[0])
    inside = [g for g in groups if in_area(g, *placement.exact)]
    if inside:
        group = min(inside, key=lambda g: haversine_km(g.centre_lat, g.centre_lon, *placement.exact))
        return group, _with_label(placement, group)
    out = Placement("out_of_area", placement.exact, placement.public, placement.label, placement.postcode)
    return groups[0], _with_label(out, groups[0])


def _with_label(placement: Placement, group: Group) -> Placement:
    """Fill an empty public label with the group's name (an area, never an address)."""
    if placement.label:
        return placement
    return Placement(placement.status, placement.exact, placement.public, group.name, placement.postcode)


