"""Why a need has no candidate: the first unmet rule, in the order a coordinator would fix it."""
from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from mutualaid.matching.arrays import NeedArrays, VolunteerArrays
from mutualaid.matching.candidates import radius_bands
from mutualaid.matching.geometry import SEARCH_SLACK, chord_for_km, haversine_km, unit_vectors
from mutualaid.matching.values import (LOCATION_UNKNOWN, NOBODY_FOR_CATEGORY, NOBODY_FREE, NOBODY_IN_RANGE,
                                       NOBODY_WITH_CAR, NOBODY_WITH_LANGUAGE, TRANSPORT)


def first_gap(vols: VolunteerArrays, in_range: np.ndarray, category: str, language: str) -> str | None:
    """Walk the rules in order over the pool volunteers who reach the need; None if someone passes all.

    The pool is everyone located, vetted and not opted out. Being unavailable or full is
    temporary, so it comes last ("nobody_free": the right people exist but are busy).
    """
    if in_range.size == 0:
        return NOBODY_IN_RANGE
    in_range = in_range[vols.offers_mask(category)[in_range]]
    if in_range.size == 0:
        return NOBODY_FOR_CATEGORY
    in_range = in_range[vols.speaks_mask(language)[in_range]]
    if in_range.size == 0:
        return NOBODY_WITH_LANGUAGE
    if category == TRANSPORT:
        in_range = in_range[vols.has_car[in_range]]
        if in_range.size == 0:
            return NOBODY_WITH_CAR
    return None if vols.ready[in_range].any() else NOBODY_FREE


def reach_one(vols: VolunteerArrays, lat: float, lon: float) -> tuple[np.ndarray, np.ndarray]:
    """Pool volunteers whose radius reaches one point, and their distances (brute force, vectorised)."""
    km = haversine_km(lat, lon, vols.lat, vols.lon)
    reach = np.flatnonzero(vols.pool & (km <= vols.radius_km))
    return reach, km[reach]


def explain(needs: NeedArrays, vols: VolunteerArrays, positions: np.ndarray) -> dict[int, str]:
    """A reason code for each need at `positions` (id -> code); meant for the few with no candidate."""
    reasons: dict[int, str] = {}
    located = needs.located[positions]
    for p in positions[~located]:
        reasons[int(needs.ids[p])] = LOCATION_UNKNOWN
    positions = positions[located]
    if positions.size == 0:
        return reasons
    pool = np.flatnonzero(vols.pool)
    band, top = radius_bands(vols.radius_km[pool])
    need_xyz, vol_xyz = unit_vectors(needs.lat[positions], needs.lon[positions]), unit_vectors(vols.lat, vols.lon)
    near: list[list[np.ndarray]] = [[] for _ in positions]
    for b in np.unique(band):
        members = pool[band == b]
        hits = cKDTree(vol_xyz[members]).query_ball_point(need_xyz, chord_for_km(top[b]) * SEARCH_SLACK)
        for i, hit in enumerate(hits):
            near[i].append(members[np.asarray(hit, dtype=np.int64)])
    for i, p in enumerate(positions):
        vol = np.concatenate(near[i]) if near[i] else np.zeros(0, dtype=np.int64)
        km = haversine_km(needs.lat[p], needs.lon[p], vols.lat[vol], vols.lon[vol])
        vol = np.sort(vol[km <= vols.radius_km[vol]])
        reasons[int(needs.ids[p])] = first_gap(vols, vol, str(needs.category[p]), str(needs.language[p])) or NOBODY_FREE
    return reasons
