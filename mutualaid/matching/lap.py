"""Exact assignment solvers on integer weights: most pairs matched first, then least total weight.

A problem is m rows × n columns with edges (row, col, weight >= 1). Two ways to solve it:

- `with_dummies`: every row of the smaller side gets its own "unassigned" column of weight D,
  so a full matching always exists; D is big enough that one more real pair always beats any saving (proof
  below). Dense problems go to linear_sum_assignment, sparse ones to LAPJVsp
  (min_weight_full_bipartite_matching).
- `by_parts`: the same optimum without dummies. A maximum matching (a max flow) and the
  Dulmage–Mendelsohn decomposition split the graph into a row-surplus part, a column-surplus
  part and a perfect part; every maximum matching keeps to them, so each is solved on its own
  as a full matching. Much faster on big graphs: scipy's LAPJVsp runs a search from every
  free row, and on a rectangular problem (which dummies always make) every row starts free,
  each search costing O(columns); a dummy-free square part is mostly settled by its
  initialisation instead.

Why D = r·(W + 1) + 1 suffices (r = the smaller side, W = the largest real weight): take an
optimal full matching whose real part has k pairs, and suppose some matching has more. By
Berge's lemma its real part has an augmenting path, adding t + 1 real edges (each covering a
distinct row of the smaller side, so t + 1 <= r) and dropping t. Flipping it frees one dummy
(−D), adds at most (t + 1)·W and removes at least t, a change of at most r·W − D < 0: a cheaper
full matching, a contradiction. So the optimum has the most pairs, and as all such pay the
same dummies, the least real weight. Weights are integers (milli-cost units), so every sum
below 2**53 is exact in float64: at r = 10**5 and W ≈ 6.5·10**3 totals stay below 10**14.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, maximum_flow, min_weight_full_bipartite_matching

DENSE_CELLS = 250_000  # up to this many cells (with dummies) a problem is solved dense


def dummy_weight(rows: int, max_weight: int) -> int:
    """The weight of an "unassigned" column: large enough that matching more always wins."""
    return rows * (max_weight + 1) + 1


def with_dummies(row: np.ndarray, col: np.ndarray, weight: np.ndarray, m: int, n: int) -> np.ndarray:
    """Column matched to each row (or -1), via one dummy column per row of the smaller side."""
    flip = m > n
    if flip:
        row, col, m, n = col, row, n, m
    dummy = float(dummy_weight(m, int(weight.max(initial=0))))
    if m * (n + m) <= DENSE_CELLS:
        matrix = np.full((m, n + m), np.inf)
        matrix[row, col] = weight
        matrix[np.arange(m), n + np.arange(m)] = dummy
        r, c = linear_sum_assignment(matrix)
    else:
        graph = csr_matrix((np.r_[weight.astype(float), np.full(m, dummy)],
                            (np.r_[row, np.arange(m)], np.r_[col, n + np.arange(m)])), shape=(m, n + m))
        r, c = min_weight_full_bipartite_matching(graph)
    real = c < n
    return _as_row_match(r[real], c[real], flip, m, n)


def _as_row_match(r: np.ndarray, c: np.ndarray, flipped: bool, m: int, n: int) -> np.ndarray:
    """Pairs as 'column for each original row', undoing a transposition."""
    if flipped:
        r, c, m = c, r, n
    match = np.full(m, -1, dtype=np.int64)
    match[r] = c
    return match


def maximum_matching(row: np.ndarray, col: np.ndarray, weight: np.ndarray, m: int, n: int,
                     row_order: np.ndarray | None = None, col_capacity: np.ndarray | None = None) -> np.ndarray:
    """A maximum (b-)matching as a maximum flow (Dinic): for each edge, whether it is used.

    Columns take up to `col_capacity` rows (default 1). Rows first in `row_order`, and cheaper
    edges, are laid out first, so the first blocking flow is close to "most pressing first,
    cheapest first". Not Hopcroft–Karp: scipy's can take exponential time on some graphs
    (scipy#26147; 190 s on a 100k-need city here, where Dinic takes under a second).
    """
    rank = np.arange(m) if row_order is None else np.argsort(row_order, kind="stable")
    order = _argsort_keys(rank[row], weight, col)
    source, sink = 0, m + n + 1
    capacity = np.ones(n, dtype=np.int32) if col_capacity is None else col_capacity.astype(np.int32)
    heads = np.r_[np.zeros(m, dtype=np.int64), 1 + rank[row[order]], 1 + m + np.arange(n)]
    tails = np.r_[1 + np.arange(m), 1 + m + col[order], np.full(n, sink)]
    indptr = np.searchsorted(heads, np.arange(sink + 2))
    data = np.r_[np.ones(m + order.size, dtype=np.int32), capacity]
    flow = maximum_flow(csr_matrix((data, tails, indptr), shape=(sink + 1, sink + 1)), source, sink,
                        method="dinic").flow.tocoo()
    hit = (flow.data > 0) & (flow.row >= 1) & (flow.row <= m) & (flow.col > m) & (flow.col <= m + n)
    key = row * n + col  # (row, column) pairs are distinct
    by_key = np.argsort(key)
    found = np.argsort(rank)[flow.row[hit] - 1] * n + (flow.col[hit] - 1 - m)
    used = np.zeros(row.size, dtype=bool)
    used[by_key[np.searchsorted(key[by_key], found)]] = True
    return used


def _argsort_keys(*keys: np.ndarray) -> np.ndarray:
    """Order by several non-negative integer keys (first is most significant), packed into one int64."""
    bits = [max(int(k.max(initial=0)), 1).bit_length() for k in keys]
    if sum(bits) > 62:
        return np.lexsort(keys[::-1])
    packed = np.zeros(keys[0].size, dtype=np.int64)
    for key, width in zip(keys, bits):
        packed = (packed << width) | key.astype(np.int64)
    return np.argsort(packed, kind="stable")


def match_from_used(row: np.ndarray, col: np.ndarray, used: np.ndarray, m: int) -> np.ndarray:
    """Column matched to each row (or -1), from a used-edge mask of a matching."""
    match = np.full(m, -1, dtype=np.int64)
    match[row[used]] = col[used]
    return match


def _reach(heads: np.ndarray, tails: np.ndarray, starts: np.ndarray, size: int) -> np.ndarray:
    """Which of `size` nodes a breadth-first search from `starts` reaches along heads -> tails."""
    source = size
    graph = csr_matrix((np.ones(heads.size + starts.size), (np.r_[heads, np.full(starts.size, source)],
                                                            np.r_[tails, starts])), shape=(size + 1,) * 2)
    seen = np.zeros(size + 1, dtype=bool)
    seen[breadth_first_order(graph, source, directed=True, return_predecessors=False)] = True
    return seen[:size]


def dm_parts(row: np.ndarray, col: np.ndarray, match: np.ndarray, m: int, n: int
             ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Dulmage–Mendelsohn: (row mask, column mask) of the row-surplus, column-surplus and perfect parts."""
    col_match = np.full(n, -1, dtype=np.int64)
    matched = np.flatnonzero(match >= 0)
    col_match[match[matched]] = matched
    used = np.flatnonzero(col_match >= 0)
    # Alternating search from free rows: any edge row -> column, then the matching back.
    seen = _reach(np.r_[row, m + used], np.r_[m + col, col_match[used]], np.flatnonzero(match < 0), m + n)
    rows_d, cols_a = seen[:m], seen[m:]
    # And from free columns: any edge column -> row, then the matching back.
    seen = _reach(np.r_[m + col, matched], np.r_[row, m + match[matched]], m + np.flatnonzero(col_match < 0), m + n)
    rows_a, cols_d = seen[:m], seen[m:]
    return [(rows_d, cols_a), (rows_a, cols_d), (~rows_d & ~rows_a, ~cols_a & ~cols_d)]


def full_matching(row: np.ndarray, col: np.ndarray, weight: np.ndarray, m: int, n: int) -> np.ndarray:
    """Least-weight matching covering the smaller side, which the caller knows to exist."""
    if m == 0 or n == 0:
        return np.full(m, -1, dtype=np.int64)
    if m * n <= DENSE_CELLS:
        matrix = np.full((m, n), np.inf)
        matrix[row, col] = weight
        r, c = linear_sum_assignment(matrix)
    else:
        r, c = min_weight_full_bipartite_matching(csr_matrix((weight.astype(float), (row, col)), shape=(m, n)))
    return _as_row_match(r, c, False, m, n)


def restrict(row: np.ndarray, col: np.ndarray, rows: np.ndarray, cols: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Edges inside a (row mask, column mask) part, renumbered; plus the kept edges and the part's rows/columns."""
    keep = np.flatnonzero(rows[row] & cols[col])
    row_ids, col_ids = np.flatnonzero(rows), np.flatnonzero(cols)
    return keep, np.searchsorted(row_ids, row[keep]), np.searchsorted(col_ids, col[keep]), row_ids, col_ids


def by_parts(row: np.ndarray, col: np.ndarray, weight: np.ndarray, m: int, n: int,
             start: np.ndarray | None = None, row_order: np.ndarray | None = None,
             big: Callable[..., np.ndarray] | None = None, budget: float = float("inf")) -> np.ndarray:
    """Column matched to each row (or -1): a maximum matching of least weight, part by part.

    `start` is any maximum matching (column per row), if the caller has one; the parts do not
    depend on which.

    A surplus part whose exact solve would cost more than `budget` (rows × columns, the work
    of scipy's rectangular LAPJVsp) is handed to `big(r, c, w, m, n, start, row_ids)` instead,
    with the maximum matching restricted to it as a starting point.
    """
    if start is None:
        start = match_from_used(row, col, maximum_matching(row, col, weight, m, n, row_order), m)
    match, result = start, np.full(m, -1, dtype=np.int64)
    for index, (rows, cols) in enumerate(dm_parts(row, col, match, m, n)):
        keep, r, c, row_ids, col_ids = restrict(row, col, rows, cols)
        if keep.size == 0:
            continue
        if big is not None and index < 2 and float(row_ids.size) * col_ids.size > budget:
            start = np.searchsorted(col_ids, match[row_ids])  # the matching keeps to its part
            part = big(r, c, weight[keep], row_ids.size, col_ids.size, start, row_ids)
        else:
            part = full_matching(r, c, weight[keep], row_ids.size, col_ids.size)
        hit = part >= 0
        result[row_ids[hit]] = col_ids[part[hit]]
    return result
