"""Creating the group and its first coordinator together, once: the only action behind the setup page."""
from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from sqlalchemy import text

from mutualaid.core import audit
from mutualaid.core.errors import ServiceError
from mutualaid.extensions import db
from mutualaid.groups.actions import add_group
from mutualaid.models import Group, Person
from mutualaid.people.actions import add_coordinator

# A translated message for each field create_group or create_coordinator may refuse.
FIELD_MESSAGES = {
    "slug": _l("Please use only letters, digits and dashes."),
    "centre": _l("We could not find that place. Please try a postcode or a nearby street."),
    "phone": _l("That does not look like a phone number."),
    "email": _l("Please give a valid email."),
}


class AlreadySetUp(ServiceError):
    """A group exists: the setup page is gone for good."""

    def __init__(self):
        super().__init__(_l("This site is already set up."), code="not_found")


@dataclass
class FirstRun:
    """What the setup page asks."""

    group_name: str
    slug: str
    centre: str
    radius_km: float
    country: str
    timezone: str
    language: str
    phone: str
    coordinator_name: str
    email: str
    password: str


def _lock_groups() -> None:
    """Hold off any other setup until this transaction ends, so two at once make one group."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text('LOCK TABLE "group" IN SHARE ROW EXCLUSIVE MODE'))
    else:  # SQLite: a write takes the database's one write lock (others wait: busy_timeout)
        db.session.execute(text('UPDATE "group" SET id = id WHERE 1 = 0'))


def is_set_up() -> bool:
    """Whether any group exists."""
    return db.session.execute(db.select(Group.id).limit(1)).first() is not None


def set_up(data: FirstRun) -> Person:
    """Create the group and its first coordinator in one transaction; AlreadySetUp if a group exists."""
    try:
        ZoneInfo(data.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ServiceError(_l("Please choose a time zone from the list, such as Europe/London."), field="timezone")
    db.session.rollback()  # start a fresh transaction, so the lock comes before anything is read
    _lock_groups()
    if is_set_up():
        db.session.rollback()
        raise AlreadySetUp()
    try:
        group = add_group(slug=data.slug, name=data.group_name, centre=data.centre, radius_km=data.radius_km,
                          phone=data.phone or None, country=data.country)
        group.timezone = data.timezone
        group.settings = {**(group.settings or {}), "language": data.language}
        person = add_coordinator(email=data.email, name=data.coordinator_name, password=data.password,
                                 group_slug=group.slug)
        person.language = data.language
        audit.record("group.set_up", group, actor=person)
    except ServiceError as error:
        db.session.rollback()
        if error.field in FIELD_MESSAGES and error.field != "password":
            raise ServiceError(FIELD_MESSAGES[error.field], field=error.field) from error
        raise
    db.session.commit()
    return person
