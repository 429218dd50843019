"""Accounts: volunteer sign-up, passwords, vetting, coordinators, API tokens, language."""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from functools import cache
from datetime import datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.security import generate_password_hash

from mutualaid.core import audit
from mutualaid.core.errors import Forbidden, NotFound, ServiceError
from mutualaid.core.permissions import require_coordinator
from mutualaid.domain.categories import CATEGORY_CODES
from mutualaid.domain.text import clean_text
from mutualaid.domain.transitions import IllegalTransition, check_transition
from mutualaid.extensions import db
from mutualaid.groups.places import choose_group, locate
from mutualaid.labels import STATUS_LABELS
from mutualaid.messaging.outbox import queue_email
from mutualaid.models import Group, Message, Need, Offer, Person, VolunteerProfile
from mutualaid.needs.intake import Contact, clean_contact, clean_note
from mutualaid.people import erasure, login, subject_access

log = logging.getLogger(__name__)
MIN_PASSWORD = 10
SIGNUP_EXISTING_TEMPLATE = "signup_existing"


@dataclass
class VolunteerSignup:
    """What a neighbour tells us when offering their time."""

    name: str
    email: str
    password: str
    phone: str = ""
    home: str = ""
    radius_km: float = 3.0
    categories: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    capacity: int = 1
    has_car: bool = False
    availability: str = ""
    channel: str = "sms"
    language: str = "en"


def hash_token(token: str) -> str:
    """API tokens are stored only as SHA-256 digests."""
    return hashlib.sha256(token.encode()).hexdigest()


def _check_password(password: str) -> None:
    """Refuse passwords too short to be safe."""
    if len(password or "") < MIN_PASSWORD:
        raise ServiceError(_l("Please use a password of at least %(n)d characters.", n=MIN_PASSWORD),
                           field="password")


def register_volunteer(data: VolunteerSignup, *, group: Group | None = None,
                       now: datetime | None = None) -> Person | None:
    """Create a volunteer account awaiting approval (in `group`, else the group whose area holds home).

    With an email already known here nothing changes and None is returned; its owner is emailed instead,
    so the page answers the same and nobody learns which emails are known here.
    """
    now = now or datetime.now(timezone.utc)
    contact = clean_contact(Contact(data.name, data.phone, data.email, data.language), need_contact=False)
    if not contact.email:
        raise ServiceError(_l("Please give your email; you log in with it."), field="email")
    if not contact.name:
        raise ServiceError(_l("Please tell us your name."), field="name")
    _check_password(data.password)
    categories = [c for c in data.categories if c in CATEGORY_CODES]
    if not categories:
        raise ServiceError(_l("Please choose at least one kind of help you can give."), field="categories")
    languages = [code for code in data.languages if code and len(code) <= 8] or [contact.language]
    if not 0.5 <= float(data.radius_km) <= 50:
        raise ServiceError(_l("Please choose a distance between 0.5 and 50 km."), field="radius_km")
    if not 1 <= int(data.capacity) <= 10:
        raise ServiceError(_l("Please choose between 1 and 10 requests at a time."), field="capacity")
    home = clean_note(data.home, field="home", limit=120, multiline=False)
    groups = [group] if group is not None else list(db.session.execute(db.select(Group).order_by(Group.id)).scalars())
    group, placement = choose_group(locate(home), groups)
    if placement.exact is None:
        raise ServiceError(_l("We could not find that place. Please give your postcode or ZIP code."),
                           field="home")
    existing = db.session.execute(db.select(Person).where(Person.email == contact.email)).scalar_one_or_none()
    if existing is not None:
        # The same answer as a new sign-up, after as much work: only the email's owner hears of it. A
        # requester's record is not turned into an account either: whoever typed the email may not be them.
        generate_password_hash(data.password)
        _tell_owner_of_signup(existing, now=now)
        db.session.commit()
        return None
    person = Person(email=contact.email, role="volunteer")
    person.name, person.language, person.group_id = contact.name, contact.language, group.id
    # A number already on someone else's record is left off without a word: saying so would tell anyone
    # that the number is known here. Coordinators see the account has no number when they vet it.
    phone_taken = bool(contact.phone) and db.session.execute(
        db.select(Person.id).where(Person.phone == contact.phone)).first() is not None
    if contact.phone and not phone_taken:
        person.phone = contact.phone
    person.set_password(data.password)
    person.session_token = secrets.token_hex(16)
    person.volunteer = VolunteerProfile(
        home_label=placement.label, home_lat=placement.public[0], home_lon=placement.public[1],
        radius_km=float(data.radius_km), categories=categories, languages=languages,
        capacity=int(data.capacity), has_car=bool(data.has_car),
        availability=clean_note(data.availability, field="availability", limit=500),
        channel=data.channel if data.channel in ("sms", "email") and not phone_taken else "email",
        vetting_status="pending", created_at=now)
    db.session.add(person)
    try:
        db.session.flush()
    except IntegrityError:  # the same email or number signing up at the same moment
        db.session.rollback()
        raise ServiceError(_l("Sorry, that did not work. Please try again."), field="email")
    audit.record("volunteer.signed_up", person, actor=person, now=now,
                 **({"phone_left_out": True} if phone_taken else {}))
    db.session.commit()
    return person


