"""Geocoding data kept in the database: imported postcodes and the online-geocoder cache."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from mutualaid.extensions import db
from mutualaid.models.base import UTCDateTime, utcnow


class PostcodePoint(db.Model):
    """A full postcode's centroid, imported by a group from Code-Point Open or ONS data."""

    __tablename__ = "postcode_point"

    postcode: Mapped[str] = mapped_column(String(10), primary_key=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class GeocodeCacheEntry(db.Model):
    """An online geocoder's answer, kept so the same query is never sent twice."""

    __tablename__ = "geocode_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    found: Mapped[bool] = mapped_column(default=False)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
