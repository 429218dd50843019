"""Improving a huge matching tile by tile, when one exact solve of it would take too long.

Start from a maximum matching (so the number matched is already the best possible), then
re-solve small map tiles with an exact solver, one after another: a tile's needs may keep their
places, swap them, or take free ones, and its solve matches as many of them as before (the
tile's smaller side is fully matched now, so stays so); the tile's old assignment stays
whenever the new one would cost more. So no pass ever loses a match or adds cost. Later passes
use tiles cut on rotated axes, so what a tile edge blocked in one pass is inside a tile in the next.

Each pass solves on weights divided by its entry of COARSE (rounded down). scipy's LAPJVsp
settles one path length at a time in each of its searches, scanning every column of the tile
for each, so fewer distinct weights make it 2–4 times faster; the exact weights still decide
whether a tile's new assignment is kept. Steps of 60 and then 20 milli-cost units leave the
total cost 0.15 % above the optimum at 100,000 × 100,000 (README.md here).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

TILE_ROWS = 1500     # at most this many rows (needs) per tile: a tile solve takes ~5-30 ms
COARSE = (60, 20)    # one pass per entry: solver weights are divided by it


def kd_tiles(x: np.ndarray, y: np.ndarray, size: int) -> np.ndarray:
    """Tile number of each point: split at the median of the wider axis until tiles hold <= size points."""
    label = np.zeros(x.size, dtype=np.int64)
    pending, next_label = [np.arange(x.size)], 0
    while pending:
        part = pending.pop()
        if part.size <= size:
            label[part] = next_label
            next_label += 1
            continue
        axis = x if np.ptp(x[part]) >= np.ptp(y[part]) else y
        part = part[np.argpartition(axis[part], part.size // 2)]
        pending += [part[part.size // 2:], part[:part.size // 2]]
    return label


def improve(row: np.ndarray, col: np.ndarray, weight: np.ndarray, m: int, n: int, match: np.ndarray,
            x: np.ndarray, y: np.ndarray, solve: Callable[..., np.ndarray],
            tile_rows: int = TILE_ROWS, coarse: tuple[int, ...] = COARSE) -> np.ndarray:
    """Re-solve tiles of rows (at points x, y) with `solve`, starting from `match` (column per row, -1: none).

    One pass per entry of `coarse`, solving on weights // that step + 1; a tile's new
    assignment is kept only if it matches more rows, or as many at no greater (exact) weight.
    """
    match = match.copy()
    if np.any(row[1:] < row[:-1]):
        order = np.argsort(row, kind="stable")
        row, col, weight = row[order], col[order], weight[order]
    indptr = np.searchsorted(row, np.arange(m + 1))
    owner = np.full(n, -1, dtype=np.int64)
    owner[match[match >= 0]] = np.flatnonzero(match >= 0)
    in_tile, local_row, local_col = np.zeros(m, dtype=bool), np.zeros(m, dtype=np.int64), np.zeros(n, dtype=np.int64)
    col_seen = np.zeros(n, dtype=bool)
    for p, step in enumerate(coarse):
        u, v = (x, y) if p % 2 == 0 else (x + y, x - y)
        label = kd_tiles(u, v, tile_rows)
        by_tile = np.argsort(label, kind="stable")
        bounds = np.searchsorted(label[by_tile], np.arange(label.max() + 2))
        for t in range(bounds.size - 1):
            rows = by_tile[bounds[t]:bounds[t + 1]]
            degree = indptr[rows + 1] - indptr[rows]
            first = np.cumsum(degree) - degree
            edge = np.repeat(indptr[rows] - first, degree) + np.arange(degree.sum())
            in_tile[rows] = True
            holder = owner[col[edge]]
            edge = edge[(holder < 0) | in_tile[np.maximum(holder, 0)]]
            in_tile[rows] = False
            if edge.size == 0:
                continue
            tile_col, tile_weight = col[edge], weight[edge]
            col_seen[tile_col] = True
            cols = np.flatnonzero(col_seen)
            col_seen[cols] = False
            local_row[rows], local_col[cols] = np.arange(rows.size), np.arange(cols.size)
            tile_row = local_row[row[edge]]
            found = solve(tile_row, local_col[tile_col], tile_weight // step + 1, rows.size, cols.size)
            new, old = np.where(found >= 0, cols[np.maximum(found, 0)], -1), match[rows]
            if _better(new, old, tile_row, tile_col, tile_weight):
                owner[old[old >= 0]] = -1
                match[rows] = new
                owner[new[new >= 0]] = rows[new >= 0]
    return match


def _better(new: np.ndarray, old: np.ndarray, row: np.ndarray, col: np.ndarray, weight: np.ndarray) -> bool:
    """Whether a tile's new assignment (column per tile row) matches more rows, or as many at no greater weight."""
    if (new >= 0).sum() != (old >= 0).sum():
        return bool((new >= 0).sum() > (old >= 0).sum())
    return bool(weight[col == new[row]].sum() <= weight[col == old[row]].sum())