def _tell_owner_of_signup(person: Person, *, now: datetime) -> None:
    """Email the owner of a known address that someone tried to sign up with it (at most once an hour)."""
    recent = db.session.execute(db.select(Message.id).where(
        Message.person_id == person.id, Message.template == SIGNUP_EXISTING_TEMPLATE,
        Message.created_at > now - timedelta(hours=1)).limit(1)).first()
    if recent is None:
        queue_email(to_address=person.email, template=SIGNUP_EXISTING_TEMPLATE, group=person.group, person=person,
                    purpose="notify", now=now)
    log.info("sign-up with an email already known (owner %s)", "emailed" if recent is None else
             "emailed within the hour already")


def change_password(person: Person, new_password: str) -> None:
    """Set a new password and end every login of the account (copied cookies included)."""
    _check_password(new_password)
    person.set_password(new_password)
    person.session_token = secrets.token_hex(16)
    person.failed_logins, person.locked_until = 0, None
    login.end_logins(person)
    audit.record("person.password_changed", person, actor=person)
    db.session.commit()


def create_coordinator(*, email: str, name: str, password: str, group_slug: str | None = None) -> Person:
    """Create (or promote) a coordinator account for a group."""
    person = add_coordinator(email=email, name=name, password=password, group_slug=group_slug)
    db.session.commit()
    return person


def add_coordinator(*, email: str, name: str, password: str, group_slug: str | None = None) -> Person:
    """create_coordinator's work inside the caller's transaction (which commits)."""
    email = clean_text(email).lower()
    if "@" not in email:
        raise ServiceError("Please give a valid email.", field="email")
    _check_password(password)
    query = db.select(Group).order_by(Group.id)
    if group_slug:
        query = query.where(Group.slug == group_slug)
    group = db.session.execute(query).scalars().first()
    if group is None:
        raise NotFound("No such group; create one first with `flask --app wsgi groups create`.")
    person = db.session.execute(db.select(Person).where(Person.email == email)).scalar_one_or_none()
    person = person or Person(email=email)
    person.name = clean_text(name)[:120] or person.name
    person.role, person.group_id = "coordinator", group.id
    person.set_password(password)
    person.session_token = secrets.token_hex(16)
    db.session.add(person)
    audit.record("coordinator.created", person, actor=None)
    return person


def _require_coordinator(actor: Person, person: Person) -> None:
    """Only a coordinator of the same group may vet its volunteers."""
    require_coordinator(actor, person.group_id)


def set_vetting(actor: Person, person_id: int, target: str, *, now: datetime | None = None) -> Person:
    """Approve, pause or reject a volunteer, through the vetting lifecycle."""
    now = now or datetime.now(timezone.utc)
    person = db.session.get(Person, person_id)
    if person is None or person.volunteer is None:
        raise NotFound()
    _require_coordinator(actor, person)
    profile = person.volunteer
    if profile.vetting_status == target:  # another coordinator (or a second click) got there first
        return person
    try:
        profile.vetting_status = check_transition("volunteer", profile.vetting_status, target)
    except IllegalTransition as exc:
        raise ServiceError(_l("A volunteer who is %(current)s cannot become %(target)s.",
                              current=STATUS_LABELS.get(exc.current, exc.current),
                              target=STATUS_LABELS.get(exc.target, exc.target)), code="illegal_transition") from exc
    profile.vetted_by_id, profile.vetted_at = actor.id, now
    audit.record(f"volunteer.{target}", person, actor=actor, now=now)
    db.session.commit()
    return person


