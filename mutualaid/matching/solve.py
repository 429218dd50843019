"""The assignment itself: needs × volunteer places ("slots"), most needs first, then least cost.

A volunteer with s free places becomes s columns; their j-th place costs the workload step for
j claims more, so places fill in order. Costs become integer weights (milli-cost units, + 1 so
none is zero): solver sums stay exact, and LAPJVsp meets no float near-ties (on which it stalled
for minutes in testing). The graph splits into connected components, each solved on its own
(no edge joins two, so this is exact): one need alone takes its cheapest place; small
components go dense with dummy columns (lap.with_dummies); bigger ones start from a maximum
matching of the whole graph (cheapest pairs first, then one maximum flow) and are solved by
Dulmage–Mendelsohn parts (lap.by_parts). A surplus part too big to solve exactly in time (more
than EXACT_WORK rows × columns) is improved tile by tile from that maximum matching instead
(tiles.py): the number matched stays the maximum, and the cost comes within about 0.2 % of the
least (README.md here). On a pruned graph, needs left out get a second search over every
volunteer with room left (second_search), so "nobody free" means nobody in reach has room.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from mutualaid.matching import lap, tiles
from mutualaid.matching.arrays import NeedArrays, VolunteerArrays
from mutualaid.matching.candidates import Edges, all_edges, priced
from mutualaid.matching.scoring import Weights, workload_step

WEIGHT_SCALE = 1000  # solver weights are costs in thousandths
EXACT_WORK = 5e7     # rows × columns above which a surplus part is improved by tiles instead


def expand_slots(edges: Edges, vols: VolunteerArrays, w: Weights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One row per (edge, free place of its volunteer): the edge, the global slot id, and the cost."""
    spare = vols.spare[edges.vol]
    edge = np.repeat(np.arange(len(edges)), spare)
    extra = np.arange(edge.size) - np.repeat(np.cumsum(spare) - spare, spare)
    slot = (np.cumsum(vols.spare) - vols.spare)[edges.vol[edge]] + extra
    cost = edges.cost[edge] + workload_step(w, vols.load[edges.vol[edge]], extra)
    return edge, slot, cost


def solver_weights(cost: np.ndarray) -> np.ndarray:
    """Integer weights >= 1 from costs >= 0."""
    return np.rint(cost * WEIGHT_SCALE).astype(np.int64) + 1


