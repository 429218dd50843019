"""Public entry points: the best few volunteers for one need, and a matching pass over all open needs."""
from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np

from mutualaid.matching.arrays import (URGENCY_INDEX, NeedArrays, VolunteerArrays, as_need_arrays,
                                       as_volunteer_arrays)
from mutualaid.matching.candidates import Edges, all_edges, count_at_most, eligible, nearest_edges
from mutualaid.matching.explain import explain, first_gap, reach_one
from mutualaid.matching.scoring import (DEFAULT_WEIGHTS, Weights, car_counts, many_proposal_reasons, need_cost,
                                        pair_cost, proposal_reasons, workload_step)
from mutualaid.matching.solve import EXACT_WORK, assign, exact, greedy, run_bounds, second_search
from mutualaid.matching.values import (LOCATION_UNKNOWN, NOBODY_FREE, CandidateList, MatchResult, NeedRow,
                                       Proposal, VolunteerRow)

# A matching pass keeps every candidate pair unless a quick count (an overestimate, up to ~4x)
# passes PRUNE_ABOVE: a group's usual few hundred or thousand needs never come near. Past that,
# each need keeps its K nearest candidates, and a volunteer listed by fewer than 4 × (free
# places) needs gets that many nearest needs of their own. K = 12 matched 0.16 % fewer needs than the exact optimum at 20,000 × 20,000 and 0.31 %
# fewer at 100,000 × 100,000 (K = 8: 0.37 % and 0.69 %); see README.md here.
DEFAULT_K = 12
PRUNE_ABOVE = 1_000_000

Needs = NeedArrays | Iterable[NeedRow]
Volunteers = VolunteerArrays | Iterable[VolunteerRow]


def candidates_for(need: NeedRow, volunteers: Volunteers, limit: int = 5, *,
                   weights: Weights = DEFAULT_WEIGHTS) -> CandidateList:
    """The `limit` best volunteers for one need, best first, or the reason there is none."""
    vols = as_volunteer_arrays(volunteers)
    if need.lat is None or need.lon is None:
        return CandidateList((), LOCATION_UNKNOWN)
    reach, km = reach_one(vols, need.lat, need.lon)
    ok = eligible(vols, vols.ready, need.category, need.language)[reach]
    if not ok.any():
        return CandidateList((), first_gap(vols, reach, need.category, need.language) or NOBODY_FREE)
    vol, km = reach[ok], km[ok]
    urgency = np.array([URGENCY_INDEX[need.urgency]])
    part = need_cost(weights, urgency, np.array([need.age_hours]), np.array([need.language]))
    car = car_counts(weights, np.full(vol.size, need.category), vols.has_car[vol])
    cost = pair_cost(weights, part, km, vols.radius_km[vol], vols.load[vol], car)
    best = np.lexsort((vol, cost))[:limit]
    return CandidateList(tuple(
        Proposal(need.id, int(vols.ids[vol[i]]), float(cost[i]), float(km[i]), proposal_reasons(
            weights, distance_km=float(km[i]), urgency=int(urgency[0]), age_hours=float(need.age_hours),
            language=need.language, car=bool(car[i]), workload=int(vols.load[vol[i]])))
        for i in best), None)


def _graph(needs: NeedArrays, vols: VolunteerArrays, k: int | None, w: Weights, prune_above: int
           ) -> tuple[Edges, bool]:
    """The candidate graph for a pass: every pair when few enough (or k is None), else pruned."""
    if k is None or count_at_most(needs, vols, prune_above):
        return all_edges(needs, vols, w), False
    return nearest_edges(needs, vols, k, w), True


def match_all(needs: Needs, volunteers: Volunteers, *, k: int | None = DEFAULT_K,
              weights: Weights = DEFAULT_WEIGHTS, prune_above: int = PRUNE_ABOVE,
              exact_work: float = EXACT_WORK) -> MatchResult:
    """Propose volunteers for all open needs at once: most needs matched, then least total cost.

    The candidate graph is pruned only past `prune_above` pairs (k=None: never). Its components
    are solved exactly, except a surplus part bigger than `exact_work` (rows × columns), which is
    improved tile by tile: still the most needs matched, cost near the least (solve.py). Needs a
    pruned graph left out then get a second search over everyone with room left (`second_search`
    in stats: how many it placed), so a need is "nobody_free" only when nobody in reach has room.
    """
    started = time.perf_counter()
    need_arr, vols = as_need_arrays(needs), as_volunteer_arrays(volunteers)
    edges, pruned = _graph(need_arr, vols, k, weights, prune_above)
    found = time.perf_counter()
    priority = need_cost(weights, need_arr.urgency, need_arr.age_hours, need_arr.language)
    points = (np.radians(need_arr.lon) * np.cos(np.radians(need_arr.lat)), np.radians(need_arr.lat))
    chosen, stats = assign(len(need_arr), edges, vols, weights, priority=priority, points=points,
                           exact_work=exact_work)
    before = int((chosen >= 0).sum())
    edges, chosen = second_search(need_arr, vols, edges, chosen, weights, priority, k if pruned else None)
    stats.update(method="match_all", k=k if pruned else 0, seconds_candidates=found - started,
                 seconds_assign=time.perf_counter() - found, second_search=int((chosen >= 0).sum()) - before)
    return _result(need_arr, vols, edges, chosen, weights, stats, started)


