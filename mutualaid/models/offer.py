"""Offers: things or time a neighbour can give."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mutualaid.domain.transitions import check_transition
from mutualaid.extensions import db
from mutualaid.models.base import UTCDateTime, utcnow
from mutualaid.models.need import Located


class Offer(Located, db.Model):
    """An item or service on offer, somewhere, until some date, some number of times."""

    __tablename__ = "offer"
    __table_args__ = (Index("ix_offer_group_status", "group_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(8), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="item")
    category: Mapped[str] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(Text, default="")
    public_details: Mapped[str | None] = mapped_column(Text)  # the redacted version anyone may see
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    available_until: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(12), default="open")
    # The need a coordinator reserved it for (kept once given, cleared when it goes back on the list).
    need_id: Mapped[int | None] = mapped_column(ForeignKey("need.id"), index=True)
    source: Mapped[str] = mapped_column(String(10), default="web")
    # A digest of who sent it and their key (a form's one-use key, an API caller's Idempotency-Key), and a
    # digest of what they sent: the same key again with the same content is a retry, with other content refused.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    submission_digest: Mapped[str | None] = mapped_column(String(64))
    practice: Mapped[bool] = mapped_column(Boolean, default=False)  # made from the SMS simulator
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    group = relationship("Group")
    person = relationship("Person")
    need = relationship("Need")

    def move_to(self, target: str) -> None:
        """Change status through the offer lifecycle."""
        self.status = check_transition("offer", self.status, target)
