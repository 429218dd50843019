"""Who could take which need: the sparse candidate graph, found with k-d trees, never pair by pair.

Hard rules (a volunteer is a candidate only if all hold): vetted, available, not opted out, a
free place, offers the need's category, speaks its language, has a car for transport, and the
great-circle distance is within the volunteer's own radius.

Needs are grouped by (category, language), so each tree holds only volunteers who pass every
rule but distance. Volunteers are split into radius bands (up to 1, 2, 4, 8... km): within a
band the tree searches to the band's top radius and each hit is then checked against the
volunteer's own radius. Trees hold 3-D unit vectors; a great-circle distance d is a chord of
2·sin(d / 2R). `all_edges` lists every candidate pair; `nearest_edges` a pruned graph for
city-scale passes; `count_at_most` says which one a pass can afford.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from mutualaid.matching.arrays import NeedArrays, VolunteerArrays
from mutualaid.matching.geometry import SEARCH_SLACK, chord_for_km, km_for_chord, unit_vectors
from mutualaid.matching.scoring import Weights, car_counts, need_cost, pair_cost
from mutualaid.matching.values import TRANSPORT

BAND_BASE_KM = 1.0
BAND_RATIO = 2.0


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

    def plus(self, other: Edges) -> Edges:
        """These pairs followed by `other`'s."""
        return Edges(*(np.r_[getattr(self, f), getattr(other, f)] for f in ("need", "vol", "km", "cost")))


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
    categories, cat_code = np.unique(needs.category[subset], return_inverse=True)
    languages, lang_code = np.unique(needs.language[subset], return_inverse=True)
    uniques, inverse = np.unique(cat_code * languages.size + lang_code, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(uniques.size + 1))
    for g, key in enumerate(uniques.tolist()):
        category, language = str(categories[key // languages.size]), str(languages[key % languages.size])
        yield category, language, subset[order[bounds[g]:bounds[g + 1]]]


def eligible(vols: VolunteerArrays, ready: np.ndarray, category: str, language: str) -> np.ndarray:
    """Volunteers passing every rule except distance for needs of this category and language."""
    mask = ready & vols.offers_mask(category) & vols.speaks_mask(language)
    return mask & vols.has_car if category == TRANSPORT else mask


def priced(needs: NeedArrays, vols: VolunteerArrays, need: np.ndarray, vol: np.ndarray, km: np.ndarray,
           w: Weights) -> Edges:
    """Edges with first-place costs, for pairs already known to pass every rule."""
    part = need_cost(w, needs.urgency, needs.age_hours, needs.language)[need]  # once per need, not per pair
    car = car_counts(w, needs.category, True)[need] & vols.has_car[vol]
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


def _in_reach(vols: VolunteerArrays, need: np.ndarray, vol: np.ndarray, chord: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep the pairs within the volunteer's own radius; chord lengths become kilometres."""
    km = km_for_chord(chord)
    keep = km <= vols.radius_km[vol]
    return need[keep], vol[keep], km[keep]


def _stack(parts: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
    """Join (need, vol, km) arrays found group by group."""
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    return tuple(np.concatenate(column) for column in zip(*parts))


def all_edges(needs: NeedArrays, vols: VolunteerArrays, w: Weights, subset: np.ndarray | None = None) -> Edges:
    """Every candidate pair for the needs in `subset` (default: all), found tree against tree."""
    subset = np.arange(len(needs)) if subset is None else subset
    need_xyz, vol_xyz = unit_vectors(needs.lat, needs.lon), unit_vectors(vols.lat, vols.lon)
    parts = []
    for group, members, top in _band_pairs(needs, vols, subset):
        pairs = cKDTree(vol_xyz[members]).sparse_distance_matrix(
            cKDTree(need_xyz[group]), chord_for_km(top) * SEARCH_SLACK, output_type="ndarray")
        parts.append(_in_reach(vols, group[pairs["j"]], members[pairs["i"]], pairs["v"]))
    return priced(needs, vols, *_stack(parts), w)


def count_at_most(needs: NeedArrays, vols: VolunteerArrays, limit: int) -> bool:
    """Whether all candidate pairs number at most `limit`: counted tree against tree, never listed.

    Counts use each band's top radius, so they can only overestimate.
    """
    need_xyz, vol_xyz = unit_vectors(needs.lat, needs.lon), unit_vectors(vols.lat, vols.lon)
    total = 0
    for group, members, top in _band_pairs(needs, vols, np.arange(len(needs))):
        total += int(cKDTree(vol_xyz[members]).count_neighbors(cKDTree(need_xyz[group]),
                                                                chord_for_km(top) * SEARCH_SLACK))
        if total > limit:
            return False
    return True


def first_per(edges: Edges, side: np.ndarray, km: np.ndarray, other: np.ndarray, limit: np.ndarray) -> Edges:
    """For each value of `side`, its `limit[value]` nearest edges (to the metre, ties by `other`).

    One packed int64 sort key (side, metres, other) when it fits: far faster than lexsort.
    """
    metres = np.rint(km * 1000).astype(np.int64)
    bits = [int(np.max(a, initial=0)).bit_length() for a in (side, metres, other)]
    if sum(bits) <= 62:
        order = np.argsort((side << (bits[1] + bits[2])) | (metres << bits[2]) | other)
    else:
        order = np.lexsort((other, metres, side))
    edges, side = edges.take(order), side[order]
    if len(edges) == 0:
        return edges
    starts = np.flatnonzero(np.r_[True, side[1:] != side[:-1]])
    rank = np.arange(len(edges)) - np.repeat(starts, np.diff(np.r_[starts, len(edges)]))
    return edges.take(rank < limit[side])


def _knn(tree: cKDTree, points: np.ndarray, k: int, top_km: float) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest tree points within top_km of each point, as (points × k) arrays of km and index.

    Missing neighbours have km = inf and index = tree.n. One thread: on the shared 2-core bench
    machine, scipy's worker threads made the whole search slower (2.9 s against 2.6 s).
    """
    chord, hit = tree.query(points, k=k, distance_upper_bound=chord_for_km(top_km) * SEARCH_SLACK)
    return km_for_chord(chord).reshape(len(points), k), hit.reshape(len(points), k)


def _nearest_listed(group: np.ndarray, km: np.ndarray, vol: np.ndarray, k: int, n_vols: int
                    ) -> tuple[np.ndarray, ...]:
    """Each row's k nearest listed candidates (vol -1: none), to the metre, ties by id, as (need, vol, km)."""
    metres = np.rint(np.where(vol >= 0, km, 0.0) * 1000).astype(np.int64)
    key = np.where(vol >= 0, metres * (n_vols + 1) + vol, np.iinfo(np.int64).max)
    best = np.argsort(key, axis=1, kind="stable")[:, :k]
    km, vol = np.take_along_axis(km, best, axis=1), np.take_along_axis(vol, best, axis=1)
    found = vol >= 0
    return np.repeat(group, best.shape[1])[found.ravel()], vol[found], km[found]


def _need_side(needs: NeedArrays, vols: VolunteerArrays, k: int, need_xyz: np.ndarray, vol_xyz: np.ndarray
               ) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Each need's k nearest candidates; and the needs whose band searches may have hidden some.

    One query per (category, language) group lists each need's k + k/3 nearest eligible
    volunteers, whatever their radius, and drops those who do not reach it. Anyone not listed is
    further than everyone listed, so a need keeping k or more, or whose list came back short
    (everyone within the longest radius), is settled. The rest, where walkers crowd out drivers
    further away (8 % of needs in the London benchmark), are searched band by band.
    """
    ready, scan = vols.ready, k + k // 3
    parts, unsettled = [], []
    for category, language, group in need_groups(needs, np.arange(len(needs))):
        members = np.flatnonzero(eligible(vols, ready, category, language))
        if members.size == 0:
            continue
        top = float(vols.radius_km[members].max())
        km, hit = _knn(cKDTree(vol_xyz[members], balanced_tree=False), need_xyz[group], min(scan, members.size), top)
        vol = np.append(members, -1)[hit]
        vol = np.where(np.isfinite(km) & (km <= vols.radius_km[vol]), vol, -1)
        settled = ~np.isfinite(km[:, -1]) | ((vol >= 0).sum(axis=1) >= k)
        parts.append(_nearest_listed(group[settled], km[settled], vol[settled], k, len(vols)))
        unsettled.append(group[~settled])
    rest = np.concatenate(unsettled) if unsettled else np.zeros(0, dtype=np.int64)
    banded, doubtful = _by_band(needs, vols, k, need_xyz, vol_xyz, rest)
    return _stack(parts + banded), doubtful


def _by_band(needs: NeedArrays, vols: VolunteerArrays, k: int, need_xyz: np.ndarray, vol_xyz: np.ndarray,
             subset: np.ndarray) -> tuple[list[tuple[np.ndarray, ...]], np.ndarray]:
    """The k nearest candidates of the needs in `subset`, band by band; and whose searches may have hidden some.

    Within a band, the k nearest within the band's top radius, checked against each volunteer's own.
    """
    ready = vols.ready
    band, top = radius_bands(vols.radius_km)
    parts, doubtful = [], np.zeros(len(needs), dtype=bool)
    for category, language, group in need_groups(needs, subset):
        mask = eligible(vols, ready, category, language)
        kms, ids = [], []
        for b in np.unique(band[mask]):
            members = np.flatnonzero(mask & (band == b))
            km, hit = _knn(cKDTree(vol_xyz[members], balanced_tree=False), need_xyz[group], min(k, members.size),
                           float(top[b]))
            vol = np.append(members, -1)[hit]
            outside = np.isfinite(km) & (km > vols.radius_km[vol])
            doubtful[group] |= np.isfinite(km[:, -1]) & outside.any(axis=1)
            kms.append(km)
            ids.append(np.where(outside | ~np.isfinite(km), -1, vol))
        if kms:
            parts.append(_nearest_listed(group, np.hstack(kms), np.hstack(ids), k, len(vols)))
    return parts, doubtful


def _volunteer_side(needs: NeedArrays, vols: VolunteerArrays, limit: np.ndarray, need_xyz: np.ndarray,
                    vol_xyz: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each volunteer's `limit` nearest needs within their radius, per group.

    Their nearest needs whatever the radius, cut at the radius: what is left is the nearest within it.
    """
    ready = vols.ready & (limit > 0)
    parts = []
    for category, language, group in need_groups(needs, np.arange(len(needs))):
        members = np.flatnonzero(eligible(vols, ready, category, language))
        if members.size == 0:
            continue
        tree = cKDTree(need_xyz[group], balanced_tree=False)
        for places in np.unique(limit[members]):
            mine = members[limit[members] == places]
            k = int(min(places, group.size))
            km, hit = _knn(tree, vol_xyz[mine], k, float(vols.radius_km[mine].max()))
            keep = km <= vols.radius_km[mine][:, None]
            parts.append((np.append(group, -1)[hit[keep]], np.repeat(mine, k)[keep.ravel()], km[keep]))
    return _stack(parts)


def nearest_edges(needs: NeedArrays, vols: VolunteerArrays, k: int, w: Weights, reach: int = 4) -> Edges:
    """A pruned candidate graph: each need's k nearest candidates, plus volunteers' nearest needs.

    Nearest, not cheapest: cheapest-first lists crowd onto far-reaching drivers and matched a
    quarter fewer needs in the London benchmark. A volunteer listed by fewer than `reach` × (free
    places) needs also gets that many of their own nearest needs, so nobody with a need in reach
    is left without an edge; it adds little (+16 needs matched at 100,000, as many as giving
    every volunteer their nearest needs, for a third of the search time).

    A search that came back short returned everyone within its radius; only a full list thinned
    by the radius check may hide someone. Such needs are searched again band by band, and if a
    band's list was thinned too and they still have fewer than k candidates, exhaustively: every
    need with fewer than k candidates has all of them, and none is wrongly left without any.
    """
    need_xyz, vol_xyz = unit_vectors(needs.lat, needs.lon), unit_vectors(vols.lat, vols.lon)
    (need, vol, km), doubtful = _need_side(needs, vols, k, need_xyz, vol_xyz)
    edges = Edges(need, vol, km, km)
    counts = np.bincount(edges.need, minlength=len(needs))
    redo = np.flatnonzero(doubtful & (counts < k))
    if redo.size:
        extra = all_edges(needs, vols, w, redo)
        keep = ~np.isin(edges.need, redo)
        edges = Edges(*(np.r_[getattr(edges, f)[keep], getattr(extra, f)] for f in ("need", "vol", "km", "cost")))
    limit = reach * vols.spare
    limit[np.bincount(edges.vol, minlength=len(vols)) >= limit] = 0  # listed by enough needs already
    v_need, v_vol, v_km = _volunteer_side(needs, vols, limit, need_xyz, vol_xyz)
    mine = Edges(v_need, v_vol, v_km, v_km)
    mine = first_per(mine, mine.vol, mine.km, mine.need, limit)
    need, vol, km = (np.r_[getattr(edges, f), getattr(mine, f)] for f in ("need", "vol", "km"))
    _, unique = np.unique(need * len(vols) + vol, return_index=True)
    return priced(needs, vols, need[unique], vol[unique], km[unique], w)
