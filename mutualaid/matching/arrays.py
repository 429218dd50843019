"""Columnar (numpy) forms of needs and volunteers, so a whole city is filtered in a few array ops."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from functools import cached_property

import numpy as np

from mutualaid.domain.categories import URGENCIES
from mutualaid.matching.values import NeedRow, VolunteerRow

URGENCY_INDEX = {name: i for i, name in enumerate(URGENCIES)}


def _coord(value: float | None) -> float:
    """A coordinate, with None (not geocoded) as NaN."""
    return float("nan") if value is None else float(value)


def _check_ids(ids: np.ndarray, what: str) -> None:
    """Ids key the results, so they must be unique."""
    if np.unique(ids).size != ids.size:
        raise ValueError(f"{what} ids must be unique")


@dataclass(frozen=True, eq=False)
class NeedArrays:
    """Needs as columns; `urgency` holds indices into URGENCIES, missing coordinates are NaN."""

    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    category: np.ndarray
    language: np.ndarray
    urgency: np.ndarray
    age_hours: np.ndarray

    def __post_init__(self) -> None:
        """Coerce every column to its numpy type and check they line up."""
        kinds = {"ids": np.int64, "lat": float, "lon": float, "category": str, "language": str,
                 "urgency": np.int64, "age_hours": float}
        for name, kind in kinds.items():
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=kind).reshape(-1))
        if len({getattr(self, f.name).size for f in fields(self)}) > 1:
            raise ValueError("need columns must all have the same length")
        if self.ids.size and (self.urgency.min() < 0 or self.urgency.max() >= len(URGENCIES)):
            raise ValueError("urgency indices must point into URGENCIES")
        _check_ids(self.ids, "need")

    @classmethod
    def from_rows(cls, rows: Iterable[NeedRow]) -> NeedArrays:
        """Columns from NeedRow values (one pass over the rows)."""
        rows = list(rows)
        return cls(ids=[r.id for r in rows], lat=[_coord(r.lat) for r in rows], lon=[_coord(r.lon) for r in rows],
                   category=[r.category for r in rows], language=[r.language for r in rows],
                   urgency=[URGENCY_INDEX[r.urgency] for r in rows], age_hours=[r.age_hours for r in rows])

    def __len__(self) -> int:
        """How many needs."""
        return int(self.ids.size)

    @property
    def located(self) -> np.ndarray:
        """Which needs have coordinates."""
        return np.isfinite(self.lat) & np.isfinite(self.lon)

    def sorted_by_id(self) -> NeedArrays:
        """The same needs in id order, so results never depend on input order."""
        if np.all(self.ids[:-1] < self.ids[1:]):
            return self
        order = np.argsort(self.ids, kind="stable")
        return NeedArrays(**{f.name: getattr(self, f.name)[order] for f in fields(self)})


@dataclass(frozen=True, eq=False)
class VolunteerArrays:
    """Volunteers as columns; `offers`/`speaks` map a category/language to a boolean column."""

    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    radius_km: np.ndarray
    capacity: np.ndarray
    load: np.ndarray
    has_car: np.ndarray
    available: np.ndarray
    vetted: np.ndarray
    opted_out: np.ndarray
    offers: Mapping[str, np.ndarray]
    speaks: Mapping[str, np.ndarray]

    def __post_init__(self) -> None:
        """Coerce every column to its numpy type and check they line up."""
        kinds = {"ids": np.int64, "lat": float, "lon": float, "radius_km": float, "capacity": np.int64,
                 "load": np.int64, "has_car": bool, "available": bool, "vetted": bool, "opted_out": bool}
        for name, kind in kinds.items():
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=kind).reshape(-1))
        for name in ("offers", "speaks"):
            object.__setattr__(self, name, {k: np.asarray(v, dtype=bool).reshape(-1)
                                            for k, v in getattr(self, name).items()})
        sizes = {getattr(self, name).size for name in kinds}
        sizes |= {v.size for v in (*self.offers.values(), *self.speaks.values())}
        if len(sizes) > 1:
            raise ValueError("volunteer columns must all have the same length")
        _check_ids(self.ids, "volunteer")

    @classmethod
    def from_rows(cls, rows: Iterable[VolunteerRow]) -> VolunteerArrays:
        """Columns from VolunteerRow values (one pass over the rows)."""
        rows = list(rows)
        offers: dict[str, np.ndarray] = {}
        speaks: dict[str, np.ndarray] = {}
        for i, row in enumerate(rows):
            for table, keys in ((offers, row.categories), (speaks, row.languages)):
                for key in keys:
                    table.setdefault(key, np.zeros(len(rows), dtype=bool))[i] = True
        plain = {name: [getattr(r, name) for r in rows]
                 for name in ("radius_km", "capacity", "load", "has_car", "available", "vetted", "opted_out")}
        return cls(ids=[r.id for r in rows], lat=[_coord(r.lat) for r in rows], lon=[_coord(r.lon) for r in rows],
                   offers=offers, speaks=speaks, **plain)

    def __len__(self) -> int:
        """How many volunteers."""
        return int(self.ids.size)

    @cached_property
    def pool(self) -> np.ndarray:
        """Who could ever be asked: located, vetted, not opted out (availability comes and goes)."""
        return np.isfinite(self.lat) & np.isfinite(self.lon) & self.vetted & ~self.opted_out

    @cached_property
    def spare(self) -> np.ndarray:
        """Free places: capacity minus active claims, never below zero."""
        return np.maximum(self.capacity - self.load, 0)

    @cached_property
    def ready(self) -> np.ndarray:
        """Who can take a need now: in the pool, available, with a free place."""
        return self.pool & self.available & (self.spare > 0)

    def offers_mask(self, category: str) -> np.ndarray:
        """Who offers help in this category."""
        return self.offers.get(category, np.zeros(len(self), dtype=bool))

    def speaks_mask(self, language: str) -> np.ndarray:
        """Who speaks this language."""
        return self.speaks.get(language, np.zeros(len(self), dtype=bool))

    def sorted_by_id(self) -> VolunteerArrays:
        """The same volunteers in id order, so results never depend on input order."""
        if np.all(self.ids[:-1] < self.ids[1:]):
            return self
        return self.take(np.argsort(self.ids, kind="stable"))

    def take(self, positions: np.ndarray) -> VolunteerArrays:
        """The volunteers at `positions`, in that order."""
        columns = {f.name: getattr(self, f.name)[positions] for f in fields(self)
                   if f.name not in ("offers", "speaks")}
        return VolunteerArrays(**columns, offers={k: v[positions] for k, v in self.offers.items()},
                               speaks={k: v[positions] for k, v in self.speaks.items()})


def as_need_arrays(needs: NeedArrays | Iterable[NeedRow]) -> NeedArrays:
    """Accept rows or columns; always hand back columns in id order."""
    arrays = needs if isinstance(needs, NeedArrays) else NeedArrays.from_rows(needs)
    return arrays.sorted_by_id()


def as_volunteer_arrays(volunteers: VolunteerArrays | Iterable[VolunteerRow]) -> VolunteerArrays:
    """Accept rows or columns; always hand back columns in id order."""
    arrays = volunteers if isinstance(volunteers, VolunteerArrays) else VolunteerArrays.from_rows(volunteers)
    return arrays.sorted_by_id()
