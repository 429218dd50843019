"""Builders for matcher tests: needs and volunteers placed by kilometres from one point."""
from __future__ import annotations

import math
import random

from mutualaid.matching import NeedRow, VolunteerRow
from mutualaid.matching.geometry import EARTH_RADIUS_KM

CENTRE = (51.5074, -0.1278)


def north_of(km: float, origin: tuple[float, float] = CENTRE) -> tuple[float, float]:
    """The point `km` due north of `origin` (great-circle distance exactly `km`)."""
    return origin[0] + math.degrees(km / EARTH_RADIUS_KM), origin[1]


def make_need(id: int = 1, at: tuple[float, float] | None = CENTRE, *, category: str = "groceries",
              language: str = "en", urgency: str = "soon", age_hours: float = 1.0) -> NeedRow:
    """A need with sensible defaults; `at=None` means not geocoded."""
    lat, lon = at if at is not None else (None, None)
    return NeedRow(id=id, lat=lat, lon=lon, category=category, language=language, urgency=urgency,
                   age_hours=age_hours)


def make_volunteer(id: int = 1, at: tuple[float, float] | None = CENTRE, *, radius_km: float = 3.0,
                   categories: tuple[str, ...] = ("groceries", "transport", "medicine"),
                   languages: tuple[str, ...] = ("en",), capacity: int = 1, load: int = 0, has_car: bool = False,
                   available: bool = True, vetted: bool = True, opted_out: bool = False) -> VolunteerRow:
    """A vetted, available volunteer with one free place, unless told otherwise."""
    lat, lon = at if at is not None else (None, None)
    return VolunteerRow(id=id, lat=lat, lon=lon, radius_km=radius_km, categories=frozenset(categories),
                        languages=frozenset(languages), capacity=capacity, load=load, has_car=has_car,
                        available=available, vetted=vetted, opted_out=opted_out)


def random_city(seed: int, n_needs: int = 300, n_volunteers: int = 250, box_km: float = 6.0
                ) -> tuple[list[NeedRow], list[VolunteerRow]]:
    """A small random neighbourhood: clustered needs and volunteers, mixed categories and languages."""
    rng = random.Random(seed)
    hubs = [(rng.uniform(0, box_km), rng.uniform(0, box_km)) for _ in range(6)]

    def point() -> tuple[float, float]:
        """A point near a random hub, as (lat, lon)."""
        x, y = rng.choice(hubs)
        x, y = x + rng.gauss(0, 0.4), y + rng.gauss(0, 0.4)
        return (CENTRE[0] + math.degrees(y / EARTH_RADIUS_KM),
                CENTRE[1] + math.degrees(x / (EARTH_RADIUS_KM * math.cos(math.radians(CENTRE[0])))))

    categories = ("groceries", "medicine", "transport", "company")
    needs = [make_need(i, point() if rng.random() > 0.03 else None, category=rng.choice(categories),
                       language=rng.choice(("en",) * 5 + ("es",)), urgency=rng.choice(("today", "soon", "this_week")),
                       age_hours=rng.uniform(0, 100)) for i in range(1, n_needs + 1)]
    volunteers = []
    for i in range(1, n_volunteers + 1):
        capacity = rng.choice((1, 1, 2, 3))
        volunteers.append(make_volunteer(
            1000 + i, point() if rng.random() > 0.02 else None, radius_km=rng.uniform(0.5, 2.5),
            categories=tuple(c for c in categories if rng.random() < 0.5) or ("groceries",),
            languages=("en", "es") if rng.random() < 0.2 else ("en",), capacity=capacity,
            load=rng.randint(0, capacity), has_car=rng.random() < 0.3, available=rng.random() < 0.95,
            vetted=rng.random() < 0.95))
    return needs, volunteers
