"""Small instances (0-8 needs, 0-8 volunteers), by example and by hypothesis, against a brute-force reference.

The reference re-states the hard rules in plain Python (candidates.py's docstring lists them) and
counts the most needs any assignment can serve by augmenting paths over volunteers' free places.
Points sit on a 500 m grid (2 km across) and radii are odd quarters of a km (or 0), so no pair is
within 40 m of a volunteer's radius unless at distance 0: the reference's distances and the
matcher's never disagree on who reaches whom.
"""
from __future__ import annotations

import math
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mutualaid.domain.categories import URGENCIES
from mutualaid.matching import (LOCATION_UNKNOWN, NOBODY_FREE, UNMATCHED_REASONS, candidates_for, match_all,
                                match_exact, match_greedy)
from tests.matching.builders import CENTRE, make_need, make_volunteer, north_of

EARTH_KM = 6371.0088
SMALL = settings(max_examples=60, deadline=None, database=None)  # database=None: nothing written to the tree
CATEGORIES = ("groceries", "transport", "household")
RADII = (4.75, 2.75, 2.75, 1.25, 1.25, 0.75, 0.25, 0.0)


# --- the reference ------------------------------------------------------------------------------

def km_between(need, volunteer) -> float:
    """Great-circle distance (haversine, written out here rather than taken from the matcher)."""
    phi1, phi2 = math.radians(need.lat), math.radians(volunteer.lat)
    dphi, dlam = phi2 - phi1, math.radians(volunteer.lon - need.lon)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(a))


def spare(volunteer) -> int:
    """Free places: capacity less active claims, never below zero."""
    return max(volunteer.capacity - volunteer.load, 0)


def fits(need, volunteer) -> bool:
    """Every hard rule: both located, vetted, available, not opted out, a free place, skills, car, reach."""
    return (need.lat is not None and volunteer.lat is not None and volunteer.vetted and volunteer.available
            and not volunteer.opted_out and spare(volunteer) > 0 and need.category in volunteer.categories
            and need.language in volunteer.languages and (need.category != "transport" or volunteer.has_car)
            and km_between(need, volunteer) <= volunteer.radius_km)


def most_matchable(needs, volunteers) -> int:
    """The most needs any assignment can serve (Kuhn's augmenting paths, a volunteer holding up to `spare`)."""
    options = {n.id: [v.id for v in volunteers if fits(n, v)] for n in needs}
    room = {v.id: spare(v) for v in volunteers}
    held: dict[int, list[int]] = {v.id: [] for v in volunteers}

    def place(need_id: int, seen: set[int]) -> bool:
        """Find need_id a place, moving needs already placed along an augmenting path if that helps."""
        for vid in options[need_id]:
            if vid in seen:
                continue
            seen.add(vid)
            if len(held[vid]) < room[vid]:
                held[vid].append(need_id)
                return True
            for other in list(held[vid]):
                if place(other, seen):
                    held[vid].remove(other)
                    held[vid].append(need_id)
                    return True
        return False

    return sum(place(n.id, set()) for n in needs)


def check_result(result, needs, volunteers):
    """What every matching result must satisfy: rules kept, places respected, one outcome and reason per need."""
    need_by_id, vol_by_id = {n.id: n for n in needs}, {v.id: v for v in volunteers}
    assert set(result.assignments) | set(result.unmatched) == set(need_by_id)
    assert not set(result.assignments) & set(result.unmatched)
    for need_id, proposal in result.assignments.items():
        need, volunteer = need_by_id[need_id], vol_by_id[proposal.volunteer_id]
        assert proposal.need_id == need_id and fits(need, volunteer)
        assert proposal.distance_km == pytest.approx(km_between(need, volunteer), abs=1e-6)
    assert all(count <= spare(vol_by_id[vid]) for vid, count in result.load_added().items())
    for need_id, reason in result.unmatched.items():
        need = need_by_id[need_id]
        assert reason in UNMATCHED_REASONS
        assert (reason == LOCATION_UNKNOWN) == (need.lat is None)
        if any(fits(need, v) for v in volunteers):
            assert reason == NOBODY_FREE


def room_after(result, volunteers) -> dict[int, int]:
    """Free places each volunteer has left once the result's proposals are taken."""
    added = result.load_added()
    return {v.id: spare(v) - added.get(v.id, 0) for v in volunteers}


# --- random small instances ----------------------------------------------------------------------

