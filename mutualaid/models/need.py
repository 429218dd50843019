"""Needs (requests for help) and the claims volunteers make on them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mutualaid.domain.transitions import check_transition
from mutualaid.extensions import db
from mutualaid.models.base import UTCDateTime, utcnow


class Located:
    """Columns for a place: the exact point stays private, the approximate one is public."""

    address_text: Mapped[str] = mapped_column(Text, default="")
    postcode: Mapped[str | None] = mapped_column(String(12))
    location_status: Mapped[str] = mapped_column(String(20), default="unknown")
    exact_lat: Mapped[float | None] = mapped_column(Float)
    exact_lon: Mapped[float | None] = mapped_column(Float)
    public_lat: Mapped[float | None] = mapped_column(Float)
    public_lon: Mapped[float | None] = mapped_column(Float)
    public_label: Mapped[str] = mapped_column(String(120), default="")

    @property
    def is_located(self) -> bool:
        """Whether the place was found (exactly or approximately)."""
        return self.public_lat is not None and self.public_lon is not None


# "Needs near me" reads open needs by strips of latitude (mutualaid/needs/near.py): the database
# computes each need's strip from its public point, so the index is always in step with the point.
STRIPS_PER_DEGREE = 200  # strips about 556 m high, a little more than the 400 m public grid
STRIP_SQL = f"CAST(public_lat * {STRIPS_PER_DEGREE} AS INTEGER)"


class Need(Located, db.Model):
    """A neighbour's request for help; never lost, even when its place is unknown."""

    __tablename__ = "need"
    __table_args__ = (
        # Covers needs near me: one range of longitudes per strip, with the point, age and id to hand.
        Index("ix_need_open_strips", "status", text(STRIP_SQL), "public_lon", "public_lat", "created_at", "id"),
        # (group, status, category) also serves (group, status) lookups; counting open needs by kind
        # reads only the index.
        Index("ix_need_group_status_category", "group_id", "status", "category"),
        Index("ix_need_dashboard", "group_id", "status", "urgency", "created_at"),
        Index("ix_need_location_problem", "group_id", "location_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(8), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"))
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    category: Mapped[str] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(Text, default="")
    # What volunteers, lists, the map, notifications and the API see of `details` (names, addresses,
    # phones and emails replaced); written by the redactor, and a coordinator may correct it.
    public_details: Mapped[str | None] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(12), default="soon")
    language: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(12), default="open")
    source: Mapped[str] = mapped_column(String(10), default="web")
    # A digest of who sent it and their key (a form's one-use key, an API caller's Idempotency-Key), and a
    # digest of what they sent: the same key again with the same content is a retry, with other content refused.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    submission_digest: Mapped[str | None] = mapped_column(String(64))
    # Made from the coordinators' SMS simulator: never told to real people, never counted.
    practice: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    match_reason: Mapped[str | None] = mapped_column(String(30))
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    followup_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback: Mapped[str | None] = mapped_column(String(10))
    referred_from_id: Mapped[int | None] = mapped_column(ForeignKey("need.id"))
    referred_to_group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"))
    next_chase_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the retention purge removed its personal data (the counts and public area stay).
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group = relationship("Group", foreign_keys=[group_id])
    referred_to_group = relationship("Group", foreign_keys=[referred_to_group_id])
    requester = relationship("Person", foreign_keys=[requester_id])
    entered_by = relationship("Person", foreign_keys=[entered_by_id])
    claims = relationship("Claim", back_populates="need", order_by="Claim.id")

    def move_to(self, target: str) -> None:
        """Change status through the lifecycle; an illegal move raises IllegalTransition."""
        self.status = check_transition("need", self.status, target)

    @property
    def active_claim(self) -> "Claim | None":
        """The one active claim on this need, if any."""
        return next((c for c in self.claims if c.status == "active"), None)

    def __repr__(self) -> str:
        return f"<Need {self.ref} {self.status}>"


class Claim(db.Model):
    """A volunteer taking a need; at most one active claim per need (a partial unique index)."""

    __tablename__ = "claim"
    __table_args__ = (
        Index(
            "uq_claim_one_active_per_need", "need_id", unique=True,
            sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="active")
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    release_reason: Mapped[str] = mapped_column(Text, default="")
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    need = relationship("Need", back_populates="claims")
    volunteer = relationship("Person")

    def move_to(self, target: str) -> None:
        """Change status through the claim lifecycle."""
        self.status = check_transition("claim", self.status, target)


class NeedNotification(db.Model):
    """A volunteer was told about a need; unique, so nobody is told twice about the same need."""

    __tablename__ = "need_notification"
    __table_args__ = (UniqueConstraint("need_id", "volunteer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    channel: Mapped[str] = mapped_column(String(5), default="sms")
    distance_km: Mapped[float | None] = mapped_column(Float)
    ring: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Proposal(db.Model):
    """The matcher's suggestion for a need (a volunteer or an offer), with its reasons."""

    __tablename__ = "proposal"
    __table_args__ = (Index("ix_proposal_need_rank", "need_id", "rank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offer.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    distance_km: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    need = relationship("Need")
    volunteer = relationship("Person")
    offer = relationship("Offer")


class NeedNote(db.Model):
    """A coordinator's internal note on a need (never shown to volunteers or the requester)."""

    __tablename__ = "need_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("Person")


class NeedMessage(db.Model):
    """One message between a need's requester and its volunteer, kept as the need's thread.

    Every relayed text and every message written on the need's page is stored here, whether or
    not it could be passed on, so a reply is never lost: `passed_on` says how it reached the
    other side (sms, email, hand: a coordinator passed it on; or none: it waits, and coordinators
    see it on their front page).
    """

    __tablename__ = "need_message"
    __table_args__ = (Index("ix_need_message_need_created", "need_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"), index=True)  # None: no claim was active
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    author_role: Mapped[str] = mapped_column(String(10))  # requester | volunteer
    body: Mapped[str] = mapped_column(Text)
    via: Mapped[str] = mapped_column(String(5))  # sms | web
    passed_on: Mapped[str] = mapped_column(String(5), default="none")  # sms | email | hand (a coordinator) | none
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("Person")
