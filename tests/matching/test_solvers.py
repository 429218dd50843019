"""The exact solvers underneath, and the value types' own rules."""
import numpy as np
import pytest

from mutualaid.domain.privacy import haversine_km as domain_haversine
from mutualaid.matching import NeedArrays, VolunteerRow
from mutualaid.matching import lap
from mutualaid.matching.geometry import chord_for_km, haversine_km, km_for_chord
from tests.matching.builders import make_need, make_volunteer


def test_vectorised_haversine_agrees_with_the_domain_one():
    assert haversine_km(51.5, -0.1, 51.6, 0.2) == pytest.approx(domain_haversine(51.5, -0.1, 51.6, 0.2), rel=1e-12)


def test_chord_and_great_circle_distance_convert_both_ways():
    assert km_for_chord(chord_for_km(7.25)) == pytest.approx(7.25, rel=1e-12)


def test_dummies_prefer_one_more_pair_over_a_cheaper_smaller_matching():
    # Row 0 could take column 0 (weight 1) or column 1 (weight 100); row 1 only column 0.
    row, col, weight = np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([1, 100, 1])
    assert lap.with_dummies(row, col, weight, 2, 2).tolist() == [1, 0]


def test_solving_by_parts_agrees_with_dummies_on_random_graphs():
    rng = np.random.default_rng(5)
    for _ in range(20):
        m, n, e = rng.integers(5, 60), rng.integers(5, 60), rng.integers(10, 200)
        keys = np.unique(rng.integers(0, m, e) * n + rng.integers(0, n, e))
        row, col, weight = keys // n, keys % n, rng.integers(1, 50, keys.size)
        a, b = lap.with_dummies(row, col, weight, m, n), lap.by_parts(row, col, weight, m, n)
        cost = {(r, c): w for r, c, w in zip(row.tolist(), col.tolist(), weight.tolist())}
        assert (a >= 0).sum() == (b >= 0).sum()
        assert sum(cost[r, c] for r, c in enumerate(a) if c >= 0) == sum(cost[r, c] for r, c in enumerate(b) if c >= 0)


def test_an_unknown_urgency_is_refused():
    with pytest.raises(ValueError):
        make_need(urgency="yesterday")


def test_a_capacity_outside_one_to_ten_is_refused():
    with pytest.raises(ValueError):
        VolunteerRow(1, 51.5, -0.1, 2.0, frozenset(), frozenset(), capacity=11, load=0, has_car=False)


def test_duplicate_need_ids_are_refused():
    with pytest.raises(ValueError):
        NeedArrays.from_rows([make_need(1), make_need(1)])


def test_columns_are_sorted_by_id_whatever_the_input_order():
    arrays = NeedArrays.from_rows([make_need(3), make_need(1), make_need(2)]).sorted_by_id()
    assert arrays.ids.tolist() == [1, 2, 3]


def test_a_volunteer_with_more_claims_than_capacity_has_no_free_place():
    from mutualaid.matching import VolunteerArrays
    assert VolunteerArrays.from_rows([make_volunteer(capacity=2, load=3)]).spare.tolist() == [0]


def test_tiles_cover_every_point_and_hold_at_most_the_given_number():
    from mutualaid.matching.tiles import kd_tiles
    rng = np.random.default_rng(1)
    label = kd_tiles(rng.random(1000), rng.random(1000), 90)
    assert label.min() == 0 and np.bincount(label).max() <= 90


def test_counting_pairs_stops_at_the_limit():
    from mutualaid.matching.arrays import as_need_arrays, as_volunteer_arrays
    from mutualaid.matching.candidates import count_at_most
    needs = as_need_arrays([make_need(i) for i in range(1, 4)])
    volunteers = as_volunteer_arrays([make_volunteer(i) for i in range(1, 4)])
    assert count_at_most(needs, volunteers, 9) and not count_at_most(needs, volunteers, 8)


def random_graph(rng, m, n, e):
    """A random bipartite graph: distinct (row, column) edges with integer weights."""
    keys = np.unique(rng.integers(0, m, e) * n + rng.integers(0, n, e))
    return keys // n, keys % n, rng.integers(1, 50, keys.size)


def total_weight(row, col, weight, match):
    """The summed weight of a matching given as a column per row (-1: none)."""
    cost = {(r, c): w for r, c, w in zip(row.tolist(), col.tolist(), weight.tolist())}
    return sum(cost[r, c] for r, c in enumerate(match.tolist()) if c >= 0)


def test_the_greedy_start_takes_the_cheapest_pairs_within_capacity():
    # Both rows want column 0 (one place); row 1 is cheaper there, so row 0 moves on to column 1.
    row, col, weight = np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([5, 9, 3])
    assert lap.greedy_matching(row, col, weight, 2, 2).tolist() == [False, True, True]


def test_augmenting_any_start_gives_a_maximum_b_matching():
    rng = np.random.default_rng(7)
    for _ in range(20):
        m, n = rng.integers(5, 60), rng.integers(5, 40)
        row, col, weight = random_graph(rng, m, n, rng.integers(10, 200))
        capacity = rng.integers(1, 4, n)
        start = lap.greedy_matching(row, col, weight, m, n, capacity)
        used = lap.maximum_matching(row, col, weight, m, n, col_capacity=capacity, start=start)
        assert used.sum() == lap.maximum_matching(row, col, weight, m, n, col_capacity=capacity).sum()
        assert np.bincount(row[used], minlength=m).max() <= 1
        assert (np.bincount(col[used], minlength=n) <= capacity).all()


def test_a_tile_pass_never_loses_a_match_or_adds_weight():
    from mutualaid.matching.tiles import improve
    rng = np.random.default_rng(8)
    for _ in range(10):
        m, n = rng.integers(20, 80), rng.integers(20, 80)
        row, col, weight = random_graph(rng, m, n, rng.integers(60, 400))
        start = lap.match_from_used(row, col, lap.maximum_matching(row, col, weight, m, n), m)
        x, y = rng.random(m), rng.random(m)
        match = improve(row, col, weight, m, n, start, x, y, lap.with_dummies, tile_rows=8, coarse=(7, 3))
        assert (match >= 0).sum() == (start >= 0).sum()
        assert total_weight(row, col, weight, match) <= total_weight(row, col, weight, start)
        assert np.unique(match[match >= 0]).size == (match >= 0).sum()


def test_a_part_handed_to_tiles_starts_with_its_unmatched_rows_unmatched():
    # Three rows want one column: the row-surplus part is everything, two of its rows stay unmatched.
    starts = []

    def big(row, col, weight, m, n, start, row_ids):
        """Record the starting matching; keep it."""
        starts.append(start.tolist())
        return start

    lap.by_parts(np.array([0, 1, 2]), np.array([0, 0, 0]), np.array([3, 1, 2]), 3, 1, big=big, budget=0)
    assert sorted(starts[0]) == [-1, -1, 0]
