"""Logged-in browsers, each a row: ending the row ends its session cookie and its remember cookie."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from mutualaid.extensions import db
from mutualaid.models.base import UTCDateTime, utcnow


class LoginSession(db.Model):
    """One login on one browser; the cookies hold a random key, only its SHA-256 digest is kept."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
