"""Coordinators' SMS pages: the simulator (same signed path as Twilio), messages, drafts, failures."""
import pytest

from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Message, Need, Person
from tests.builders import make_coordinator, make_group, make_need, make_person, post_form
from tests.sms_helpers import GROUP_NUMBER, sms_config, text_in


@pytest.fixture
def config_overrides():
    """Console SMS with a webhook token."""
    return sms_config()


@pytest.fixture
def group(app):
    """The Hackney group with its SMS number."""
    return make_group(phone_number=GROUP_NUMBER)


@pytest.fixture
def coordinator(group, auth):
    """A logged-in coordinator."""
    person = make_coordinator(group)
    auth.login(person.email)
    return person


def simulate(client, body, phone="+447911000001"):
    """Send a text through the simulator page; returns the page."""
    return post_form(client, "/coordinator/sms/simulator", {"phone": phone, "body": body})


def test_simulator_runs_a_whole_dialogue_and_shows_the_replies(client, coordinator):
    simulate(client, "need groceries E8 3RH")
    page = simulate(client, "1").get_data(as_text=True)
    need = Need.query.one()
    assert need.status == "open" and need.source == "sms" and need.postcode == "E8 3RH"
    assert "How soon do you need it?" in page and need.ref in page
    assert Person.query.filter_by(phone="+447911000001").one().simulated is True


def test_simulated_texts_are_marked_and_never_reach_a_real_provider(client, coordinator):
    simulate(client, "STATUS")
    messages = Message.query.all()
    assert len(messages) == 2 and all(m.simulated for m in messages)
    reply = [m for m in messages if m.direction == "out"][0]
    assert reply.status == "delivered" and reply.provider_sid.startswith("CONSOLE")


def test_simulator_goes_through_signature_verification(client, coordinator, app, monkeypatch):
    import mutualaid.coordinator.sms_routes as routes

    monkeypatch.setattr(routes, "sign", lambda url, form: "wrong-signature")
    response = simulate(client, "HELP")
    assert response.status_code == 403
    assert Message.query.count() == 0


def test_simulator_refuses_a_real_persons_number(client, coordinator, group):
    make_person(group=group, phone="+447911123456", name="Real Person")
    response = simulate(client, "CANCEL ABCDE", phone="07911 123456")
    assert response.status_code == 400
    assert "belongs to a real person" in response.get_data(as_text=True)
    assert Message.query.count() == 0


def test_volunteers_cannot_use_the_simulator(client, auth, group):
    from tests.builders import make_volunteer

    make_volunteer(group)
    auth.login("vol@example.org")
    assert client.get("/coordinator/sms/simulator").status_code == 403
    assert client.get("/coordinator/messages").status_code == 403


def test_messages_page_lists_texts_and_the_look_is_audited(client, coordinator):
    text_in(client, "need groceries E8 3RH")
    page = client.get("/coordinator/messages").get_data(as_text=True)
    assert "need groceries E8 3RH" in page and "How soon" in page
    assert AuditEvent.query.filter_by(action="messages.viewed").count() == 1


def test_unfinished_text_requests_show_as_drafts_for_coordinators(client, coordinator):
    text_in(client, "need someone to help with a form")
    draft = Need.query.one()
    page = client.get("/coordinator/").get_data(as_text=True)
    section = page.split("Requests started by text but not finished")[1].split("Volunteers waiting")[0]
    assert draft.ref in section


def test_undelivered_texts_to_requesters_are_surfaced(client, coordinator):
    need = make_need(phone="+447911123456")
    failed = Message(direction="out", group_id=coordinator.group_id, person_id=need.requester_id,
                     to_number="+447911123456", body="x", status="undelivered", error_code="30003")
    db.session.add(failed)
    db.session.commit()
    page = client.get("/coordinator/").get_data(as_text=True)
    assert "Texts that did not arrive" in page and "30003" in page