def _rank_within(label: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each item's position among the items with the same label (-1: none), in item order; and counts."""
    present = np.flatnonzero(label >= 0)
    counts = np.bincount(label[present], minlength=int(label.max(initial=-1)) + 1)
    order = present[np.argsort(label[present], kind="stable")]
    rank = np.full(label.size, -1, dtype=np.int64)
    rank[order] = np.arange(order.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return rank, counts


def run_bounds(values: np.ndarray) -> np.ndarray:
    """Where each run of equal neighbours starts in `values`, then its length ([0] when empty: no runs)."""
    if values.size == 0:
        return np.zeros(1, dtype=np.int64)
    return np.r_[0, np.flatnonzero(values[1:] != values[:-1]) + 1, values.size]


def _components(edges: Edges, n_needs: int, n_vols: int) -> tuple[np.ndarray, np.ndarray]:
    """Connected component of each need and volunteer (-1: no edge), numbered in order of first need."""
    graph = csr_matrix((np.ones(len(edges)), (edges.need, n_needs + edges.vol)), shape=(n_needs + n_vols,) * 2)
    _, node_label = connected_components(graph, directed=False)
    has_need = np.bincount(edges.need, minlength=n_needs) > 0
    known, first = np.unique(node_label[:n_needs][has_need], return_index=True)
    renumber = np.full(node_label.max() + 1, -1, dtype=np.int64)
    renumber[known[np.argsort(first)]] = np.arange(known.size)
    need_label = np.where(has_need, renumber[node_label[:n_needs]], -1)
    vol_label = np.where(np.bincount(edges.vol, minlength=n_vols) > 0, renumber[node_label[n_needs:]], -1)
    return need_label, vol_label


def assign(n_needs: int, edges: Edges, vols: VolunteerArrays, w: Weights, *, priority: np.ndarray,
           points: tuple[np.ndarray, np.ndarray] | None = None, exact_work: float = EXACT_WORK
           ) -> tuple[np.ndarray, dict[str, int]]:
    """For each need, the edge it is assigned (or -1): maximum matched, then (near-)minimum total cost.

    `priority` orders needs for the starting maximum matching (most pressing first);
    `points` (x, y per need) place tiles when a part is too big to solve exactly.
    """
    stats = {"components": 0, "largest_component_needs": 0, "slot_edges": 0, "tiled_parts": 0}
    result = np.full(n_needs, -1, dtype=np.int64)
    edge, slot, cost = expand_slots(edges, vols, w)
    stats["slot_edges"] = int(edge.size)
    if edge.size == 0:
        return result, stats
    need, weight = edges.need[edge], solver_weights(cost)
    need_label, vol_label = _components(edges, n_needs, len(vols))
    need_rank, needs_per = _rank_within(need_label)
    slot_rank, slots_per = _rank_within(np.repeat(vol_label, vols.spare))
    label, rows, cols = need_label[need], need_rank[need], slot_rank[slot]
    stats.update(components=needs_per.size, largest_component_needs=int(needs_per.max()))
    single = needs_per[label] == 1  # a need alone in its component takes its cheapest place
    pick = np.flatnonzero(single)[np.lexsort((slot[single], weight[single], label[single]))]
    first = pick[np.r_[True, label[pick][1:] != label[pick][:-1]]] if pick.size else pick
    result[need[first]] = edge[first]
    order = np.flatnonzero(~single)[np.argsort(label[~single], kind="stable")]
    bounds = run_bounds(label[order])  # no runs when every component has one need
    need_slot = None
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        part = order[lo:hi]
        m, s = int(needs_per[label[part[0]]]), int(slots_per[label[part[0]]])
        if m * (s + min(m, s)) <= lap.DENSE_CELLS:
            found = lap.with_dummies(rows[part], cols[part], weight[part], m, s)
        else:
            need_slot = _flow_start(n_needs, edges, vols, priority) if need_slot is None else need_slot
            start = np.full(m, -1, dtype=np.int64)
            held = part[slot[part] == need_slot[need[part]]]
            start[rows[held]] = cols[held]
            row_need = np.empty(m, dtype=np.int64)
            row_need[rows[part]] = need[part]
            found = lap.by_parts(rows[part], cols[part], weight[part], m, s, start=start, budget=exact_work,
                                 big=_tiler(points, row_need, stats))
        hit = part[found[rows[part]] == cols[part]]
        result[need[hit]] = edge[hit]
    return result, stats


def _tiler(points: tuple[np.ndarray, np.ndarray] | None, row_need: np.ndarray, stats: dict[str, int]
           ) -> Callable[..., np.ndarray] | None:
    """The tile-by-tile improver for a component's too-big parts (None without points: solve exactly)."""
    if points is None:
        return None
    x, y = points[0][row_need], points[1][row_need]

    def improve(row: np.ndarray, col: np.ndarray, weight: np.ndarray, m: int, n: int, start: np.ndarray,
                row_ids: np.ndarray) -> np.ndarray:
        """Improve one surplus part, tile by tile, from its maximum matching `start`."""
        stats["tiled_parts"] += 1
        return tiles.improve(row, col, weight, m, n, start, x[row_ids], y[row_ids], _tile_solve)
    return improve


def _flow_start(n_needs: int, edges: Edges, vols: VolunteerArrays, priority: np.ndarray) -> np.ndarray:
    """A maximum matching of the whole graph as slots per need (-1: none), over volunteers.

    Cheapest pairs first (lap.greedy_matching), then one maximum flow adds what they miss, most
    pressing needs first; a volunteer's matched needs fill their places in need order.
    """
    weight = solver_weights(edges.cost)
    start = lap.greedy_matching(edges.need, edges.vol, weight, n_needs, len(vols), col_capacity=vols.spare)
    used = lap.maximum_matching(edges.need, edges.vol, weight, n_needs, len(vols), start=start,
                                row_order=np.argsort(priority, kind="stable"), col_capacity=vols.spare)
    need, vol = edges.need[used], edges.vol[used]
    order = np.lexsort((need, vol))
    need, vol = need[order], vol[order]
    starts = np.flatnonzero(np.r_[True, vol[1:] != vol[:-1]]) if vol.size else np.zeros(0, dtype=np.int64)
    extra = np.arange(vol.size) - np.repeat(starts, np.diff(np.r_[starts, vol.size]))
    need_slot = np.full(n_needs, -1, dtype=np.int64)
    need_slot[need] = (np.cumsum(vols.spare) - vols.spare)[vol] + extra
    return need_slot


def _tile_solve(row: np.ndarray, col: np.ndarray, weight: np.ndarray, m: int, n: int) -> np.ndarray:
    """Exact solve of one tile of a surplus part: its smaller side is fully matched now, so stays so."""
    try:
        return lap.full_matching(row, col, weight, m, n)
    except ValueError:  # not expected; dummies are slower but always feasible
        return lap.with_dummies(row, col, weight, m, n)


def exact(n_needs: int, edges: Edges, vols: VolunteerArrays, w: Weights) -> np.ndarray:
    """The reference: one solve with dummy columns over the whole graph, no splitting, no tiles."""
    result = np.full(n_needs, -1, dtype=np.int64)
    edge, slot, cost = expand_slots(edges, vols, w)
    if edge.size == 0:
        return result
    need = edges.need[edge]
    needs, row = np.unique(need, return_inverse=True)
    slots, col = np.unique(slot, return_inverse=True)
    found = lap.with_dummies(row, col, solver_weights(cost), needs.size, slots.size)
    hit = np.flatnonzero(found[row] == col)
    result[need[hit]] = edge[hit]
    return result


def greedy(n_needs: int, edges: Edges, vols: VolunteerArrays, w: Weights, order: np.ndarray) -> np.ndarray:
    """The baseline: needs in `order`, each taking its cheapest candidate with a free place now."""
    result = np.full(n_needs, -1, dtype=np.int64)
    by_need = np.lexsort((edges.vol, edges.need))
    starts = np.searchsorted(edges.need[by_need], np.arange(n_needs + 1)).tolist()
    used, spare, load = [0] * len(vols), vols.spare.tolist(), vols.load.tolist()
    vol, cost = edges.vol[by_need].tolist(), edges.cost[by_need].tolist()
    cap, step = w.workload_cap, w.workload
    for n in order.tolist():
        best, best_cost = -1, math.inf
        for e in range(starts[n], starts[n + 1]):
            v = vol[e]
            if used[v] < spare[v]:
                c = cost[e] + step * (min(load[v] + used[v], cap) - min(load[v], cap))
                if c < best_cost:
                    best, best_cost = e, c
        if best >= 0:
            used[vol[best]] += 1
            result[n] = by_need[best]
    return result


def room_left(edges: Edges, vols: VolunteerArrays, chosen: np.ndarray) -> np.ndarray:
    """Free places each volunteer still has once the needs in `chosen` (edge per need, -1: none) are placed."""
    return vols.spare - np.bincount(edges.vol[chosen[chosen >= 0]], minlength=len(vols))


def _maybe_placeable(edges: Edges, chosen: np.ndarray, room: np.ndarray, k: int | None) -> np.ndarray:
    """Needs left out that might still fit someone with room: their list may be cut at k, or names such a one.

    A need listing fewer than k candidates has all of them (candidates.nearest_edges), and after a
    maximum matching no need left out lists anyone with room, so on a full graph this is empty.
    """
    left = chosen < 0
    maybe = np.zeros(chosen.size, dtype=bool)
    if k is not None:
        maybe = left & (np.bincount(edges.need, minlength=chosen.size) >= k)
    maybe[edges.need[left[edges.need] & (room[edges.vol] > 0)]] = True
    return np.flatnonzero(maybe)


def second_search(needs: NeedArrays, vols: VolunteerArrays, edges: Edges, chosen: np.ndarray, w: Weights,
                  priority: np.ndarray, k: int | None) -> tuple[Edges, np.ndarray]:
    """Place needs the assignment left out on any volunteer in reach with room left; edges and choice grown.

    A pruned graph keeps each need's k nearest candidates (k=None: not pruned); when those are all
    taken, someone further off may still have room. Only those needs, and only volunteers with
    room, are searched: most pressing need first (lowest `priority`, then id), each taking its
    cheapest volunteer with room at their load by then, as the workload term of the cost counts it.
    """
    room = room_left(edges, vols, chosen)
    free = np.flatnonzero(vols.ready & (room > 0))
    asked = _maybe_placeable(edges, chosen, room, k) if free.size else free
    if asked.size == 0:
        return edges, chosen
    rest = replace(vols.take(free), load=(vols.capacity - room)[free])  # places given count as claims now
    found = all_edges(needs, rest, w, asked)
    placed = greedy(len(needs), found, rest, w, asked[np.lexsort((needs.ids[asked], priority[asked]))])
    hit = np.flatnonzero(placed >= 0)
    extra = found.take(placed[hit])
    chosen = chosen.copy()
    chosen[hit] = len(edges) + np.arange(hit.size)
    return edges.plus(priced(needs, vols, extra.need, free[extra.vol], extra.km, w)), chosen
