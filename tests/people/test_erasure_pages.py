"""Asking to be erased on the web, a coordinator's erase button and subject access page, and a
volunteer erasing their own account."""
from __future__ import annotations

import json
import re

import pytest

from mutualaid.claims.actions import claim_need
from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Claim, Need, Person
from tests.builders import csrf_from, make_coordinator, make_group, make_need, make_volunteer, post_form

PHONE = "+447911000444"
NAME = "Philippa Canary"


@pytest.fixture
def group(app):
    """The Hackney group."""
    return make_group()


def erased(person_id: int) -> bool:
    """Whether the person was erased."""
    return db.session.get(Person, person_id).erased_at is not None


def without_token(html: str) -> str:
    """A page with its per-request CSRF token taken out, to compare two answers."""
    return re.sub(r'<input[^>]*name="csrf_token"[^>]*>', "", html)


# --- /forget -------------------------------------------------------------------------------------

def test_the_forget_page_erases_when_reference_and_phone_match(client, group):
    need = make_need(name=NAME, phone=PHONE)
    response = post_form(client, "/forget", {"ref": need.ref.lower(), "contact": "07911 000444"})
    assert response.status_code == 200
    assert erased(need.requester_id)


def test_the_forget_page_erases_when_reference_and_email_match(client, group):
    need = make_need(name=NAME, phone="", email="philippa@example.org")
    post_form(client, "/forget", {"ref": need.ref, "contact": "Philippa@Example.org"})
    assert erased(need.requester_id)


@pytest.mark.parametrize("contact", ["07911 000445", "someone@example.org", "", "not a number"])
def test_the_forget_page_erases_nobody_with_the_wrong_contact(client, group, contact):
    need = make_need(name=NAME, phone=PHONE)
    post_form(client, "/forget", {"ref": need.ref, "contact": contact})
    assert not erased(need.requester_id)
    assert db.session.get(Need, need.id).status == "open"


def test_the_forget_page_answers_the_same_whether_or_not_anything_matched(client, group):
    need = make_need(name=NAME, phone=PHONE)
    other = make_need(name="Other", phone="+447911000555")
    unknown_ref = post_form(client, "/forget", {"ref": "ZZZZZ", "contact": PHONE})
    wrong_contact = post_form(client, "/forget", {"ref": other.ref, "contact": PHONE})
    matched = post_form(client, "/forget", {"ref": need.ref, "contact": PHONE})
    assert erased(need.requester_id) and not erased(other.requester_id)
    pages = {without_token(r.get_data(as_text=True)) for r in (unknown_ref, wrong_contact, matched)}
    assert len(pages) == 1 and {r.status_code for r in (unknown_ref, wrong_contact, matched)} == {200}


@pytest.mark.parametrize("config_overrides", [{"RATELIMIT_ENABLED": True, "RATELIMIT_FORGET": "2 per hour"}])
def test_guessing_on_the_forget_page_is_rate_limited(client, group):
    need = make_need(name=NAME, phone=PHONE)
    for guess in ("AAAAA", "BBBBB"):
        assert post_form(client, "/forget", {"ref": guess, "contact": PHONE}).status_code == 200
    assert post_form(client, "/forget", {"ref": need.ref, "contact": PHONE}).status_code == 429
    assert not erased(need.requester_id)


def test_the_forget_page_refuses_a_post_without_its_csrf_token(client, group):
    need = make_need(name=NAME, phone=PHONE)
    response = client.post("/forget", data={"ref": need.ref, "contact": PHONE})
    assert response.status_code == 400 and not erased(need.requester_id)


# --- the coordinator's erase button -----------------------------------------------------------------

def erase_from_need_page(client, ref, person_id, confirm=True):
    """Press "Erase this person" on the need's page, with or without the tick."""
    page = client.get(f"/coordinator/needs/{ref}").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "back": f"/coordinator/needs/{ref}"}
    if confirm:
        data["confirm"] = "y"
    return client.post(f"/coordinator/people/{person_id}/erase", data=data)


def test_a_coordinator_erases_the_requester_from_the_need_page_once_sure(client, group, auth):
    make_coordinator(group)
    need = make_need(name=NAME, phone=PHONE)
    auth.login("coord@example.org")
    assert "Erase this person" in client.get(f"/coordinator/needs/{need.ref}").get_data(as_text=True)
    erase_from_need_page(client, need.ref, need.requester_id, confirm=False)
    assert not erased(need.requester_id)
    response = erase_from_need_page(client, need.ref, need.requester_id)
    assert response.status_code == 302 and erased(need.requester_id)
    event = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "person.erased")).scalar_one()
    assert event.actor_id == db.session.execute(db.select(Person.id).where(Person.role == "coordinator")).scalar()


