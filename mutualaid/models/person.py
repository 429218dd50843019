"""People known to the group: by phone, by account, or both."""
from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from mutualaid.extensions import db
from mutualaid.models.base import UTCDateTime, utcnow

ROLES = ("neighbour", "volunteer", "coordinator")


class Person(UserMixin, db.Model):
    """Anyone: a requester needs no account; volunteers and coordinators log in."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="neighbour")
    on_call: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8), default="en")
    sms_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phone_status: Mapped[str] = mapped_column(String(12), default="ok")  # ok | invalid
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_start: Mapped[int | None] = mapped_column(Integer)
    quiet_end: Mapped[int | None] = mapped_column(Integer)
    session_token: Mapped[str] = mapped_column(String(64), default="")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When this person came from a spreadsheet import: only a consent recorded there lets us text them.
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group = relationship("Group")
    volunteer = relationship("VolunteerProfile", back_populates="person", uselist=False,
                             foreign_keys="VolunteerProfile.person_id")

    def set_password(self, password: str) -> None:
        """Store only a salted hash of the password."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Whether `password` matches the stored hash."""
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    # The key of the login this request runs under (people/login.py), never stored: cookies name the person
    # and the key, and the login's row holds only the key's digest.
    login_key = ""

    def get_id(self) -> str:
        """Login cookies name the person and the key of one login, which ending the login makes worthless."""
        return f"{self.id}:{self.login_key}"

    @property
    def is_coordinator(self) -> bool:
        """Whether this person may see and fix everything in their group."""
        return self.role == "coordinator"

    @property
    def is_approved_volunteer(self) -> bool:
        """Whether this person may browse and claim needs."""
        return self.volunteer is not None and self.volunteer.vetting_status == "approved"

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.role}>"


class VolunteerProfile(db.Model):
    """What a volunteer can do, where, in which languages, and how much at once."""

    __tablename__ = "volunteer_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    home_label: Mapped[str] = mapped_column(String(120), default="")
    home_lat: Mapped[float | None] = mapped_column(Float)
    home_lon: Mapped[float | None] = mapped_column(Float)
    radius_km: Mapped[float] = mapped_column(Float, default=3.0)
    categories: Mapped[list] = mapped_column(JSON, default=list)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    has_car: Mapped[bool] = mapped_column(Boolean, default=False)
    availability: Mapped[str] = mapped_column(Text, default="")
    away_until: Mapped[date | None] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(10), default="sms")
    vetting_status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    vetted_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    vetted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person = relationship("Person", back_populates="volunteer", foreign_keys=[person_id])

    def is_available(self, today: date) -> bool:
        """Approved, and not away today."""
        return self.vetting_status == "approved" and (self.away_until is None or self.away_until < today)


class OptOutHash(db.Model):
    """An erased person's opt-out, kept as a keyed hash of their number so a STOP outlives the number."""

    __tablename__ = "opt_out_hash"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
