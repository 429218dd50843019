"""Finding the open needs nearest a point, on any database, with one ordinary b-tree index.

The index ix_need_open_strips keys open needs by (status, strip, public_lon, ...), where a strip is
a band of latitude 1/STRIPS_PER_DEGREE degrees high: `CAST(public_lat * STRIPS_PER_DEGREE AS
INTEGER)`, computed by the database itself, so nothing has to keep it in step when a need's point
changes. A search
lists the strips the circle's bounding box touches and reads, in each, only the needs between its
west and east edges: one short range of the index per strip, instead of every need in the box's
whole band of latitude. Exact great-circle distances are then measured here (numpy), so the answer
is the same on SQLite and PostgreSQL, with or without PostGIS.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from sqlalchemy import Float, Integer, bindparam, case, func, literal_column, or_

from mutualaid.extensions import db
from mutualaid.matching.geometry import haversine_km as great_circle_km
from mutualaid.models import Need, Person
from mutualaid.models.need import STRIP_SQL, STRIPS_PER_DEGREE

EARTH_RADIUS_KM = 6371.0088  # the sphere haversine_km measures on
FIRST_REACH_KM = 0.5  # the search looks this far first, then further until it has enough
# On PostgreSQL the database cuts the candidates to the nearest few before sending them, so a wider
# first look costs little and more often saves a second round trip (measured at 300,000 and 1,000,000).
FIRST_REACH_KM_RANKED = 1.0
TIE_SLACK_KM = 1e-6  # far above any difference between the database's float sums and numpy's
NO_CUT_KM = 1e9  # fewer needs than asked for in the box: keep them all
NEGLIGIBLE = 1e-50  # a sine this small counts as 0 in the database's distances (see _square)
# Written out, not bound as a parameter, so the database matches it to the index's expression.
STRIP = literal_column(STRIP_SQL, Integer)


def nearest_open(lat: float, lon: float, *, radius_km: float, limit: int, category: str | None = None,
                 group_id: int | None = None, columns: tuple = ()) -> list[tuple]:
    """(distance km, created_at, id) of the `limit` open needs nearest (lat, lon) within `radius_km`,
    nearest first; on a shared public point (a 400 m grid) the older needs first. With `columns` (of
    the need and its requester), each also carries a row of them.

    Looks within FIRST_REACH_KM (or _RANKED) first and further only while fewer than `limit` are found. On
    PostgreSQL the rows come with the search, in one round trip (see open_within).
    """
    ranked = bool(columns) and db.session.get_bind().dialect.name == "postgresql"
    reach = min(radius_km, FIRST_REACH_KM_RANKED if ranked else FIRST_REACH_KM)
    while True:
        found = open_within(lat, lon, reach, category, group_id, columns=columns if ranked else (),
                            keep=limit if ranked else None)  # every open need within `reach` (or its nearest)
        if len(found) >= limit or reach >= radius_km:
            break
        grow = math.sqrt(2.0 * limit / len(found)) if found else 4.0  # aim past `limit` next time
        reach = min(radius_km, reach * max(2.0, grow))
    found.sort(key=lambda item: item[:3])
    found = found[:limit]
    if columns and not ranked:
        rows = {row[0]: row for row in db.session.execute(
            _with_requester(db.select(Need.id, *columns)).where(Need.id.in_([item[2] for item in found])))}
        found = [(km, created, need_id, rows[need_id]) for km, created, need_id in found]
    return found


def open_within(lat: float, lon: float, reach_km: float, category: str | None = None,
                group_id: int | None = None, *, columns: tuple = (), keep: int | None = None) -> list[tuple]:
    """(distance, created_at, id) of every open need within `reach_km` of (lat, lon), in no order.

    With `keep` (PostgreSQL), only those the database measures as no further than its `keep`-th
    nearest (with TIE_SLACK_KM more, so every need the exact measure here could rank among them,
    ties included, is kept), each with a row of `columns`: the search and the rows in one statement.
    """
    south, north, lon_ranges = bounding_box(lat, lon, reach_km)
    strips = list(range(math.floor(south * STRIPS_PER_DEGREE), math.ceil(north * STRIPS_PER_DEGREE) + 1))
    values = {"strips": strips, "south": south, "north": north, "category": category, "group_id": group_id,
              "lat1": math.radians(lat), "cos_lat1": math.cos(math.radians(lat)), "lon": lon,
              "offset": (keep or 1) - 1}
    for i, (west, east) in enumerate(lon_ranges):
        values[f"west{i}"], values[f"east{i}"] = west, east
    query = _within_statement(len(lon_ranges), bool(category), group_id is not None, bool(keep), columns)
    rows = db.session.execute(query, values).all()
    if not rows:
        return []
    ids, lats, lons, created = zip(*(row[:4] for row in rows))
    distances = great_circle_km(lat, lon, np.array(lats, dtype=float), np.array(lons, dtype=float))  # all at once
    inside = np.flatnonzero(distances <= reach_km)
    if keep:
        return [(float(distances[i]), created[i], ids[i], rows[i]) for i in inside]
    return [(float(distances[i]), created[i], ids[i]) for i in inside]


@lru_cache(maxsize=128)
def _within_statement(n_ranges: int, category: bool, group: bool, keep: bool, columns: tuple):
    """The search's statement for one shape of search, with every value a bound parameter: built once
    per shape and reused, so a search neither rebuilds the expression nor its cache key (about a
    millisecond a request)."""
    query = db.select(Need.id, Need.public_lat, Need.public_lon, Need.created_at).where(
        Need.status == "open", STRIP.in_(bindparam("strips", expanding=True)),
        Need.public_lat.between(bindparam("south", type_=Float), bindparam("north", type_=Float)))
    if n_ranges:
        query = query.where(or_(*(Need.public_lon.between(bindparam(f"west{i}", type_=Float),
                                                          bindparam(f"east{i}", type_=Float))
                                  for i in range(n_ranges))))
    else:
        query = query.where(Need.public_lon.is_not(None))
    if category:
        query = query.where(Need.category == bindparam("category"))
    if group:
        query = query.where(Need.group_id == bindparam("group_id"))
    if keep:
        candidates = query.add_columns(_sphere_km().label("km")).cte("candidates")
        cut = (db.select(candidates.c.km).order_by(candidates.c.km).offset(bindparam("offset", type_=Integer))
               .limit(1).scalar_subquery())
        query = (_with_requester(db.select(candidates.c.id, candidates.c.public_lat, candidates.c.public_lon,
                                           candidates.c.created_at, *columns)
                                 .select_from(candidates).join(Need, Need.id == candidates.c.id))
                 .where(candidates.c.km <= func.coalesce(cut, NO_CUT_KM) + TIE_SLACK_KM))
    return query


def _with_requester(query):
    """The query with the need's requester joined (outer: a need may have none)."""
    return query.outerjoin(Person, Person.id == Need.requester_id)


