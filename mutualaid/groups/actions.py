"""Creating and describing groups."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import update

from mutualaid.core.errors import NotSetUp, ServiceError
from mutualaid.domain.phones import InvalidPhone, normalise_phone
from mutualaid.domain.text import clean_text
from mutualaid.extensions import db
from mutualaid.geo.gateway import get_geocoding
from mutualaid.models import Group, Message

SET_UP_KEY = "mutualaid.set_up"


def create_group(*, slug: str, name: str, centre: str, radius_km: float = 5.0,
                 phone: str | None = None, country: str = "GB") -> Group:
    """Create a group whose area is a circle around a postcode's centroid."""
    group = add_group(slug=slug, name=name, centre=centre, radius_km=radius_km, phone=phone, country=country)
    db.session.commit()
    return group


def add_group(*, slug: str, name: str, centre: str, radius_km: float = 5.0,
              phone: str | None = None, country: str = "GB") -> Group:
    """create_group's work inside the caller's transaction (which commits)."""
    slug = clean_text(slug).lower()
    if not slug or not slug.replace("-", "").isalnum():
        raise ServiceError("The slug may only hold letters, digits and dashes.", field="slug")
    result = get_geocoding().locate(centre)
    if result.status != "found":
        raise ServiceError(f"Could not find the centre {centre!r} ({result.status}).", field="centre")
    if phone:
        try:
            phone = normalise_phone(phone, country)
        except InvalidPhone as exc:
            raise ServiceError(str(exc), field="phone")
    if db.session.execute(db.select(Group).where(Group.slug == slug)).scalar_one_or_none():
        raise ServiceError(f"A group called {slug} already exists.", field="slug")
    group = Group(slug=slug, name=clean_text(name)[:120], centre_lat=result.lat, centre_lon=result.lon,
                  radius_km=float(radius_km), phone_number=phone or None, country=country)
    db.session.add(group)
    # Texts that came before any group existed were stored, not answered: answer them now.
    db.session.execute(update(Message).where(Message.direction == "in", Message.status == "no_group")
                       .values(status="received").execution_options(synchronize_session=False))
    return group


def all_groups() -> list[Group]:
    """Every group on this instance, oldest first."""
    return list(db.session.execute(db.select(Group).order_by(Group.id)).scalars())


def default_group() -> Group | None:
    """The instance's first group (web intake uses it until a place says otherwise)."""
    return db.session.execute(db.select(Group).order_by(Group.id)).scalars().first()


def require_group() -> Group:
    """The instance's first group; NotSetUp (a 503 naming the command to run) while there is none."""
    group = default_group()
    if group is None:
        raise NotSetUp()
    current_app.extensions[SET_UP_KEY] = True
    return group


def require_set_up() -> None:
    """NotSetUp while no group exists; once one has, not asked again (groups are never deleted), so the
    SMS webhook pays for the question only until the instance is set up."""
    if not current_app.extensions.get(SET_UP_KEY):
        require_group()
