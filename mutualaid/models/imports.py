"""A spreadsheet a coordinator uploaded to import, kept between the preview, the dry run and the import."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from mutualaid.extensions import db
from mutualaid.models.base import UTCDateTime, utcnow


class ImportUpload(db.Model):
    """The uploaded file, named by a random token; deleted once imported or when it expires.

    Kept in the database rather than on one web server's disk, so any worker on any machine can
    read it at the next step.
    """

    __tablename__ = "import_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(String(12))  # volunteers | needs | offers
    filename: Mapped[str] = mapped_column(String(120), default="")
    content: Mapped[bytes] = mapped_column(LargeBinary)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)  # column index (as text) -> field
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
