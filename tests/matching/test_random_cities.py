"""Properties over random neighbourhoods (fixed seeds): the fast pass against the exact reference."""
from functools import partial

import pytest

from mutualaid.matching import UNMATCHED_REASONS, candidates_for, match_all, match_exact, match_greedy
from mutualaid.matching.geometry import haversine_km
from tests.matching.builders import random_city

SEEDS = (1, 2, 3, 4, 5)
pruned_pass = partial(match_all, prune_above=0)  # as on a city-wide pass: each need keeps its K nearest


@pytest.mark.parametrize("seed", SEEDS)
def test_without_pruning_the_pass_equals_the_exact_reference(seed):
    needs, volunteers = random_city(seed)
    fast, exact = match_all(needs, volunteers, k=None), match_exact(needs, volunteers)
    assert fast.matched == exact.matched
    assert fast.stats["total_cost"] == pytest.approx(exact.stats["total_cost"], abs=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_neighbourhood_pass_keeps_every_candidate_and_matches_as_many_as_exact(seed):
    needs, volunteers = random_city(seed)
    result = match_all(needs, volunteers)
    assert result.stats["k"] == 0 and result.matched == match_exact(needs, volunteers).matched


@pytest.mark.parametrize("seed", SEEDS)
def test_a_pruned_pass_matches_within_two_percent_of_exact(seed):
    needs, volunteers = random_city(seed)
    pruned, exact = pruned_pass(needs, volunteers), match_exact(needs, volunteers)
    assert pruned.stats["k"] > 0 and pruned.matched >= 0.98 * exact.matched


@pytest.mark.parametrize("seed", SEEDS)
def test_solving_by_tiles_matches_as_many_as_solving_whole(seed):
    needs, volunteers = random_city(seed, n_needs=400, n_volunteers=300)
    whole, tiled = match_all(needs, volunteers), match_all(needs, volunteers, exact_work=0)
    assert tiled.matched == whole.matched
    assert tiled.stats["total_cost"] <= whole.stats["total_cost"] * 1.02


@pytest.mark.parametrize("seed", SEEDS)
def test_greedy_never_matches_more_than_the_pass(seed):
    needs, volunteers = random_city(seed)
    assert match_greedy(needs, volunteers).matched <= match_all(needs, volunteers).matched


@pytest.mark.parametrize("seed", SEEDS)
def test_greedy_on_the_same_pruned_graph_never_matches_more(seed):
    needs, volunteers = random_city(seed)
    assert match_greedy(needs, volunteers, prune_above=0).matched <= pruned_pass(needs, volunteers).matched


@pytest.mark.parametrize("method", [match_all, pruned_pass, match_greedy, match_exact])
def test_no_volunteer_gets_more_than_their_free_places(method):
    needs, volunteers = random_city(11)
    free = {v.id: v.capacity - v.load for v in volunteers}
    assert all(count <= free[vid] for vid, count in method(needs, volunteers).load_added().items())


@pytest.mark.parametrize("method", [match_all, pruned_pass, match_greedy, match_exact])
def test_every_proposal_keeps_every_hard_rule(method):
    needs, volunteers = random_city(12)
    need_by_id, volunteer_by_id = {n.id: n for n in needs}, {v.id: v for v in volunteers}
    for proposal in method(needs, volunteers).assignments.values():
        n, v = need_by_id[proposal.need_id], volunteer_by_id[proposal.volunteer_id]
        assert v.vetted and v.available and not v.opted_out and v.capacity > v.load
        assert n.category in v.categories and n.language in v.languages
        assert n.category != "transport" or v.has_car
        assert haversine_km(n.lat, n.lon, v.lat, v.lon) <= v.radius_km


@pytest.mark.parametrize("method", [match_all, pruned_pass])
def test_every_need_is_either_proposed_for_or_given_a_known_reason(method):
    needs, volunteers = random_city(13)
    result = method(needs, volunteers)
    assert set(result.assignments) | set(result.unmatched) == {n.id for n in needs}
    assert set(result.unmatched.values()) <= set(UNMATCHED_REASONS)


def test_every_proposal_on_a_random_city_carries_reasons():
    needs, volunteers = random_city(14)
    proposals = match_all(needs, volunteers).assignments.values()
    assert proposals and all(p.reason("distance_km") is not None for p in proposals)


@pytest.mark.parametrize("seed", (21, 22))
def test_the_pass_and_candidates_for_give_the_same_reason(seed):
    needs, volunteers = random_city(seed, n_needs=200, n_volunteers=60)
    volunteers = [v for v in volunteers if v.id % 3]  # thinner supply: more needs without anyone
    result = match_all(needs, volunteers)
    for need in needs:
        reason = candidates_for(need, volunteers).reason
        if reason is not None:
            assert result.unmatched[need.id] == reason