def grid_point(east: int, north: int) -> tuple[float, float]:
    """A point `east` and `north` half-kilometre steps from the centre."""
    lat = CENTRE[0] + math.degrees(0.5 * north / EARTH_KM)
    return lat, CENTRE[1] + math.degrees(0.5 * east / (EARTH_KM * math.cos(math.radians(CENTRE[0]))))


points = st.builds(grid_point, st.integers(0, 4), st.integers(0, 4))
places = st.sampled_from((True,) * 5 + (False,)).flatmap(lambda located: points if located else st.none())
MOSTLY_TRUE = st.sampled_from((True,) * 7 + (False,))
OFFERS = (CATEGORIES, CATEGORIES, ("groceries", "household"), ("groceries",), ("transport",), ())
SPEAKS = (("en",), ("en",), ("en", "es"), ("es",))
NEED_LANGUAGES = ("en", "en", "en", "es")


@st.composite
def needs_(draw):
    """0-8 needs, mostly in English, some not geocoded."""
    count = draw(st.integers(0, 8))
    return [make_need(i, draw(places), category=draw(st.sampled_from(CATEGORIES)),
                      language=draw(st.sampled_from(NEED_LANGUAGES)),
                      urgency=draw(st.sampled_from(URGENCIES)), age_hours=draw(st.floats(0, 200)))
            for i in range(1, count + 1)]


@st.composite
def volunteers_(draw):
    """0-8 volunteers: any capacity and load (full ones too), skills, reach, car and status."""
    count, found = draw(st.integers(0, 8)), []
    for i in range(count):
        capacity = draw(st.integers(1, 3))
        found.append(make_volunteer(
            100 + i, draw(places), radius_km=draw(st.sampled_from(RADII)),
            categories=draw(st.sampled_from(OFFERS)), languages=draw(st.sampled_from(SPEAKS)),
            capacity=capacity, load=draw(st.just(0) | st.integers(0, capacity + 1)), has_car=draw(st.booleans()),
            available=draw(MOSTLY_TRUE), vetted=draw(MOSTLY_TRUE), opted_out=not draw(MOSTLY_TRUE)))
    return found


@SMALL
@given(needs_(), volunteers_())
def test_the_pass_matches_the_most_needs_possible_at_the_exact_references_cost(needs, volunteers):
    most, exact = most_matchable(needs, volunteers), match_exact(needs, volunteers)
    for result in (match_all(needs, volunteers), match_all(needs, volunteers, k=None), exact):
        check_result(result, needs, volunteers)
        assert result.matched == most
        assert result.stats["total_cost"] == pytest.approx(exact.stats["total_cost"], abs=1e-3 * (most + 1))


@SMALL
@given(needs_(), volunteers_())
def test_greedy_keeps_the_rules_and_never_matches_more_than_the_pass(needs, volunteers):
    greedy = match_greedy(needs, volunteers)
    check_result(greedy, needs, volunteers)
    assert greedy.matched <= match_all(needs, volunteers).matched


@SMALL
@given(needs_(), volunteers_(), st.integers(1, 3))
def test_a_pruned_pass_leaves_no_need_out_while_someone_in_reach_has_room(needs, volunteers, k):
    result = match_all(needs, volunteers, k=k, prune_above=0)
    check_result(result, needs, volunteers)
    room, vol_by_id = room_after(result, volunteers), {v.id: v for v in volunteers}
    for need in needs:
        if need.id in result.unmatched:
            assert not [vid for vid, left in room.items() if left > 0 and fits(need, vol_by_id[vid])]
    assert match_greedy(needs, volunteers, k=k, prune_above=0).matched <= result.matched
    assert result.matched <= most_matchable(needs, volunteers)


@SMALL
@given(needs_(), volunteers_(), st.integers(1, 4))
def test_candidates_for_lists_only_volunteers_who_fit_cheapest_first(needs, volunteers, limit):
    for need in needs:
        found = candidates_for(need, volunteers, limit)
        ids = [p.volunteer_id for p in found.proposals]
        fitting = {v.id for v in volunteers if fits(need, v)}
        assert set(ids) <= fitting and len(set(ids)) == len(ids) == min(limit, len(fitting))
        assert [p.cost for p in found.proposals] == sorted(p.cost for p in found.proposals)
        assert (found.reason is None) == bool(fitting)
        assert found.reason is None or found.reason in UNMATCHED_REASONS


# --- the smallest cases, by example --------------------------------------------------------------

ALL_METHODS = pytest.mark.parametrize("method", (match_all, partial(match_all, prune_above=0), match_greedy, match_exact),
                                      ids=("match_all", "pruned_pass", "match_greedy", "match_exact"))


