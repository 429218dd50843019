"""Reading needs with the privacy rules applied, and coordinators' actions on them."""
from __future__ import annotations

import math
from datetime import datetime, timezone

import numpy as np
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from mutualaid.core.errors import NotFound, ServiceError
from mutualaid.core.permissions import require_coordinator
from mutualaid.domain.privacy import contact_secrets, haversine_km, hide_secrets, redact_details, rounded_distance_km
from mutualaid.domain.refs import normalise_ref
from mutualaid.extensions import db
from mutualaid.matching.geometry import haversine_km as great_circle_km
from mutualaid.models import Need, Offer, Person

EARTH_RADIUS_KM = 6371.0088  # the sphere haversine_km measures on
FIRST_REACH_KM = 0.5  # needs_near looks this far first, then further until it has enough


def get_by_ref(model, ref: str | None):
    """The need or offer with this public reference, or NotFound."""
    ref = normalise_ref(ref)
    record = None
    if ref:
        record = db.session.execute(db.select(model).where(model.ref == ref)).scalar_one_or_none()
    if record is None:
        raise NotFound()
    return record


def can_see_private(need: Need, viewer: Person | None) -> bool:
    """Coordinators of the need's group, and the volunteer with the active claim, see details."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.is_coordinator and viewer.group_id == need.group_id:
        return True
    claim = need.active_claim
    return claim is not None and claim.volunteer_id == viewer.id


def public_view(record, *, origin: tuple[float, float] | None = None, now: datetime | None = None) -> dict:
    """What anyone may see of a need or offer: no name, phone, address or exact point."""
    now = now or datetime.now(timezone.utc)
    view = {
        "ref": record.ref,
        "type": type(record).__name__.lower(),
        "category": record.category,
        "details": public_details(record),
        "status": record.status,
        "created_at": record.created_at.isoformat(),
        "age_hours": round((now - record.created_at).total_seconds() / 3600, 1),
        "location": {
            "status": "known" if record.is_located else "unknown",
            "approximate_lat": record.public_lat,
            "approximate_lon": record.public_lon,
            "label": record.public_label,
        },
    }
    if isinstance(record, Need):
        view["urgency"] = record.urgency
    else:
        view.update(kind=record.kind, quantity=record.quantity,
                    available_until=record.available_until.isoformat() if record.available_until else None)
    if origin is not None and record.is_located:
        view["distance_km"] = rounded_distance_km(haversine_km(*origin, record.public_lat, record.public_lon))
    return view


def public_details(record) -> str:
    """The stored public version of the details, with the owner's contact values hidden again in case they
    changed since it was written; a record without one (never saved through intake) is redacted here."""
    person = getattr(record, "requester", None) if isinstance(record, Need) else getattr(record, "person", None)
    secrets = contact_secrets(name=getattr(person, "name", "") or "", address=record.address_text or "",
                              phone=getattr(person, "phone", "") or "", email=getattr(person, "email", "") or "")
    if record.public_details is None:
        return redact_details(record.details or "", secrets=secrets)
    return hide_secrets(record.public_details, secrets)


def private_view(need: Need) -> dict:
    """Everything needed to help: the public view plus name, address and exact point."""
    view = public_view(need)
    view["public_details"] = view["details"]
    view["details"] = need.details
    view["private"] = {
        "name": need.requester.name if need.requester else "",
        "address": need.address_text,
        "postcode": need.postcode,
        "exact_lat": need.exact_lat,
        "exact_lon": need.exact_lon,
        "location_status": need.location_status,
    }
    return view


def needs_near(lat: float, lon: float, *, radius_km: float = 5.0, limit: int = 50,
               category: str | None = None, group_id: int | None = None) -> list[tuple[Need, float]]:
    """Open, located needs within `radius_km` of a point, nearest first (by approximate point).

    Looks within FIRST_REACH_KM first and further only while fewer than `limit` needs are found,
    reading just ids, points and ages from the index; only the needs returned are loaded, with
    their requesters, in one query (public_view reads requesters to redact details).
    """
    for name, value, low, high in (("lat", lat, -90, 90), ("lon", lon, -180, 180)):
        if not low <= value <= high:
            raise ServiceError(_l("That place is off the map."), field=name)
    if not 0 < radius_km <= 100:
        raise ServiceError(_l("Please choose a distance up to 100 km."), field="radius_km")
    reach = min(radius_km, FIRST_REACH_KM)
    while True:
        found = _open_within(lat, lon, reach, category, group_id)  # every open need within `reach`
        if len(found) >= limit or reach >= radius_km:
            break
        grow = math.sqrt(2.0 * limit / len(found)) if found else 4.0  # aim past `limit` next time
        reach = min(radius_km, reach * max(2.0, grow))
    found.sort()  # nearest first; on a shared public point (a 400 m grid), the older needs first
    found = found[:limit]
    loaded = {need.id: need for need in db.session.execute(
        db.select(Need).where(Need.id.in_([need_id for _, _, need_id in found]))
        .options(joinedload(Need.requester))).scalars()}
    # Practice needs (from the SMS simulator) are left out here rather than in the index scan, which
    # the index covers; there are only ever a few of them.
    return [(loaded[need_id], km) for km, _, need_id in found if not loaded[need_id].practice]


def _open_within(lat: float, lon: float, reach_km: float, category: str | None,
                 group_id: int | None) -> list[tuple[float, datetime, int]]:
    """(distance, created_at, id) of every open need within `reach_km`: the circle's bounding box
    on the ix_need_open_nearby index (which holds all three), then the exact distance."""
    rho = reach_km / EARTH_RADIUS_KM  # the circle's angular radius
    cos_lat = math.cos(math.radians(lat))
    dlat = math.degrees(rho) * (1 + 1e-9)
    dlon = 180.0 if math.sin(rho) >= cos_lat else math.degrees(math.asin(math.sin(rho) / cos_lat)) * (1 + 1e-9)
    query = db.select(Need.id, Need.public_lat, Need.public_lon, Need.created_at).where(
        Need.status == "open",
        Need.public_lat.between(lat - dlat, lat + dlat),
        Need.public_lon.between(lon - dlon, lon + dlon),
    )
    if category:
        query = query.where(Need.category == category)
    if group_id is not None:
        query = query.where(Need.group_id == group_id)
    rows = db.session.execute(query).all()
    if not rows:
        return []
    ids, lats, lons, created = zip(*rows)
    distances = great_circle_km(lat, lon, np.array(lats, dtype=float), np.array(lons, dtype=float))  # all at once
    inside = np.flatnonzero(distances <= reach_km)
    return [(float(distances[i]), created[i], ids[i]) for i in inside]


def needs_for_coordinator(coordinator: Person, *, status: str | None = None,
                          location_problem: bool = False, limit: int = 200) -> list[Need]:
    """The group's needs for its coordinators; those with a location problem can be listed first."""
    require_coordinator(coordinator)
    query = db.select(Need).where(Need.group_id == coordinator.group_id)
    if status:
        query = query.where(Need.status == status)
    if location_problem:
        query = query.where(Need.location_status.in_(("unknown", "not_found", "ambiguous", "out_of_area")),
                            Need.status.in_(("draft", "open")))
    return list(db.session.execute(query.order_by(Need.created_at.desc()).limit(limit)).scalars())


def offers_for_group(coordinator: Person, limit: int = 200) -> list[Offer]:
    """The group's open offers, newest first, for coordinators."""
    require_coordinator(coordinator)
    query = db.select(Offer).where(Offer.group_id == coordinator.group_id, Offer.status == "open")
    return list(db.session.execute(query.order_by(Offer.created_at.desc()).limit(limit)).scalars())
