"""The geocoding port: one `Geocoding` per app, built lazily from config."""
from __future__ import annotations

import hashlib
import inspect
import logging
from dataclasses import dataclass
from functools import partial

from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import get_geocoder_for_service
from sqlalchemy.exc import IntegrityError

from mutualaid.core.clients import per_app
from mutualaid.extensions import db
from mutualaid.geo.offline import OfflineGeocoder
from mutualaid.models import GeocodeCacheEntry, PostcodePoint

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GeoResult:
    """What geocoding found: a status and, when found, a point with public label."""

    status: str  # found | not_found | ambiguous | no_postcode | failed
    lat: float | None = None
    lon: float | None = None
    precision: str = ""  # postcode | sector | outward | zip | address
    postcode: str | None = None
    label: str = ""
    candidates: tuple[str, ...] = ()


def lookup_imported_postcode(postcode: str) -> tuple[float, float] | None:
    """Full-postcode centroid from a group's imported Code-Point Open / ONS data."""
    row = db.session.get(PostcodePoint, postcode)
    return (row.lat, row.lon) if row else None


class Geocoding:
    """Offline gazetteer first; then, when configured, an online geopy geocoder with a cache."""

    def __init__(self, provider: str, options: dict, min_delay: float, adapter_factory=None):
        self.provider = provider
        self.offline = OfflineGeocoder(full_postcode_lookup=lookup_imported_postcode)
        self.online = None
        if provider != "offline":
            cls = get_geocoder_for_service(provider)
            kwargs = dict(options)
            if adapter_factory is not None:
                kwargs["adapter_factory"] = adapter_factory
            geocoder = cls(**kwargs)
            geocode = geocoder.geocode
            if "addressdetails" in inspect.signature(geocode).parameters:
                # Nominatim-style answers name the neighbourhood (the public label) only when asked.
                geocode = partial(geocode, addressdetails=True)
            # One quick retry: a web request must not wait geopy's default five seconds.
            self.online = RateLimiter(geocode, min_delay_seconds=min_delay, max_retries=1,
                                      error_wait_seconds=min_delay, swallow_exceptions=False)

    def locate(self, query: str, *, allow_online: bool = True) -> GeoResult:
        """Find `query`: postcodes offline, anything else online (cached) if configured.

        Without `allow_online`, a query only the online geocoder could answer is 'deferred'.
        """
        try:
            resolution = self.offline.resolve(query)
        except GeopyError as exc:
            log.warning("offline geocoder failed: %s", type(exc).__name__)
            return GeoResult("failed")
        if resolution.status == "found":
            raw = resolution.location.raw
            return GeoResult("found", resolution.location.latitude, resolution.location.longitude,
                             raw["precision"], raw["postcode"], raw["label"])
        if resolution.status == "ambiguous" or self.online is None:
            return GeoResult(resolution.status, candidates=tuple(resolution.candidates))
        if not allow_online:
            return GeoResult("deferred")
        return self._locate_online(query)

    def _locate_online(self, query: str) -> GeoResult:
        """Ask the online geocoder once per distinct query, keeping only a hash of the text."""
        key = hashlib.sha256(f"{self.provider}\n{' '.join(query.lower().split())}".encode()).hexdigest()
        cached = db.session.get(GeocodeCacheEntry, key)
        if cached is None:
            try:
                location = self.online(query)
            except GeopyError as exc:
                log.warning("online geocoder %s failed: %s", self.provider, type(exc).__name__)
                return GeoResult("failed")
            cached = GeocodeCacheEntry(key=key, provider=self.provider, found=location is not None)
            if location is not None:
                cached.lat, cached.lon = location.latitude, location.longitude
                cached.label = public_label_from_raw(location.raw)[:200]
            try:
                with db.session.begin_nested():
                    db.session.add(cached)
            except IntegrityError:
                pass  # another request cached the same query a moment ago; our answer is as good
        if not cached.found:
            return GeoResult("not_found")
        return GeoResult("found", cached.lat, cached.lon, "address", None, cached.label)


def public_label_from_raw(raw: dict) -> str:
    """A neighbourhood-level label from a geocoder's raw answer, never a street address."""
    address = raw.get("address") if isinstance(raw, dict) else None
    if isinstance(address, dict):
        for key in ("suburb", "neighbourhood", "quarter", "city_district", "town", "village", "city"):
            if address.get(key):
                return str(address[key])
    return ""


def get_geocoding() -> Geocoding:
    """This app's geocoding, built on first use from `current_app.config`."""
    return per_app("mutualaid.geocoding", lambda config: Geocoding(
        config["GEOCODER"], config["GEOCODER_OPTIONS"], config["GEOCODER_MIN_DELAY_SECONDS"],
        config.get("GEOCODER_ADAPTER_FACTORY")))
