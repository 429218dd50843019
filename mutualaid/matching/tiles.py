"""Improving a huge matching tile by tile, when one exact solve of it would take too long.

Start from a maximum matching (so the number matched is already the best possible), then
re-solve small map tiles exactly, one after another: a tile's needs may keep their places,
swap them, or take free ones, and its exact solve matches as many of them as before or more,
at no greater cost. So no pass ever loses a match or adds cost. Later passes use tiles cut on
rotated axes, so what a tile edge blocked in one pass is inside a tile in the next.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

TILE_ROWS = 1500  # rows (needs) per tile: each exact tile solve takes ~10-20 ms
PASSES = 2


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
        part = part[np.argsort(axis[part], kind="stable")]
        pending += [part[part.size // 2:], part[:part.size // 2]]
    return label


def improve(row: np.ndarray, col: np.ndarray, weight: np.ndarray, m: int, n: int, match: np.ndarray,
            x: np.ndarray, y: np.ndarray, solve: Callable[..., np.ndarray],
            tile_rows: int = TILE_ROWS, passes: int = PASSES) -> np.ndarray:
    """Re-solve tiles of rows (at points x, y) with the exact `solve`, starting from `match`."""
    match = match.copy()
    order = np.lexsort((col, row))
    row, col, weight = row[order], col[order], weight[order]
    indptr = np.searchsorted(row, np.arange(m + 1))
    owner = np.full(n, -1, dtype=np.int64)
    owner[match[match >= 0]] = np.flatnonzero(match >= 0)
    in_tile = np.zeros(m, dtype=bool)
    for p in range(passes):
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
            local_rows = np.searchsorted(rows, row[edge])
            cols, local_cols = np.unique(col[edge], return_inverse=True)
            found = solve(local_rows, local_cols, weight[edge], rows.size, cols.size)
            owner[match[rows][match[rows] >= 0]] = -1
            match[rows] = np.where(found >= 0, cols[np.maximum(found, 0)], -1)
            owner[match[rows][match[rows] >= 0]] = rows[match[rows] >= 0]
    return match