def set_language(person: Person | None, code: str, languages) -> str:
    """Remember a person's language choice on their account (cookies remember it for everyone)."""
    if code not in languages:
        raise ServiceError(_l("That language is not available."), field="language")
    if person is not None and person.is_authenticated and person.language != code:
        person.language = code
        db.session.commit()
    return code


def issue_api_token(person: Person) -> str:
    """Give a person a new API token (shown once; only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    person.api_token_hash = hash_token(token)
    audit.record("person.api_token_issued", person, actor=person)
    db.session.commit()
    return token


def person_for_token(token: str) -> Person | None:
    """The person an API token belongs to, if any (with their volunteer profile)."""
    if not token or len(token) > 200:
        return None
    person = db.session.execute(_token_holder_statement(), {"token_hash": hash_token(token)}).scalar_one_or_none()
    return None if person is None or person.erased_at is not None else person


@cache
def _token_holder_statement():
    """The person holding the token bound as token_hash, with the volunteer profile the access checks
    read, in one query; built once, as every API call runs it (rebuilding it took a quarter of a
    millisecond). The token is matched in a subquery so SQLite keeps using its index: its statistics
    see a column of mostly NULLs, and for a join it would rather read every person."""
    holder = db.select(Person.id).where(Person.api_token_hash == bindparam("token_hash")).scalar_subquery()
    return db.select(Person).where(Person.id == holder).options(joinedload(Person.volunteer))


def erase_person(person: Person, *, actor: Person | None, now: datetime | None = None) -> dict:
    """Erase a person everywhere (people/erasure.py) in one transaction; returns the counts audited."""
    counts = erasure.erase(person, actor=actor, now=now or datetime.now(timezone.utc))
    db.session.commit()
    return counts


def _belongs_to(person: Person, group_id: int | None) -> bool:
    """Whether `person` is of that group: by their account, or else by a request or offer they made there."""
    if group_id is None:
        return False
    if person.group_id is not None:
        return person.group_id == group_id
    return any(db.session.execute(db.select(model.id).where(column == person.id, model.group_id == group_id)
                                  .limit(1)).first() for model, column in ((Need, Need.requester_id),
                                                                           (Offer, Offer.person_id)))


def erase_by_coordinator(coordinator: Person, person_id: int, *, confirmed: bool,
                         now: datetime | None = None) -> dict:
    """A coordinator erases someone of their group, once they have ticked that they mean it."""
    person = db.session.get(Person, person_id)
    if person is None or person.erased_at is not None:
        raise NotFound()
    require_coordinator(coordinator)
    if not _belongs_to(person, coordinator.group_id):
        raise Forbidden()
    if person.id == coordinator.id:
        raise ServiceError(_l("You cannot erase your own coordinator account here."), field="confirm")
    if not confirmed:
        raise ServiceError(_l("Please tick the box to confirm the erasure."), field="confirm")
    return erase_person(person, actor=coordinator, now=now)


def erase_on_request(ref: str, contact: str, *, now: datetime | None = None) -> bool:
    """A requester asks on the web: erased when `contact` is the phone or email of need `ref`'s requester.

    The page answers the same either way; the result is only for tests and the audit.
    """
    person = subject_access.requester_matching(ref, contact)
    log.info("erasure asked on the web (%s)", "matched" if person else "no match")
    if person is None:
        return False
    erase_person(person, actor=person, now=now)
    return True


def erase_own_account(person: Person, password: str, *, now: datetime | None = None) -> dict:
    """A volunteer erases their own account, after giving their password; their claims are given back first."""
    if not person.check_password(password or ""):
        raise ServiceError(_l("That password is not right."), field="password")
    if person.is_coordinator:
        raise ServiceError(_l("Coordinator accounts are erased by another coordinator or on the command line."),
                           field="password")
    return erase_person(person, actor=person, now=now)


def export_person(actor: Person | None, *, phone: str = "", email: str = "",
                  now: datetime | None = None) -> dict | None:
    """Everything held about the person with this phone or email (a coordinator's, or the CLI's when
    `actor` is None), audited as `person.exported` with counts only; None when nobody matches."""
    if actor is not None:
        require_coordinator(actor)
    person = subject_access.find_person(phone=subject_access.clean_phone(phone),
                                        email=subject_access.clean_email(email))
    if person is None or (actor is not None and not _belongs_to(person, actor.group_id)):
        return None
    data = subject_access.everything_about(person)
    audit.record("person.exported", person, actor=actor, now=now or datetime.now(timezone.utc),
                 **{key: len(value) for key, value in data.items() if isinstance(value, list)})
    db.session.commit()
    return data
