"""The volunteer's view: needs near them that they can do, and the needs they have taken."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from mutualaid.core.errors import Forbidden
from mutualaid.extensions import db
from mutualaid.models import Claim, Person
from mutualaid.needs.reads import public_needs_near

URGENCY_ORDER = {"today": 0, "soon": 1, "this_week": 2}


@dataclass(frozen=True)
class NearbyQuery:
    """What a volunteer asked to see."""

    category: str | None = None
    km: float | None = None
    urgency: str | None = None
    limit: int = 50


def needs_for_volunteer(volunteer: Person, query: NearbyQuery = NearbyQuery(), *,
                        now: datetime | None = None) -> list[dict]:
    """Open needs within reach that the volunteer does, nearest first, as public views only."""
    profile = volunteer.volunteer
    if profile is None or not volunteer.is_approved_volunteer:
        raise Forbidden()
    if profile.home_lat is None:
        return []
    origin = (profile.home_lat, profile.home_lon)
    radius = min(query.km or profile.radius_km, 50.0)
    categories = set(profile.categories)
    if query.category:
        categories &= {query.category}
    found = public_needs_near(*origin, radius_km=radius, limit=max(query.limit * 4, 200),
                              group_id=volunteer.group_id, now=now)
    views = [view for view in found
             if view["category"] in categories and not (query.urgency and view["urgency"] != query.urgency)]
    return views[:query.limit]


def my_claims(volunteer: Person) -> list[Claim]:
    """The volunteer's claims, active first, then the recent finished ones."""
    claims = db.session.execute(db.select(Claim).where(Claim.volunteer_id == volunteer.id)
                                .order_by(Claim.id.desc()).limit(50)).scalars().all()
    return sorted(claims, key=lambda c: (c.status != "active", -c.id))


def map_points(views: list[dict]) -> list[dict]:
    """What the map may show: approximate points with the public fields only."""
    return [{"ref": v["ref"], "lat": v["location"]["approximate_lat"], "lon": v["location"]["approximate_lon"],
             "category": v["category"], "urgency": v.get("urgency"), "distance_km": v.get("distance_km"),
             "label": v["location"]["label"]} for v in views if v["location"]["approximate_lat"] is not None]


def now_utc() -> datetime:
    """The current time in UTC."""
    return datetime.now(timezone.utc)
