"""The pruned candidate graph of a city-wide pass: each need's k nearest candidates, plus volunteers' nearest needs."""
import numpy as np
import pytest

from mutualaid.matching import DEFAULT_WEIGHTS
from mutualaid.matching.arrays import as_need_arrays, as_volunteer_arrays
from mutualaid.matching.candidates import all_edges, nearest_edges
from tests.matching.builders import make_need, make_volunteer, north_of, random_city


def pruned_pairs(needs, volunteers, k):
    """{(need id, volunteer id)} of the pruned graph."""
    need_arr, vol_arr = as_need_arrays(needs), as_volunteer_arrays(volunteers)
    edges = nearest_edges(need_arr, vol_arr, k, DEFAULT_WEIGHTS)
    return set(zip(need_arr.ids[edges.need].tolist(), vol_arr.ids[edges.vol].tolist()))


@pytest.mark.parametrize("seed", (1, 2, 3))
def test_each_need_keeps_its_k_nearest_candidates(seed):
    needs, volunteers = random_city(seed, n_needs=400, n_volunteers=300)
    need_arr, vol_arr = as_need_arrays(needs), as_volunteer_arrays(volunteers)
    every = all_edges(need_arr, vol_arr, DEFAULT_WEIGHTS)
    pruned = pruned_pairs(needs, volunteers, k=4)
    for n in np.unique(every.need):
        mine = np.flatnonzero(every.need == n)  # nearest to the metre, ties by volunteer id
        nearest = mine[np.lexsort((vol_arr.ids[every.vol[mine]], np.rint(every.km[mine] * 1000)))[:4]]
        assert {(int(need_arr.ids[n]), int(vol_arr.ids[v])) for v in every.vol[nearest]} <= pruned


def test_a_need_crowded_by_walkers_who_cannot_reach_it_still_gets_the_drivers_who_can():
    walkers = [make_volunteer(i, north_of(0.1 * i), radius_km=0.05) for i in range(1, 7)]
    drivers = [make_volunteer(20, north_of(2.0), radius_km=5.0), make_volunteer(21, north_of(3.0), radius_km=5.0)]
    assert pruned_pairs([make_need(1)], walkers + drivers, k=2) == {(1, 20), (1, 21)}


def test_a_volunteer_no_need_lists_gets_their_nearest_needs():
    volunteers = [make_volunteer(10, north_of(0.1)), make_volunteer(11, north_of(1.0))]
    assert pruned_pairs([make_need(1)], volunteers, k=1) == {(1, 10), (1, 11)}


def test_a_volunteer_listed_by_four_needs_per_free_place_gets_no_more():
    # Volunteer 10 (one place) is the nearest for needs 1-4; need 5 is nearer to them, but lists 11.
    needs = [make_need(i, north_of(-1.0 - 0.01 * i)) for i in range(1, 5)] + [make_need(5, north_of(0.5))]
    volunteers = [make_volunteer(10), make_volunteer(11, north_of(0.55))]
    assert (5, 10) not in pruned_pairs(needs, volunteers, k=1)
