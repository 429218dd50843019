"""Figures the scheduler counted, kept for the pages that show them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from mutualaid.extensions import db
from mutualaid.models.base import UTCDateTime


class FiguresSnapshot(db.Model):
    """One set of figures (a group's public page, its coordinators' figures) as last counted by the
    `refresh_figures` job; pages read it and never count on a visitor's request."""

    __tablename__ = "figures_snapshot"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
