"""Every SMS in and out, with provider ids and delivery status."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from mutualaid.extensions import db
from mutualaid.models.base import UTCDateTime, utcnow


class Message(db.Model):
    """One SMS, inbound or outbound; outbound rows are also the outbox.

    Outbound statuses: queued -> sending -> sent/accepted -> delivered | undelivered | failed;
    `suppressed` when a rule (opt-out, rate cap) stopped it, `failed` on permanent errors.
    """

    __tablename__ = "message"
    # The inbound texts still waiting for an answer, by sender: the job's claim (sms/inbound_queue) asks,
    # for each waiting text, whether its sender has an earlier one waiting. Partial, so the question
    # reads only the few texts waiting, however many the table holds, and the plan stays right when a
    # surge comes faster than the table's statistics are refreshed.
    __table_args__ = (
        Index("ix_message_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_message_inbound_waiting", "from_number", "id",
              sqlite_where=text("direction = 'in' AND status IN ('received', 'processing')"),
              postgresql_where=text("direction = 'in' AND status IN ('received', 'processing')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))  # "in" or "out"
    channel: Mapped[str] = mapped_column(String(5), default="sms")  # sms | email
    to_address: Mapped[str] = mapped_column(String(254), default="")
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id"), index=True)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("need.id"), index=True)
    from_number: Mapped[str] = mapped_column(String(20), default="", index=True)
    to_number: Mapped[str] = mapped_column(String(20), default="", index=True)
    num_media: Mapped[int] = mapped_column(Integer, default=0)
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="received")
    error_code: Mapped[str | None] = mapped_column(String(12))
    purpose: Mapped[str] = mapped_column(String(16), default="")  # reply | notify | relay | chase
    template: Mapped[str] = mapped_column(String(40), default="")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(200), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class EarlyStatus(db.Model):
    """A delivery report that arrived before we had recorded the provider's id; applied once we have."""

    __tablename__ = "early_status"

    provider_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(12))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SmsSpend(db.Model):
    """Text segments a group sent on one of its local days, and whether its coordinators were told the cap was
    reached: one row a group a day, added to atomically, so every sending process counts the same."""

    __tablename__ = "sms_spend"

    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    segments: Mapped[int] = mapped_column(Integer, default=0)
    alerted: Mapped[bool] = mapped_column(Boolean, default=False)