def _sphere_km():
    """SQL for the haversine distance from the point bound as lat1 (radians), cos_lat1 and lon to a
    need's public point, as haversine_km measures it; used only to choose which needs to read, never
    to rank them."""
    lat1, cos_lat1, lon = (bindparam(name, type_=Float) for name in ("lat1", "cos_lat1", "lon"))
    half_dlat = func.sin((func.radians(Need.public_lat) - lat1) / 2)
    half_dlon = func.sin(func.radians(Need.public_lon - lon) / 2)
    a = _square(half_dlat) + cos_lat1 * func.cos(func.radians(Need.public_lat)) * _square(half_dlon)
    return 2 * EARTH_RADIUS_KM * func.asin(func.sqrt(func.least(func.greatest(a, 0.0), 1.0)))


def _square(value):
    """value * value, or 0 when value is under NEGLIGIBLE: PostgreSQL answers a product too small for a
    float with an error ("value out of range: underflow"), not 0, and a point a hair off a need's (an
    API caller's lat=1e-200 beside a need on the equator) would have failed the whole search. Dropping
    it changes a distance by under 1e-40 km, far inside TIE_SLACK_KM; the products that follow (the
    cosines are at least 6e-17) stay far above the smallest float."""
    return case((func.abs(value) < NEGLIGIBLE, 0.0), else_=value * value)


def bounding_box(lat: float, lon: float, reach_km: float) -> tuple[float, float, list[tuple[float, float]]]:
    """South, north and the (west, east) longitude ranges holding every point within `reach_km`; no
    ranges when the circle takes in a pole (every longitude), two when it crosses the antimeridian."""
    rho = reach_km / EARTH_RADIUS_KM  # the circle's angular radius
    dlat = math.degrees(rho) * (1 + 1e-9)
    south, north = lat - dlat, lat + dlat
    cos_lat = math.cos(math.radians(lat))
    if north >= 90 or south <= -90 or math.sin(rho) >= cos_lat:
        return south, north, []
    dlon = math.degrees(math.asin(math.sin(rho) / cos_lat)) * (1 + 1e-9)
    if dlon >= 180:
        return south, north, []
    west, east = lon - dlon, lon + dlon
    if west < -180:
        return south, north, [(west + 360, 180.0), (-180.0, east)]
    if east > 180:
        return south, north, [(west, 180.0), (-180.0, east - 360)]
    return south, north, [(west, east)]
