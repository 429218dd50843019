"""Finding or creating the person behind a phone number or email; no commits here."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from mutualaid.extensions import db
from mutualaid.models import Person
from mutualaid.models.base import utcnow
from mutualaid.people.opt_outs import number_opted_out


def find_or_create_person(*, phone: str | None, email: str | None, name: str, language: str,
                          group_id: int | None, looked_up: bool = False, sms_consent: bool = False) -> Person:
    """The person with this phone (or email), created if new; safe against a concurrent twin.

    `looked_up`: the caller has just found nobody with this phone in this transaction, so only
    a concurrent twin is checked for. `sms_consent` is what a new person is created with.
    """
    for column, value in ((Person.phone, phone), (Person.email, email)):
        if value and not looked_up:
            person = db.session.execute(db.select(Person).where(column == value)).scalar_one_or_none()
            if person is not None:
                if name and not person.name:
                    person.name = name
                return person
    person = Person(phone=phone, email=email, name=name, language=language, group_id=group_id,
                    sms_consent=sms_consent)
    if number_opted_out(phone):
        # Someone erased from the group had said STOP from this number: it still holds.
        person.opted_out, person.opted_out_at = True, utcnow()
    try:
        with db.session.begin_nested():
            db.session.add(person)
    except IntegrityError:
        # Another request created the same person a moment ago: use theirs.
        column, value = (Person.phone, phone) if phone else (Person.email, email)
        person = db.session.execute(db.select(Person).where(column == value)).scalar_one()
    return person
