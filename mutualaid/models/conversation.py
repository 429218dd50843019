"""An SMS conversation: one per phone number and group number, with the dialogue's state."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mutualaid.extensions import db
from mutualaid.models.base import UTCDateTime, utcnow


class Conversation(db.Model):
    """Where a texter is in the dialogue; `state` is the domain's Conversation as a dict."""

    __tablename__ = "conversation"
    __table_args__ = (UniqueConstraint("phone", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    draft_need_id: Mapped[int | None] = mapped_column(ForeignKey("need.id"))
    state: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    person = relationship("Person")
    group = relationship("Group")
    draft_need = relationship("Need")
