"""`flask --app wsgi people erase|export`: erasure and subject access for operators."""
from __future__ import annotations

import json

import pytest

from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Need, Person
from tests.builders import make_group, make_need

PHONE = "+447911000222"
NAME = "Ottoline Canary"


@pytest.fixture(autouse=True)
def group(app):
    """The Hackney group."""
    return make_group()


def invoke(runner, *args, **kwargs):
    """Run `flask <args>`."""
    return runner.invoke(args=list(args), **kwargs)


def requester() -> Person:
    """The canary requester."""
    return db.session.execute(db.select(Person).where(Person.erased_at.is_(None), Person.name == NAME)).scalar_one()


def test_people_erase_by_phone_erases_them(runner):
    need = make_need(name=NAME, phone=PHONE, details="Bread for Ottoline")
    person_id = need.requester_id
    result = invoke(runner, "people", "erase", "--phone", "07911 000222", "--yes")
    assert result.exit_code == 0, result.output
    person = db.session.get(Person, person_id)
    assert person.erased_at is not None and person.phone is None
    assert db.session.get(Need, need.id).details == ""
    assert NAME not in result.output and PHONE not in result.output


def test_people_erase_by_reference_erases_the_requester(runner):
    need = make_need(name=NAME, phone=PHONE)
    result = invoke(runner, "people", "erase", "--ref", need.ref.lower(), "--yes")
    assert result.exit_code == 0, result.output
    assert db.session.get(Person, need.requester_id).erased_at is not None


def test_people_erase_asks_before_erasing(runner):
    need = make_need(name=NAME, phone=PHONE)
    result = invoke(runner, "people", "erase", "--phone", PHONE, input="n\n")
    assert result.exit_code != 0
    assert db.session.get(Person, need.requester_id).erased_at is None


@pytest.mark.parametrize("args", [(), ("--phone", PHONE, "--email", "a@example.org")])
def test_people_erase_needs_exactly_one_way_to_find_them(runner, args):
    make_need(name=NAME, phone=PHONE)
    result = invoke(runner, "people", "erase", *args, "--yes")
    assert result.exit_code == 2
    assert requester().erased_at is None


def test_people_erase_of_an_unknown_number_fails_and_erases_nobody(runner):
    make_need(name=NAME, phone=PHONE)
    result = invoke(runner, "people", "erase", "--phone", "+447911999999", "--yes")
    assert result.exit_code == 1 and "Nobody" in result.output
    assert requester().erased_at is None


def test_people_export_prints_everything_held_as_json_and_is_audited_without_personal_data(runner):
    need = make_need(name=NAME, phone=PHONE, details="Bread for Ottoline", where="5 Mare Street, E8 3RH")
    result = invoke(runner, "people", "export", "--phone", PHONE)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["person"]["name"] == NAME and data["person"]["phone"] == PHONE
    assert [n["ref"] for n in data["needs"]] == [need.ref]
    assert data["needs"][0]["details"] == "Bread for Ottoline"
    event = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "person.exported")).scalar_one()
    assert event.subject_id == need.requester_id and event.details["needs"] == 1
    assert NAME not in json.dumps(event.details) and PHONE not in json.dumps(event.details)


def test_people_export_of_an_erased_person_finds_nobody(runner):
    make_need(name=NAME, phone=PHONE)
    assert invoke(runner, "people", "erase", "--phone", PHONE, "--yes").exit_code == 0
    result = invoke(runner, "people", "export", "--phone", PHONE)
    assert result.exit_code == 1 and NAME not in result.output
