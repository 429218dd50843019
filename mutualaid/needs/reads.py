"""Reading needs with the privacy rules applied, and coordinators' actions on them."""
from __future__ import annotations

from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from mutualaid.core.errors import NotFound, ServiceError
from mutualaid.core.permissions import require_coordinator
from mutualaid.domain.privacy import (contact_secrets, haversine_km, hide_contact_values, redact_details,
                                     rounded_distance_km)
from mutualaid.domain.refs import normalise_ref
from mutualaid.extensions import db
from mutualaid.models import Need, Offer, Person
from mutualaid.needs.near import nearest_open


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
    extra = ({"urgency": record.urgency} if isinstance(record, Need) else
             {"kind": record.kind, "quantity": record.quantity,
              "available_until": record.available_until.isoformat() if record.available_until else None})
    return _view(type(record).__name__.lower(), ref=record.ref, category=record.category,
                 details=public_details(record), status=record.status, created_at=record.created_at,
                 lat=record.public_lat, lon=record.public_lon, label=record.public_label, origin=origin,
                 now=now, **extra)


def _view(record_type: str, *, ref: str, category: str, details: str, status: str, created_at: datetime,
          lat: float | None, lon: float | None, label: str, origin: tuple[float, float] | None,
          now: datetime | None, **extra) -> dict:
    """The public view from plain values, for ORM records and for rows read as columns alike."""
    now = now or datetime.now(timezone.utc)
    located = lat is not None and lon is not None
    view = {
        "ref": ref,
        "type": record_type,
        "category": category,
        "details": details,
        "status": status,
        "created_at": created_at.isoformat(),
        "age_hours": round((now - created_at).total_seconds() / 3600, 1),
        "location": {
            "status": "known" if located else "unknown",
            "approximate_lat": lat,
            "approximate_lon": lon,
            "label": label,
        },
        **extra,
    }
    if origin is not None and located:
        view["distance_km"] = rounded_distance_km(haversine_km(*origin, lat, lon))
    return view


def public_details(record) -> str:
    """The stored public version of the details, with the owner's contact values hidden again in case they
    changed since it was written; a record without one (never saved through intake) is redacted here."""
    person = getattr(record, "requester", None) if isinstance(record, Need) else getattr(record, "person", None)
    contact = dict(name=getattr(person, "name", "") or "", address=record.address_text or "",
                   phone=getattr(person, "phone", "") or "", email=getattr(person, "email", "") or "")
    if record.public_details is None:
        return redact_details(record.details or "", secrets=contact_secrets(**contact))
    return hide_contact_values(record.public_details, **contact)


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
    """Open, located needs within `radius_km` of a point, nearest first (by approximate point), as
    (need, km); on a shared public point the older needs first. Practice needs are left out."""
    found = _nearest(lat, lon, radius_km, limit, category, group_id)
    loaded = {need.id: need for need in db.session.execute(
        db.select(Need).where(Need.id.in_([need_id for _, _, need_id in found]))
        .options(joinedload(Need.requester))).scalars()}
    return [(loaded[need_id], km) for km, _, need_id in found if not loaded[need_id].practice]


def public_needs_near(lat: float, lon: float, *, radius_km: float = 5.0, limit: int = 50,
                      category: str | None = None, group_id: int | None = None,
                      now: datetime | None = None) -> list[dict]:
    """The public views (with distance) of the needs `needs_near` finds, in its order: read as plain
    columns with their requesters' contact values, never as ORM objects, as the API and the
    volunteer's list ask for dozens at a time (on PostgreSQL, with the search, in one statement)."""
    found = _nearest(lat, lon, radius_km, limit, category, group_id, columns=VIEW_COLUMNS)
    now = now or datetime.now(timezone.utc)
    views = []
    for _km, _, _need_id, row in found:
        (ref, category, details, public, address, status, created_at, urgency, public_lat, public_lon, label,
         practice, name, phone, email) = row[-len(VIEW_COLUMNS):]  # by position: a row's names cost more
        if practice:
            continue
        contact = dict(name=name or "", address=address or "", phone=phone or "", email=email or "")
        details = (redact_details(details or "", secrets=contact_secrets(**contact))
                   if public is None else hide_contact_values(public, **contact))
        views.append(_view("need", ref=ref, category=category, details=details, status=status,
                           created_at=created_at, lat=public_lat, lon=public_lon, label=label, origin=(lat, lon),
                           now=now, urgency=urgency))  # measured as public_view does: the same 0.5 km step at a boundary
    return views


# What public_needs_near reads of each need and its requester.
VIEW_COLUMNS = (Need.ref, Need.category, Need.details, Need.public_details, Need.address_text, Need.status,
                Need.created_at, Need.urgency, Need.public_lat, Need.public_lon, Need.public_label, Need.practice,
                Person.name, Person.phone, Person.email)


def _nearest(lat: float, lon: float, radius_km: float, limit: int, category: str | None,
             group_id: int | None, columns: tuple = ()) -> list[tuple]:
    """(km, created_at, id) of the nearest open needs, after checking the point and the radius."""
    for name, value, low, high in (("lat", lat, -90, 90), ("lon", lon, -180, 180)):
        if not low <= value <= high:
            raise ServiceError(_l("That place is off the map."), field=name)
    if not 0 < radius_km <= 100:
        raise ServiceError(_l("Please choose a distance up to 100 km."), field="radius_km")
    return nearest_open(lat, lon, radius_km=radius_km, limit=limit, category=category, group_id=group_id,
                        columns=columns)


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