def match_exact(needs: Needs, volunteers: Volunteers, *, weights: Weights = DEFAULT_WEIGHTS) -> MatchResult:
    """The reference: every candidate pair, one solve over the whole graph, no pruning or splitting."""
    started = time.perf_counter()
    need_arr, vols = as_need_arrays(needs), as_volunteer_arrays(volunteers)
    edges = all_edges(need_arr, vols, weights)
    found = time.perf_counter()
    chosen = exact(len(need_arr), edges, vols, weights)
    stats: dict[str, float | int | str] = {"method": "match_exact", "seconds_candidates": found - started,
                                           "seconds_assign": time.perf_counter() - found}
    return _result(need_arr, vols, edges, chosen, weights, stats, started)


def match_greedy(needs: Needs, volunteers: Volunteers, *, k: int | None = DEFAULT_K,
                 weights: Weights = DEFAULT_WEIGHTS, prune_above: int = PRUNE_ABOVE) -> MatchResult:
    """The baseline: most pressing need first, each takes its cheapest free candidate.

    It sees the same candidate graph as match_all, so the difference between the two is the
    assignment alone (and greedy can never match more: a maximal matching is at most a maximum one).
    """
    started = time.perf_counter()
    need_arr, vols = as_need_arrays(needs), as_volunteer_arrays(volunteers)
    edges, pruned = _graph(need_arr, vols, k, weights, prune_above)
    found = time.perf_counter()
    priority = need_cost(weights, need_arr.urgency, need_arr.age_hours, need_arr.language)
    chosen = greedy(len(need_arr), edges, vols, weights, np.lexsort((need_arr.ids, priority)))
    stats: dict[str, float | int | str] = {"method": "match_greedy", "k": k if pruned else 0,
                                           "seconds_candidates": found - started,
                                           "seconds_assign": time.perf_counter() - found}
    return _result(need_arr, vols, edges, chosen, weights, stats, started)


def _result(needs: NeedArrays, vols: VolunteerArrays, edges: Edges, chosen: np.ndarray, w: Weights,
            stats: dict, started: float) -> MatchResult:
    """Proposals with reasons for matched needs, one reason code for each of the others."""
    matched = np.flatnonzero(chosen >= 0)
    picked = edges.take(chosen[matched])
    # A volunteer's new needs take their places in need-id order: place j means j claims more.
    order = np.lexsort((picked.need, picked.vol))
    extra = np.empty(len(picked), dtype=np.int64)
    bounds = run_bounds(picked.vol[order])
    extra[order] = np.arange(len(picked)) - np.repeat(bounds[:-1], np.diff(bounds))
    load = vols.load[picked.vol]
    cost = picked.cost + workload_step(w, load, extra)
    car = car_counts(w, needs.category[picked.need], vols.has_car[picked.vol])
    n, km = picked.need, picked.km.tolist()
    reasons = many_proposal_reasons(w, km, needs.urgency[n].tolist(), needs.age_hours[n].tolist(),
                                    needs.language[n].tolist(), car.tolist(), (load + extra).tolist())
    assignments = {need_id: Proposal(need_id, vol_id, c, d, why) for need_id, vol_id, c, d, why in
                   zip(needs.ids[n].tolist(), vols.ids[picked.vol].tolist(), cost.tolist(), km, reasons)}
    has_edge = np.zeros(len(needs), dtype=bool)
    has_edge[edges.need] = True
    unmatched = {int(i): NOBODY_FREE for i in needs.ids[has_edge & (chosen < 0)]}
    unmatched.update(explain(needs, vols, np.flatnonzero(~has_edge)))
    unmatched = dict(sorted(unmatched.items()))
    stats.update(needs=len(needs), volunteers=len(vols), candidate_edges=len(edges), matched=len(assignments),
                 unmatched=len(unmatched), total_cost=float(cost.sum()),
                 mean_distance_km=float(picked.km.mean()) if len(picked) else 0.0,
                 seconds_total=time.perf_counter() - started)
    return MatchResult(assignments, unmatched, stats)
