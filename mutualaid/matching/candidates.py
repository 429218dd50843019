"""Who could take which need: the sparse candidate graph, found with k-d trees, never pair by pair.

Hard rules (a volunteer is a candidate only if all hold): vetted, available, not opted out, a
free place, offers the need's category, speaks its language, has a car for transport, and the
great-circle distance is within the volunteer's own radius.

Needs are grouped by (category, language), so each tree holds only volunteers who pass every
rule but distance. Volunteers are split into radius bands (1 km, ×1.5 per band): within a band
the tree searches to the band's top radius and each hit is then checked against the volunteer's
own radius. `nearest_edges` keeps each need's k cheapest candidates; `all_edges` keeps all.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from mutualaid.matching.arrays import NeedArrays, VolunteerArrays
from mutualaid.matching.geometry import SEARCH_SLACK, chord_for_km, haversine_km, unit_vectors
from mutualaid.matching.scoring import Weights, car_counts, need_cost, pair_cost
from mutualaid.matching.values import TRANSPORT

BAND_BASE_KM = 1.0
BAND_RATIO = 1.5


@dataclass(frozen=True, eq=False)
class Edges:
    """Candidate pairs as parallel arrays of positions (into the id-sorted arrays), km and cost."""

    need: np.ndarray
    vol: np.ndarray
    km: np.ndarray
    cost: np.ndarray

    def __len__(self) -> int:
        """How many pairs."""
        return int(self.need.size)

    def take(self, index: np.ndarray) -> Edges:
        """A subset (boolean mask or positions), in the order given."""
        return Edges(self.need[index], self.vol[index], self.km[index], self.cost[index])


def _concat(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Join (need, vol) position arrays found group by group."""
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def radius_bands(radius_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each volunteer's band, and each band's top radius (band 0 is everything up to 1 km)."""
    ratio = np.maximum(radius_km, BAND_BASE_KM) / BAND_BASE_KM
    band = np.ceil(np.log(ratio) / np.log(BAND_RATIO) - 1e-12).astype(np.int64)
    band = np.maximum(band, 0)
    top = BAND_BASE_KM * BAND_RATIO ** np.arange(int(band.max(initial=0)) + 1)
    return band, top


def need_groups(needs: NeedArrays, subset: np.ndarray) -> Iterator[tuple[str, str, np.ndarray]]:
    """The located needs in `subset`, grouped by (category, language), groups and members in order."""
    subset = subset[needs.located[subset]]
    if subset.size == 0:
        return
    keys = np.char.add(np.char.add(needs.category[subset], "\x00"), needs.language[subset])
    uniques, inverse = np.unique(keys, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(uniques.size + 1))
    for g, key in enumerate(uniques):
        category, language = str(key).split("\x00", 1)
        yield category, language, subset[order[bounds[g]:bounds[g + 1]]]


def eligible(vols: VolunteerArrays, ready: np.ndarray, category: str, language: str) -> np.ndarray:
    """Volunteers passing every rule except distance for needs of this category and language."""
    mask = ready & vols.offers_mask(category) & vols.speaks_mask(language)
    return mask & vols.has_car if category == TRANSPORT else mask


def _within_radius(needs: NeedArrays, vols: VolunteerArrays, need: np.ndarray, vol: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep the pairs whose haversine distance is within the volunteer's radius."""
    km = haversine_km(needs.lat[need], needs.lon[need], vols.lat[vol], vols.lon[vol])
    keep = km <= vols.radius_km[vol]
    return need[keep], vol[keep], km[keep]


def _edges(needs: NeedArrays, vols: VolunteerArrays, need: np.ndarray, vol: np.ndarray, w: Weights) -> Edges:
    """Distances and first-place costs for candidate pairs already known to pass every rule but distance."""
    need, vol, km = _within_radius(needs, vols, need, vol)
    part = need_cost(w, needs.urgency[need], needs.age_hours[need], needs.language[need])
    car = car_counts(w, needs.category[need], vols.has_car[vol])
    return Edges(need, vol, km, pair_cost(w, part, km, vols.radius_km[vol], vols.load[vol], car))


def _band_pairs(needs: NeedArrays, vols: VolunteerArrays, subset: np.ndarray
                ) -> Iterator[tuple[np.ndarray, np.ndarray, float]]:
    """For each (category, language) group and radius band: its needs, its volunteers and the band's top."""
    ready = vols.ready
    band, top = radius_bands(vols.radius_km)
    for category, language, group in need_groups(needs, subset):
        mask = eligible(vols, ready, category, language)
        for b in np.unique(band[mask]):
            yield group, np.flatnonzero(mask & (band == b)), float(top[b])


def all_edges(needs: NeedArrays, vols: VolunteerArrays, w: Weights, subset: np.ndarray | None = None) -> Edges:
    """Every candidate pair for the needs in `subset` (default: all), found tree against tree."""
    subset = np.arange(len(needs)) if subset is None else subset
    need_xyz, vol_xyz = unit_vectors(needs.lat, needs.lon), unit_vectors(vols.lat, vols.lon)
    parts = []
    for group, members, top in _band_pairs(needs, vols, subset):
        pairs = cKDTree(vol_xyz[members]).sparse_distance_matrix(
            cKDTree(need_xyz[group]), chord_for_km(top) * SEARCH_SLACK, output_type="ndarray")
        parts.append((group[pairs["j"]], members[pairs["i"]]))
    return _edges(needs, vols, *_concat(parts), w)


def cheapest_per_need(edges: Edges, k: int) -> Edges:
    """Each need's k cheapest pairs, ordered by need, then cost, then volunteer (ids break ties)."""
    order = np.lexsort((edges.vol, edges.cost, edges.need))
    edges = edges.take(order)
    if len(edges) == 0:
        return edges
    starts = np.flatnonzero(np.r_[True, edges.need[1:] != edges.need[:-1]])
    rank = np.arange(len(edges)) - np.repeat(starts, np.diff(np.r_[starts, len(edges)]))
    return edges.take(rank < k)


def nearest_edges(needs: NeedArrays, vols: VolunteerArrays, k: int, w: Weights) -> Edges:
    """About each need's k cheapest candidates: the k nearest per radius band, then the k cheapest of those.

    A band search that came back short returned everyone within the band's top radius. Only a
    full list thinned by the radius check may hide someone further out, so a need with such a
    list and fewer than k candidates is searched exhaustively: every need with fewer than k
    candidates has all of them, and none is wrongly left without any.
    """
    need_xyz, vol_xyz = unit_vectors(needs.lat, needs.lon), unit_vectors(vols.lat, vols.lon)
    parts, doubtful = [], np.zeros(len(needs), dtype=bool)
    for group, members, top in _band_pairs(needs, vols, np.arange(len(needs))):
        kk = min(k, members.size)
        _, hit = cKDTree(vol_xyz[members]).query(need_xyz[group], k=kk, workers=-1,
                                                 distance_upper_bound=chord_for_km(top) * SEARCH_SLACK)
        hit = hit.reshape(group.size, kk)
        found = hit < members.size
        need, vol = np.repeat(group, kk)[found.ravel()], members[hit[found]]
        outside = haversine_km(needs.lat[need], needs.lon[need], vols.lat[vol], vols.lon[vol]) > vols.radius_km[vol]
        thinned = np.zeros(len(needs), dtype=bool)
        thinned[need[outside]] = True
        doubtful[group] |= found[:, -1] & thinned[group]
        parts.append((need, vol))
    edges = cheapest_per_need(_edges(needs, vols, *_concat(parts), w), k)
    counts = np.bincount(edges.need, minlength=len(needs))
    redo = np.flatnonzero(doubtful & (counts < k))
    if redo.size == 0:
        return edges
    keep = ~np.isin(edges.need, redo)
    extra = all_edges(needs, vols, w, redo)
    merged = Edges(*(np.concatenate((getattr(edges, f)[keep], getattr(extra, f))) for f in ("need", "vol", "km", "cost")))
    return cheapest_per_need(merged, k)
