"""match_all: one pass over all open needs, most needs matched first, then the least cost."""
import random

from mutualaid.matching import (LOCATION_UNKNOWN, NOBODY_FOR_CATEGORY, NOBODY_FREE, NOBODY_IN_RANGE,
                                NOBODY_WITH_CAR, NOBODY_WITH_LANGUAGE, NeedArrays, VolunteerArrays, match_all,
                                match_exact, match_greedy)
from tests.matching.builders import make_need, make_volunteer, north_of


def pairs(result):
    """{need id: volunteer id} of a matching result."""
    return {n: p.volunteer_id for n, p in result.assignments.items()}


def test_one_place_goes_to_the_more_urgent_need():
    needs = [make_need(1, urgency="this_week", age_hours=50), make_need(2, urgency="today", age_hours=1)]
    assert pairs(match_all(needs, [make_volunteer(10)])) == {2: 10}


def test_one_place_goes_to_the_older_need_when_equally_urgent():
    needs = [make_need(1, age_hours=2), make_need(2, age_hours=30)]
    assert pairs(match_all(needs, [make_volunteer(10)])) == {2: 10}


def test_one_place_goes_to_the_lower_id_when_needs_are_identical():
    assert pairs(match_all([make_need(2), make_need(1)], [make_volunteer(10)])) == {1: 10}


def test_the_left_out_need_is_nobody_free():
    result = match_all([make_need(1, urgency="today"), make_need(2)], [make_volunteer(10)])
    assert result.unmatched == {2: NOBODY_FREE}


def crossing_case():
    """Need 1 (more urgent) can use volunteer 10 (its cheapest) or 11; need 2 only 10."""
    needs = [make_need(1, urgency="today"), make_need(2, north_of(3.0), urgency="soon")]
    volunteers = [make_volunteer(10, north_of(1.0), radius_km=3.0), make_volunteer(11, north_of(-0.5), radius_km=1.0)]
    return needs, volunteers


def test_the_assignment_matches_both_needs_by_giving_the_flexible_one_its_second_choice():
    assert pairs(match_all(*crossing_case())) == {1: 11, 2: 10}


def test_greedy_gives_the_first_need_its_favourite_and_matches_only_one():
    assert pairs(match_greedy(*crossing_case())) == {1: 10}


def test_two_needs_take_the_two_nearer_volunteers_rather_than_crossing():
    needs = [make_need(1, north_of(0.0)), make_need(2, north_of(2.0))]
    volunteers = [make_volunteer(10, north_of(0.2)), make_volunteer(11, north_of(1.8))]
    assert pairs(match_all(needs, volunteers)) == {1: 10, 2: 11}


def test_capacity_three_with_one_active_claim_takes_at_most_two():
    needs = [make_need(i, north_of(0.1 * i)) for i in range(1, 6)]
    result = match_all(needs, [make_volunteer(10, capacity=3, load=1)])
    assert result.matched == 2 and result.load_added() == {10: 2}


def test_new_places_count_up_the_workload():
    needs = [make_need(1), make_need(2)]
    result = match_all(needs, [make_volunteer(10, capacity=3, load=1)])
    assert sorted(p.reason("workload") for p in result.assignments.values()) == [1, 2]


def test_a_volunteer_at_capacity_gets_nothing():
    result = match_all([make_need(1)], [make_volunteer(10, capacity=2, load=2)])
    assert result.assignments == {} and result.unmatched == {1: NOBODY_FREE}


def test_the_spanish_need_wins_the_bilingual_volunteer_over_an_equal_english_one():
    needs = [make_need(1, language="en"), make_need(2, language="es")]
    assert pairs(match_all(needs, [make_volunteer(10, languages=("en", "es"))])) == {2: 10}


def test_each_unmatched_need_carries_its_first_gap():
    needs = [make_need(1, at=None), make_need(2, north_of(50.0)), make_need(3, category="pets"),
             make_need(4, language="pl"), make_need(5, category="transport")]
    result = match_all(needs, [make_volunteer(10, capacity=1, load=1)])
    assert result.unmatched == {1: LOCATION_UNKNOWN, 2: NOBODY_IN_RANGE, 3: NOBODY_FOR_CATEGORY,
                                4: NOBODY_WITH_LANGUAGE, 5: NOBODY_WITH_CAR}


def test_every_need_has_exactly_one_outcome():
    needs = [make_need(i, north_of(0.3 * i) if i % 4 else None) for i in range(1, 13)]
    result = match_all(needs, [make_volunteer(10, capacity=3), make_volunteer(11, north_of(2.0), capacity=2)])
    assert set(result.assignments) | set(result.unmatched) == set(range(1, 13))
    assert not set(result.assignments) & set(result.unmatched)


def test_every_proposal_carries_reasons():
    needs = [make_need(i, north_of(0.2 * i)) for i in range(1, 6)]
    result = match_all(needs, [make_volunteer(10, capacity=3), make_volunteer(11, capacity=2)])
    assert result.matched == 5
    assert all({"distance_km", "urgency", "age_hours", "workload"} <= dict(p.reasons).keys()
               for p in result.assignments.values())


def test_no_needs_gives_an_empty_result():
    result = match_all([], [make_volunteer()])
    assert result.assignments == {} and result.unmatched == {}


def test_no_volunteers_leaves_every_need_unmatched():
    assert match_all([make_need(1), make_need(2, at=None)], []).unmatched == {1: NOBODY_IN_RANGE, 2: LOCATION_UNKNOWN}


def test_nothing_at_all_gives_an_empty_result():
    for method in (match_all, match_greedy, match_exact):
        result = method([], [])
        assert result.assignments == {} and result.unmatched == {}


def test_the_result_does_not_depend_on_input_order():
    needs = [make_need(i, north_of(0.15 * i), urgency=("today", "soon")[i % 2]) for i in range(1, 21)]
    volunteers = [make_volunteer(100 + i, north_of(0.4 * i), capacity=1 + i % 2) for i in range(8)]
    shuffled_needs, shuffled_volunteers = needs[:], volunteers[:]
    random.Random(3).shuffle(shuffled_needs)
    random.Random(4).shuffle(shuffled_volunteers)
    assert match_all(needs, volunteers).assignments == match_all(shuffled_needs, shuffled_volunteers).assignments


def test_columns_and_rows_give_the_same_result():
    needs = [make_need(i, north_of(0.15 * i)) for i in range(1, 11)]
    volunteers = [make_volunteer(100 + i, north_of(0.4 * i), capacity=2) for i in range(4)]
    from_rows = match_all(needs, volunteers)
    from_columns = match_all(NeedArrays.from_rows(needs), VolunteerArrays.from_rows(volunteers))
    assert from_rows.assignments == from_columns.assignments and from_rows.unmatched == from_columns.unmatched
