"""The assignment itself: needs × volunteer places ("slots"), most needs first, then least cost.

A volunteer with s free places becomes s columns; their j-th place costs the workload step for
j claims more, so places fill in order. Costs become integer weights (milli-cost units, + 1 so
none is zero), which keeps solver sums exact and LAPJVsp free of float ties. The graph splits
into connected components, each solved on its own (no edge joins two, so this is exact):
one need alone takes its cheapest place; small ones go dense with dummy columns; the rest by
Dulmage–Mendelsohn parts (lap.py). A surplus part too big to solve exactly in time (more than
EXACT_WORK rows × columns) is improved tile by tile from a maximum matching (tiles.py): the
number matched stays exact, the cost comes within a fraction of a percent (bench/README_matching.md).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from mutualaid.matching import lap, tiles
from mutualaid.matching.arrays import VolunteerArrays
from mutualaid.matching.candidates import Edges
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


def _local(index: np.ndarray, label: np.ndarray, n_labels: int) -> tuple[np.ndarray, np.ndarray]:
    """Number the distinct values of `index` 0.. within each label, in value order; and count per label."""
    values, first = np.unique(index, return_index=True)
    group = label[first]
    order = np.lexsort((values, group))
    counts = np.bincount(group, minlength=n_labels)
    rank = np.empty(values.size, dtype=np.int64)
    rank[order] = np.arange(values.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return rank[np.searchsorted(values, index)], counts


def _labels(edges: Edges, need: np.ndarray, n_needs: int, n_vols: int) -> np.ndarray:
    """Connected component of each slot-edge (numbered 0.. in order of first need)."""
    graph = csr_matrix((np.ones(len(edges)), (edges.need, n_needs + edges.vol)), shape=(n_needs + n_vols,) * 2)
    _, node_label = connected_components(graph, directed=False)
    return np.unique(node_label[need], return_inverse=True)[1]


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
    label = _labels(edges, need, n_needs, len(vols))
    n_labels = int(label.max()) + 1
    rows, needs_per = _local(need, label, n_labels)
    cols, slots_per = _local(slot, label, n_labels)
    stats.update(components=n_labels, largest_component_needs=int(needs_per.max()))
    single = needs_per[label] == 1  # a need alone in its component takes its cheapest place
    if single.any():
        pick = np.flatnonzero(single)[np.lexsort((slot[single], weight[single], label[single]))]
        first = np.r_[True, label[pick][1:] != label[pick][:-1]]
        result[need[pick[first]]] = edge[pick[first]]
    order = np.flatnonzero(~single)[np.argsort(label[~single], kind="stable")]
    bounds = np.flatnonzero(np.r_[True, label[order][1:] != label[order][:-1], True])
    for start, stop in zip(bounds[:-1], bounds[1:]):
        part = order[start:stop]
        c = int(label[part[0]])
        m, s = int(needs_per[c]), int(slots_per[c])
        row_need = np.empty(m, dtype=np.int64)
        row_need[rows[part]] = need[part]
        big = None
        if points is not None:
            x, y = points[0][row_need], points[1][row_need]

            def big(r, cc, ww, mm, nn, begin, row_ids, x=x, y=y):
                """Tile-by-tile improvement of a surplus part too big for one exact solve."""
                stats["tiled_parts"] += 1
                return tiles.improve(r, cc, ww, mm, nn, begin, x[row_ids], y[row_ids], _tile_solve,
                                     tiles.TILE_ROWS, tiles.PASSES)
        if m * (s + min(m, s)) <= lap.DENSE_CELLS:
            found = lap.with_dummies(rows[part], cols[part], weight[part], m, s)
        else:
            found = lap.by_parts(rows[part], cols[part], weight[part], m, s,
                                 row_order=np.argsort(priority[row_need], kind="stable"), big=big, budget=exact_work)
        _record(result, part, rows, cols, found, edge, need)
    return result, stats


def _tile_solve(row: np.ndarray, col: np.ndarray, weight: np.ndarray, m: int, n: int) -> np.ndarray:
    """Exact solve of one tile of a surplus part: its smaller side is fully matched now, so stays so."""
    try:
        return lap.full_matching(row, col, weight, m, n)
    except ValueError:  # not expected; dummies are slower but always feasible
        return lap.with_dummies(row, col, weight, m, n)


def _record(result: np.ndarray, part: np.ndarray, rows: np.ndarray, cols: np.ndarray, found: np.ndarray,
            edge: np.ndarray, need: np.ndarray) -> None:
    """Write a component's (row -> column) answer back as (need -> edge)."""
    hit = part[found[rows[part]] == cols[part]]
    result[need[hit]] = edge[hit]


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
