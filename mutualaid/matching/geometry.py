"""Great-circle distances, vectorised, and the 3-D unit vectors a k-d tree needs."""
from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG), as in domain.privacy.haversine_km


def haversine_km(lat1: np.ndarray | float, lon1: np.ndarray | float,
                 lat2: np.ndarray | float, lon2: np.ndarray | float) -> np.ndarray:
    """Great-circle distance in km between points (degrees), broadcasting like numpy."""
    rlat1, rlat2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = rlat2 - rlat1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dlat / 2) ** 2 + np.cos(rlat1) * np.cos(rlat2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points on the unit sphere, shape (n, 3): straight-line (chord) order = great-circle order."""
    rlat, rlon = np.radians(lat), np.radians(lon)
    cos_lat = np.cos(rlat)
    return np.column_stack((cos_lat * np.cos(rlon), cos_lat * np.sin(rlon), np.sin(rlat)))


def chord_for_km(km: np.ndarray | float) -> np.ndarray:
    """The unit-sphere chord matching a great-circle distance: 2·sin(d / 2R)."""
    return 2 * np.sin(np.minimum(np.asarray(km, dtype=float), np.pi * EARTH_RADIUS_KM) / (2 * EARTH_RADIUS_KM))


def km_for_chord(chord: np.ndarray | float) -> np.ndarray:
    """The great-circle distance matching a unit-sphere chord: 2R·asin(c / 2) (equal to haversine)."""
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord, dtype=float) / 2, 0.0, 1.0))


# Tree searches use a radius this much larger than asked, then filter on haversine
# distance, so that float rounding in the chord never drops a point on the boundary.
SEARCH_SLACK = 1 + 1e-9
