"""Needs near me equals a brute-force search over every need, wherever on Earth (hypothesis).

The reference measures every need with the same great-circle distance and keeps the open ones
within the radius, nearest first, older first on a shared point, the first `limit`, less practice
needs. Needs are placed at random, near the point, on the radius's edge, on shared points, at the
poles and across the antimeridian; there may be none or one.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert
from sqlalchemy import event as sqlalchemy_event

from mutualaid.extensions import db
from mutualaid.matching.geometry import haversine_km
from mutualaid.models import Need, Person
from mutualaid.needs.near import bounding_box, open_within
from mutualaid.needs.reads import needs_near, public_needs_near, public_view
from tests.builders import make_group

START = datetime(2026, 11, 1, 9, tzinfo=timezone.utc)
EXAMPLES = 60

latitudes = st.one_of(st.floats(-90, 90), st.sampled_from([90.0, -90.0, 89.999, -89.999, 0.0, 51.5]))
longitudes = st.one_of(st.floats(-180, 180), st.sampled_from([180.0, -180.0, 179.999, -179.999, 0.0]))
placements = st.one_of(
    st.tuples(st.just("anywhere"), latitudes, longitudes),
    # near the point: a bearing and a share of the radius (1.0 is on the edge, a little more is just out)
    st.tuples(st.just("near"), st.floats(0, 360), st.one_of(st.floats(0, 1.2), st.sampled_from([1.0, 0.999999]))),
    st.tuples(st.just("same as last"), st.just(0), st.just(0)),
)
needs_ = st.lists(st.tuples(placements, st.integers(0, 30), st.sampled_from(["open", "open", "open", "fulfilled"]),
                            st.sampled_from(["groceries", "medicine"]), st.integers(0, 9)), max_size=25)


def destination(lat: float, lon: float, bearing: float, km: float) -> tuple[float, float]:
    """The point `km` from (lat, lon) along `bearing` on the sphere haversine_km measures on."""
    d, b = km / 6371.0088, math.radians(bearing)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(max(-1.0, min(1.0, math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180


def reference(rows, lat, lon, radius_km, limit, category):
    """Every need measured: the open ones within reach, nearest then oldest then first made, cut at
    `limit`, less practice needs."""
    measured = []
    for row in rows:
        if row["status"] != "open" or (category and row["category"] != category):
            continue
        km = float(haversine_km(lat, lon, np.array([row["public_lat"]]), np.array([row["public_lon"]]))[0])
        if km <= radius_km:
            measured.append((km, row["created_at"], row["id"], row["practice"]))
    measured.sort()
    return [(need_id, km) for km, _, need_id, practice in measured[:limit] if not practice]


@pytest.fixture
def requester(app):
    """One group and one requester for every example."""
    group = make_group()
    person = Person(role="neighbour", group_id=group.id, name="Ada Lovelace", phone="+447911123456")
    db.session.add(person)
    db.session.commit()
    return group.id, person.id


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lat=latitudes, lon=longitudes, radius_km=st.one_of(st.floats(0.05, 100), st.sampled_from([0.5, 5.0, 100.0])),
       limit=st.integers(1, 8), category=st.sampled_from([None, "groceries"]), needs=needs_,
       practice=st.lists(st.integers(0, 24), max_size=3))
@example(lat=0.0, lon=0.0, radius_km=5.0, limit=3, category=None, needs=[], practice=[])
@example(lat=51.5, lon=-0.1, radius_km=5.0, limit=3, category=None, practice=[],
         needs=[(("near", 90.0, 1.0), 0, "open", "groceries", 0)])
@example(lat=10.0, lon=179.99, radius_km=50.0, limit=5, category=None, practice=[],
         needs=[(("near", 90.0, 0.5), 0, "open", "groceries", 0),
                (("near", 270.0, 0.5), 1, "open", "groceries", 0)])
@example(lat=89.99, lon=0.0, radius_km=20.0, limit=5, category=None, practice=[],
         needs=[(("near", 180.0, 0.9), 0, "open", "groceries", 0),
                (("anywhere", 90.0, 123.0), 1, "open", "groceries", 0),
                (("anywhere", 89.95, -170.0), 2, "open", "groceries", 0)])
@example(lat=0.0, lon=1e-200, radius_km=5.0, limit=3, category=None, practice=[],  # a square that underflows
         needs=[(("anywhere", 0.0, 0.0), 0, "open", "groceries", 0),
                (("anywhere", 1e-200, 0.0), 1, "open", "groceries", 0)])
def test_needs_near_equals_a_brute_force_search(app, requester, lat, lon, radius_km, limit, category, needs,
                                                practice):
    group_id, person_id = requester
    db.session.execute(delete(Need))
    rows, last = [], (lat, lon)
    for i, ((how, a, b), hours, status, kind, minutes) in enumerate(needs):
        if how == "anywhere":
            point = (a, b)
        elif how == "near":
            point = destination(lat, lon, a, b * radius_km)
        else:
            point = last
        last = point
        rows.append(dict(id=i + 1, ref=f"T{i:04d}", group_id=group_id, requester_id=person_id, category=kind,
                         details=f"Need {i} for Ada", public_details=f"Need {i} for [name]", status=status,
                         public_lat=point[0], public_lon=point[1], public_label="E8 3", location_status="located",
                         created_at=START + timedelta(hours=hours, minutes=minutes), practice=i in practice))
    if rows:
        db.session.execute(insert(Need), rows)
    db.session.commit()

    expected = reference(rows, lat, lon, radius_km, limit, category)
    found = needs_near(lat, lon, radius_km=radius_km, limit=limit, category=category)
    assert [need.id for need, _ in found] == [need_id for need_id, _ in expected]
    assert [km for _, km in found] == pytest.approx([km for _, km in expected], abs=1e-9)

    now = START + timedelta(days=3)
    views = public_needs_near(lat, lon, radius_km=radius_km, limit=limit, category=category, now=now)
    assert views == [public_view(need, origin=(lat, lon), now=now) for need, _ in found]
    db.session.rollback()


def test_the_box_holds_the_whole_circle_across_the_antimeridian_and_over_a_pole():
    """Longitudes wrap: two ranges across ±180°, none (every longitude) when a pole is inside."""
    dlon = math.degrees(5.0 / 6371.0088)  # at the equator
    assert bounding_box(0.0, 179.99, 5.0)[2] == [(pytest.approx(179.99 - dlon), 180.0),
                                                 (-180.0, pytest.approx(179.99 + dlon - 360))]
    assert bounding_box(0.0, -179.99, 5.0)[2] == [(pytest.approx(-179.99 - dlon + 360), 180.0),
                                                  (-180.0, pytest.approx(-179.99 + dlon))]
    assert bounding_box(89.99, 10.0, 5.0)[2] == []
    south, north, ranges = bounding_box(51.5, -0.1, 5.0)
    assert len(ranges) == 1 and south < 51.5 < north


def test_the_search_reads_one_range_of_the_strips_index_per_strip(app, backend):
    """The strip is written out in the query exactly as in the index, so the database uses the index
    (a bound parameter in its place would not match the index's expression)."""
    statements = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    sqlalchemy_event.listen(db.engine, "before_cursor_execute", grab)
    try:
        open_within(51.5, -0.1, 5.0)
    finally:
        sqlalchemy_event.remove(db.engine, "before_cursor_execute", grab)
    statement, parameters = statements[-1]
    connection = db.session.connection()
    if backend == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = " ".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
    else:
        plan = " ".join(row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
    assert "ix_need_open_strips" in plan
    db.session.rollback()