@ALL_METHODS
def test_no_needs_and_no_volunteers_give_an_empty_result(method):
    result = method([], [])
    assert result.assignments == {} and result.unmatched == {} and result.stats["matched"] == 0


@ALL_METHODS
def test_one_need_and_no_volunteers_is_nobody_in_range(method):
    assert method([make_need(1)], []).unmatched == {1: "nobody_in_range"}


@ALL_METHODS
def test_no_needs_and_one_volunteer_give_an_empty_result(method):
    result = method([], [make_volunteer(10)])
    assert result.assignments == {} and result.unmatched == {}


@ALL_METHODS
def test_one_need_and_one_volunteer_who_fits_are_matched(method):
    result = method([make_need(1)], [make_volunteer(10, north_of(0.5))])
    assert {n: p.volunteer_id for n, p in result.assignments.items()} == {1: 10} and result.unmatched == {}
    assert result.assignments[1].distance_km == pytest.approx(0.5)


@ALL_METHODS
def test_each_need_alone_with_its_own_volunteer_is_matched(method):
    needs = [make_need(1), make_need(2, north_of(20.0))]
    volunteers = [make_volunteer(10, north_of(0.5)), make_volunteer(11, north_of(20.5))]
    assert {n: p.volunteer_id for n, p in method(needs, volunteers).assignments.items()} == {1: 10, 2: 11}


@ALL_METHODS
def test_one_need_and_one_full_volunteer_is_nobody_free(method):
    assert method([make_need(1)], [make_volunteer(10, capacity=2, load=3)]).unmatched == {1: NOBODY_FREE}


@ALL_METHODS
def test_two_needs_and_one_volunteer_with_one_place_match_one(method):
    result = method([make_need(1, urgency="today"), make_need(2, north_of(0.2))], [make_volunteer(10)])
    assert list(result.assignments) == [1] and result.unmatched == {2: NOBODY_FREE}


@ALL_METHODS
def test_two_needs_and_one_volunteer_with_two_places_match_both(method):
    result = method([make_need(1), make_need(2, north_of(0.2))], [make_volunteer(10, capacity=2)])
    assert result.matched == 2 and result.load_added() == {10: 2}


def test_candidates_for_with_no_volunteers_is_nobody_in_range():
    assert candidates_for(make_need(1), []).reason == "nobody_in_range"


def test_candidates_for_one_volunteer_who_fits_proposes_them():
    assert [p.volunteer_id for p in candidates_for(make_need(1), [make_volunteer(10)]).proposals] == [10]


# --- the second search after a pruned assignment --------------------------------------------------

def taken_nearest_case():
    """Need 1's only listed candidate (k=1) goes to the more urgent need 2; driver 20 reaches need 1 but lists others.

    Driver 20's own nearest needs are 3-6, each served by a walker standing on it, so the
    pruned graph has no edge from need 1 to driver 20, who ends the assignment with room.
    """
    needs = [make_need(1), make_need(2, north_of(-0.3), urgency="today")]
    needs += [make_need(3 + i, north_of(2.1 + 0.1 * i)) for i in range(4)]
    volunteers = [make_volunteer(10, north_of(-0.1), radius_km=0.5),
                  make_volunteer(20, north_of(2.0), radius_km=3.0, has_car=True)]
    volunteers += [make_volunteer(30 + i, north_of(2.1 + 0.1 * i), radius_km=0.05) for i in range(4)]
    return needs, volunteers


def test_a_need_whose_nearest_is_taken_gets_a_further_volunteer_with_room():
    result = match_all(*taken_nearest_case(), k=1, prune_above=0)
    assert result.stats["k"] == 1 and result.stats["second_search"] == 1
    assert result.assignments[1].volunteer_id == 20 and result.unmatched == {}


def test_the_second_search_matches_what_the_full_graph_matches():
    needs, volunteers = taken_nearest_case()
    assert match_all(needs, volunteers, k=1, prune_above=0).matched == match_exact(needs, volunteers).matched == 6


def test_the_second_search_prices_the_new_proposal_like_any_other():
    needs, volunteers = taken_nearest_case()
    late = match_all(needs, volunteers, k=1, prune_above=0).assignments[1]
    listed = next(p for p in candidates_for(needs[0], volunteers).proposals if p.volunteer_id == 20)
    assert late.cost == pytest.approx(listed.cost) and late.reasons == listed.reasons
