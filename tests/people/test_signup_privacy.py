"""Signing up never tells whether an email or a phone number is already known here."""
from datetime import datetime, timedelta, timezone

import pytest

from mutualaid.models import AuditEvent, Message, Person
from mutualaid.models import person as person_model
from mutualaid.people import actions
from tests.builders import PASSWORD, make_group, make_need, make_volunteer, post_form

SIGNUP = {"name": "Priya", "email": "priya@example.org", "phone": "07911 123450", "password": "a-long-password",
          "home": "E8 3RH", "radius_km": "3", "categories": ["groceries"], "languages": ["en"], "capacity": "1",
          "channel": "sms"}


@pytest.fixture(autouse=True)
def group(app):
    """The Hackney group."""
    return make_group()


def answer(client, **changes):
    """Status, Location and the message shown after a sign-up."""
    response = post_form(client, "/auth/signup", {**SIGNUP, **changes})
    page = client.get(response.headers.get("Location", "/auth/login")).get_data(as_text=True)
    return response.status_code, response.headers.get("Location"), "Thank you!" in page


def test_a_known_email_gets_the_same_answer_as_a_new_one(app, client, group):
    new = answer(app.test_client(), email="new@example.org", phone="")
    make_volunteer(group, email="taken@example.org")
    known = answer(app.test_client(), email="taken@example.org", phone="")
    assert new == known == (302, "/auth/login", True)


def test_a_new_volunteer_is_not_logged_in_until_they_log_in(client, auth):
    post_form(client, "/auth/signup", SIGNUP)
    assert client.get("/volunteer/").status_code == 302
    assert auth.login("priya@example.org", "a-long-password").headers["Location"] == "/volunteer/"


def test_a_known_email_changes_nothing_and_its_owner_is_emailed_once_an_hour(client, group):
    owner = make_volunteer(group, email="priya@example.org", name="Priya Original")
    answer(client)
    answer(client, name="Someone Else")
    assert Person.query.count() == 1
    assert owner.name == "Priya Original" and owner.check_password(PASSWORD)
    email = Message.query.filter_by(template="signup_existing").one()
    assert email.to_address == "priya@example.org" and email.channel == "email" and email.person_id == owner.id
    assert "Someone tried to sign up" in email.body and "Nothing was changed" in email.body


def test_the_owner_is_emailed_again_after_an_hour(app, group):
    make_volunteer(group, email="priya@example.org")
    signup = actions.VolunteerSignup(name="X", email="priya@example.org", password="a-long-password", home="E8 3RH",
                                     categories=["groceries"])
    now = datetime(2026, 12, 4, 20, 0, tzinfo=timezone.utc)
    assert actions.register_volunteer(signup, now=now) is None
    actions.register_volunteer(signup, now=now + timedelta(minutes=59))
    actions.register_volunteer(signup, now=now + timedelta(minutes=61))
    assert Message.query.filter_by(template="signup_existing").count() == 2


def test_a_requesters_record_is_not_turned_into_someone_elses_account(client):
    need = make_need(name="Edna", email="edna@example.org")
    answer(client, email="edna@example.org", name="Not Edna", phone="")
    requester = need.requester
    assert requester.password_hash is None and requester.role == "neighbour" and requester.name == "Edna"
    assert Message.query.filter_by(template="signup_existing", to_address="edna@example.org").count() == 1


def test_a_known_phone_number_is_left_off_without_a_word(client):
    make_need(name="Edna", phone="+447911123450")
    assert answer(client) == (302, "/auth/login", True)
    volunteer = Person.query.filter_by(email="priya@example.org").one()
    assert volunteer.phone is None and volunteer.volunteer.channel == "email"
    event = AuditEvent.query.filter_by(action="volunteer.signed_up").one()
    assert event.details == {"phone_left_out": True}


@pytest.mark.parametrize("known", [False, True])
def test_a_sign_up_hashes_one_password_whether_or_not_the_email_is_known(app, group, monkeypatch, known):
    if known:
        make_volunteer(group, email="priya@example.org")
    calls = []
    for module in (actions, person_model):
        real = module.generate_password_hash
        monkeypatch.setattr(module, "generate_password_hash",
                            lambda password, real=real: calls.append(1) or real(password))
    actions.register_volunteer(actions.VolunteerSignup(name="Priya", email="priya@example.org",
                                                       password="a-long-password", home="E8 3RH",
                                                       categories=["groceries"]))
    assert len(calls) == 1
