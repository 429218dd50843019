"""Why a need has no candidate: the first unmet rule, in the order a coordinator would fix it."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.spatial import cKDTree

from mutualaid.matching.arrays import NeedArrays, VolunteerArrays
from mutualaid.matching.candidates import need_groups
from mutualaid.matching.geometry import SEARCH_SLACK, chord_for_km, haversine_km, unit_vectors
from mutualaid.matching.values import (
    LOCATION_UNKNOWN,
    NOBODY_FOR_CATEGORY,
    NOBODY_FREE,
    NOBODY_IN_RANGE,
    NOBODY_WITH_CAR,
    NOBODY_WITH_LANGUAGE,
    TRANSPORT,
)


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


def _passing(vols: VolunteerArrays, step: int, category: str, language: str) -> np.ndarray:
    """Who passes every rule up to `step`: in the pool (0), offers the category (1), speaks the language (2), drives."""
    mask = vols.pool
    if step >= 1:
        mask = mask & vols.offers_mask(category)
    if step >= 2:
        mask = mask & vols.speaks_mask(language)
    return mask & vols.has_car if step >= 3 else mask


def _sharing(needs: NeedArrays, asked: np.ndarray, step: int) -> Iterator[tuple[str, str, np.ndarray]]:
    """The needs in `asked` grouped by what the step's rules look at: nothing, the category, or it and the language."""
    if step == 0:
        yield "", "", asked
    elif step == 1:
        category = needs.category[asked]
        for value in np.unique(category).tolist():
            yield value, "", asked[category == value]
    else:
        yield from need_groups(needs, asked)


def _anyone_reaches(vols: VolunteerArrays, mask: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """For each point, whether some volunteer in `mask` has it within their own radius.

    Power-distance lifting makes per-volunteer radii one tree query: a volunteer at x with chord
    radius c becomes (x, sqrt(C² − c²)) in 4-D, a need at p becomes (p, 0), and then
    |p' − x'|² = |p − x|² + C² − c² <= C² exactly when |p − x| <= c. The nearest lifted
    volunteer is the one that reaches furthest past the point, so it alone decides.
    """
    members = np.flatnonzero(mask)
    if members.size == 0:
        return np.zeros(lat.size, dtype=bool)
    chord = chord_for_km(vols.radius_km[members])
    top = float(chord.max())
    lifted = np.column_stack((unit_vectors(vols.lat[members], vols.lon[members]), np.sqrt(top ** 2 - chord ** 2)))
    points = np.column_stack((unit_vectors(lat, lon), np.zeros(lat.size)))
    _, hit = cKDTree(lifted).query(points, k=1, distance_upper_bound=top * SEARCH_SLACK + 1e-12)
    found = hit < members.size
    vol = members[np.minimum(hit, members.size - 1)]
    return found & (haversine_km(lat, lon, vols.lat[vol], vols.lon[vol]) <= vols.radius_km[vol])


def explain(needs: NeedArrays, vols: VolunteerArrays, positions: np.ndarray) -> dict[int, str]:
    """A reason code for each need at `positions` (id -> code); meant for those with no candidate.

    Rule by rule, all needs still unexplained that share what the rule looks at are asked at once
    (one lifted-tree query: the pool's tree is built once, not once per category and language),
    so this never lists who is in range.
    """
    reasons = {int(i): LOCATION_UNKNOWN for i in needs.ids[positions[~needs.located[positions]]]}
    open_ = positions[needs.located[positions]]
    steps = (NOBODY_IN_RANGE, NOBODY_FOR_CATEGORY, NOBODY_WITH_LANGUAGE, NOBODY_WITH_CAR)
    for step, reason in enumerate(steps):
        asked = open_ if step < 3 else open_[needs.category[open_] == TRANSPORT]
        if asked.size == 0:
            continue
        missed = np.zeros(len(needs), dtype=bool)
        for category, language, group in _sharing(needs, asked, step):
            missed[group] = ~_anyone_reaches(vols, _passing(vols, step, category, language),
                                             needs.lat[group], needs.lon[group])
        reasons.update((int(i), reason) for i in needs.ids[missed])
        open_ = open_[~missed[open_]]
    reasons.update((int(i), NOBODY_FREE) for i in needs.ids[open_])
    return reasons
