"""A geopy geocoder that places postcodes from shipped data, never touching the network.

GB full postcodes go to a lookup the group fills by importing postcodes
(injected by the app), then fall back to the sector and outward-code
centroids shipped in ``data/`` (Code-Point Open, see ``data/ATTRIBUTION.md``).
US ZIP codes come from the ``zipcodes`` package. Text naming two different
places is ambiguous: guessing could send a volunteer to the wrong street.
"""

from __future__ import annotations

import csv
import math
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zipcodes
from geopy.adapters import URLLibAdapter
from geopy.exc import GeocoderServiceError
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from mutualaid.geo.postcodes import (
    COUNTRY_OF_KIND,
    GB_FULL,
    GB_OUTWARD,
    GB_SECTOR,
    PostcodeMatch,
    find_postcodes,
    gb_outward,
    gb_sector,
    most_precise,
    zip5,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
FOUND, NOT_FOUND, AMBIGUOUS, NO_POSTCODE = "found", "not_found", "ambiguous", "no_postcode"
SUPPORTED_COUNTRIES = frozenset(COUNTRY_OF_KIND.values())

FullPostcodeLookup = Callable[[str], tuple[float, float] | None]
Centroids = Mapping[str, tuple[float, float, int]]

_tables: dict[Path, Centroids] = {}
_tables_lock = threading.Lock()


@dataclass(frozen=True)
class Resolution:
    """What a query resolved to: found, not_found, ambiguous or no_postcode."""

    status: str
    location: Location | None = None
    candidates: tuple[str, ...] = ()


def load_centroids(path: Path) -> Centroids:
    """Read a centroid CSV once per process and share it between threads."""
    table = _tables.get(path)
    if table is None:
        with _tables_lock:
            table = _tables.get(path)
            if table is None:
                table = _read_centroids(path)
                _tables[path] = table
    return table


def _read_centroids(path: Path) -> dict[str, tuple[float, float, int]]:
    """Parse code,lat,lon,postcodes rows into a dict keyed by code."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle)
        next(rows, None)
        return {code: (float(lat), float(lon), int(count)) for code, lat, lon, count in rows}


class OfflineGeocoder(Geocoder):
    """Geocode postcodes and ZIP codes found in free text, using local data only."""

    def __init__(
        self,
        *,
        full_postcode_lookup: FullPostcodeLookup | None = None,
        countries: Iterable[str] = ("GB", "US"),
        data_dir: Path | None = None,
        adapter_factory: Any = None,
        **kwargs: Any,
    ) -> None:
        """Configure lookups; reads no data and opens no connection until first use."""
        super().__init__(adapter_factory=adapter_factory or URLLibAdapter, **kwargs)
        self.countries = tuple(dict.fromkeys(c.upper() for c in countries))
        unknown = set(self.countries) - SUPPORTED_COUNTRIES
        if unknown or not self.countries:
            raise ValueError(f"countries must be drawn from {sorted(SUPPORTED_COUNTRIES)}")
        self.full_postcode_lookup = full_postcode_lookup
        self.data_dir = Path(data_dir) if data_dir else DATA_DIR

    def geocode(
        self, query: Any, *, exactly_one: bool = True, timeout: float | None = None
    ) -> Location | list[Location] | None:
        """Return the Location for the one postcode in `query` (a list if not exactly_one), else None."""
        location = self.resolve(query).location
        if location is None:
            return None
        return location if exactly_one else [location]

    def resolve(self, query: Any) -> Resolution:
        """Tell found, not_found, ambiguous (several places) and no_postcode apart."""
        matches = find_postcodes(_query_text(query), self.countries)
        if not matches:
            return Resolution(NO_POSTCODE)
        places = most_precise(matches)
        if len(places) > 1:
            return Resolution(AMBIGUOUS, None, tuple(p.value for p in places))
        place = places[0]
        location = self._locate(place, len(matches))
        return Resolution(FOUND if location else NOT_FOUND, location, (place.value,))

    def _locate(self, match: PostcodeMatch, matches: int) -> Location | None:
        """Place one recognised postcode, falling back from precise to coarse."""
        if match.country == "US":
            return self._locate_zip(match, matches)
        if match.kind == GB_FULL:
            point = self._lookup_full(match.value)
            if point is not None:
                raw = _raw(match, "postcode", gb_sector(match.value), matches, source="group")
                return Location(match.value, point, raw)
        if match.kind in (GB_FULL, GB_SECTOR):
            sector = gb_sector(match.value) or match.value
            found = self._centroids("gb_sectors.csv").get(sector)
            if found:
                raw = _raw(match, "sector", sector, matches, postcodes=found[2])
                return Location(f"{sector} (sector)", found[:2], raw)
        outward = gb_outward(match.value)
        found = self._centroids("gb_outward.csv").get(outward)
        if found is None:
            return None
        label = outward if match.kind == GB_OUTWARD else gb_sector(match.value)
        raw = _raw(match, "outward", label, matches, postcodes=found[2])
        return Location(f"{outward} (district)", found[:2], raw)

    def _lookup_full(self, postcode: str) -> tuple[float, float] | None:
        """Ask the injected full-postcode lookup, ignoring answers that are not coordinates."""
        if self.full_postcode_lookup is None:
            return None
        try:
            point = self.full_postcode_lookup(postcode)
        except Exception as exc:  # the lookup is the app's (a database query)
            raise GeocoderServiceError(f"full postcode lookup failed: {exc.__class__.__name__}") from exc
        return _valid_point(point)

    def _locate_zip(self, match: PostcodeMatch, matches: int) -> Location | None:
        """Place a US ZIP (ZIP+4 uses its five-digit part) from the zipcodes package."""
        code = zip5(match.value)
        records = zipcodes.matching(code)
        if not records:
            return None
        record = records[0]
        point = _valid_point((_to_float(record.get("lat")), _to_float(record.get("long"))))
        if point is None:
            return None  # decommissioned ZIPs can lack coordinates
        city, state = record.get("city") or "", record.get("state") or ""
        place = f"{city}, {state}".strip(", ")
        label = f"{place} {code}".strip()
        raw = _raw(match, "zip", label, matches, source="zipcodes",
                   city=city, state=state, active=bool(record.get("active", True)))
        return Location(f"{code} {place}".strip(), point, raw)

    def _centroids(self, name: str) -> Centroids:
        """Return one of the shipped centroid tables, loading it on first use."""
        return load_centroids(self.data_dir / name)


def _raw(match: PostcodeMatch, precision: str, label: str | None, matches: int, *,
         source: str = "code-point-open", **extra: Any) -> dict[str, Any]:
    """Build Location.raw: what was matched, how precisely, and a public label."""
    return {
        "kind": match.kind,
        "postcode": match.value,
        "precision": precision,
        "label": label or match.value,
        "matches": matches,
        "country": match.country,
        "source": source,
        **extra,
    }


def _query_text(query: Any) -> str:
    """Accept a string or a geopy-style structured query (a mapping of parts)."""
    if isinstance(query, str):
        return query
    if isinstance(query, Mapping):
        return "\n".join(str(v) for v in query.values() if v is not None)
    return ""


def _to_float(value: Any) -> float | None:
    """Convert a coordinate field to float, or None when it is missing or malformed."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _valid_point(point: Any) -> tuple[float, float] | None:
    """Return (lat, lon) if `point` holds two finite in-range numbers, else None."""
    try:
        lat, lon = (float(v) for v in point)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return (lat, lon)