def test_a_coordinator_of_another_group_cannot_erase(client, group, auth):
    other = make_group(slug="elsewhere", name="Elsewhere")
    make_coordinator(other, email="other@example.org")
    need = make_need(name=NAME, phone=PHONE)
    auth.login("other@example.org")
    page = client.get("/coordinator/people").get_data(as_text=True)
    response = client.post(f"/coordinator/people/{need.requester_id}/erase",
                           data={"csrf_token": csrf_from(page), "confirm": "y"})
    assert response.status_code == 403 and not erased(need.requester_id)


def test_a_volunteer_cannot_use_the_coordinators_erase_button(client, group, auth):
    make_volunteer(group)
    need = make_need(name=NAME, phone=PHONE)
    auth.login("vol@example.org")
    page = client.get("/volunteer/").get_data(as_text=True)
    response = client.post(f"/coordinator/people/{need.requester_id}/erase",
                           data={"csrf_token": csrf_from(page), "confirm": "y"})
    assert response.status_code in (302, 403) and not erased(need.requester_id)


def test_an_erased_volunteer_leaves_the_volunteers_page(client, group, auth):
    make_coordinator(group)
    volunteer = make_volunteer(group, name=NAME)
    auth.login("coord@example.org")
    page = client.get("/coordinator/volunteers").get_data(as_text=True)
    assert NAME in page
    client.post(f"/coordinator/people/{volunteer.id}/erase", data={"csrf_token": csrf_from(page), "confirm": "y"})
    assert erased(volunteer.id)
    assert NAME not in client.get("/coordinator/volunteers").get_data(as_text=True)


# --- subject access --------------------------------------------------------------------------------

def test_a_coordinator_downloads_everything_held_about_a_phone_number_and_it_is_audited(client, group, auth):
    make_coordinator(group)
    need = make_need(name=NAME, phone=PHONE, details="Bread for Philippa")
    auth.login("coord@example.org")
    response = post_form(client, "/coordinator/people", {"phone": "07911 000444"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["person"]["name"] == NAME and data["needs"][0]["ref"] == need.ref
    event = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "person.exported")).scalar_one()
    assert NAME not in json.dumps(event.details) and PHONE not in json.dumps(event.details)


def test_subject_access_for_someone_of_another_group_finds_nobody(client, group, auth):
    other = make_group(slug="elsewhere", name="Elsewhere")
    make_coordinator(other, email="other@example.org")
    make_need(name=NAME, phone=PHONE)
    auth.login("other@example.org")
    response = post_form(client, "/coordinator/people", {"phone": PHONE})
    assert response.mimetype == "text/html" and NAME not in response.get_data(as_text=True)
    assert not db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "person.exported")).first()


# --- a volunteer erases their own account ------------------------------------------------------------

def test_a_volunteer_erases_their_own_account_with_their_password(client, group, auth):
    volunteer = make_volunteer(group, name=NAME)
    need = make_need()
    claim_need(volunteer, need.ref)
    auth.login("vol@example.org")
    response = post_form(client, "/auth/erase", {"password": "correct-horse-battery", "confirm": "y"})
    assert response.status_code == 200 and erased(volunteer.id)
    assert db.session.get(Need, need.id).status == "open"
    assert db.session.execute(db.select(Claim.status)).scalar_one() == "released"
    assert client.get("/volunteer/").status_code == 302  # logged out
    assert auth.login("vol@example.org").status_code != 302


@pytest.mark.parametrize("data", [{"password": "wrong-password-1", "confirm": "y"},
                                  {"password": "correct-horse-battery"}])
def test_a_volunteer_is_not_erased_without_the_password_and_the_tick(client, group, auth, data):
    volunteer = make_volunteer(group, name=NAME)
    auth.login("vol@example.org")
    response = post_form(client, "/auth/erase", data)
    assert response.status_code == 400 and not erased(volunteer.id)


def test_a_person_without_a_group_is_erased_only_by_a_coordinator_of_a_group_they_asked(client, group):
    from mutualaid.core.errors import Forbidden
    from mutualaid.people.actions import erase_by_coordinator

    other = make_group(slug="elsewhere", name="Elsewhere")
    outsider = make_coordinator(other, email="other@example.org")
    own = make_coordinator(group)
    need = make_need(name=NAME, phone=PHONE)
    person = db.session.get(Person, need.requester_id)
    person.group_id = None
    db.session.commit()
    with pytest.raises(Forbidden):
        erase_by_coordinator(outsider, person.id, confirmed=True)
    assert not erased(person.id)
    erase_by_coordinator(own, person.id, confirmed=True)
    assert erased(person.id)


def test_asking_on_the_web_is_logged_without_the_reference_or_contact(client, group, caplog):
    need = make_need(name=NAME, phone=PHONE)
    caplog.clear()
    with caplog.at_level("INFO"):
        post_form(client, "/forget", {"ref": need.ref, "contact": PHONE})
    assert "erasure asked on the web (matched)" in caplog.text
    assert need.ref not in caplog.text and PHONE not in caplog.text and NAME not in caplog.text
