"""A message that reached nobody waits on the coordinators' front page until one of them passes it on by hand."""
from __future__ import annotations

import pytest

from mutualaid.claims.actions import claim_need, relay_from_web
from mutualaid.coordination.actions import mark_passed_on
from mutualaid.coordination.dashboard import messages_waiting
from mutualaid.core.errors import Forbidden, NotFound
from mutualaid.extensions import db
from mutualaid.models import AuditEvent, NeedMessage
from tests.builders import csrf_from, make_coordinator, make_group, make_need, make_volunteer
from tests.sms_helpers import GROUP_NUMBER, sms_config

WORDS = "Door code is 4411, ring twice"


@pytest.fixture
def config_overrides():
    """Console SMS."""
    return sms_config()


@pytest.fixture
def group(app):
    """The Hackney group with its number."""
    return make_group(phone_number=GROUP_NUMBER)


@pytest.fixture
def unreachable(group):
    """A claimed need whose neighbour can be reached neither by text (no consent) nor by email."""
    need = make_need(phone="+447911123456", sms_consent=False)
    volunteer = make_volunteer(group, email="web@example.org", phone=None)
    claim_need(volunteer, need.ref)
    return need, volunteer


def test_with_nothing_waiting_the_front_page_says_nothing_about_it(client, coordinator):
    assert messages_waiting(coordinator) == []
    assert "Messages waiting for you to pass on" not in client.get("/coordinator/").get_data(as_text=True)


def test_a_message_that_reached_nobody_is_on_the_front_page_without_its_words(client, coordinator, unreachable):
    need, volunteer = unreachable
    assert relay_from_web(volunteer, need.ref, WORDS)[0] == "none"
    [(shown, entry)] = messages_waiting(coordinator)
    assert (shown.id, entry.body, entry.author_role) == (need.id, WORDS, "volunteer")
    page = client.get("/coordinator/").get_data(as_text=True)
    assert "Messages waiting for you to pass on" in page and need.ref in page and "from the volunteer" in page
    assert "4411" not in page  # the words are read on the request's page, where the look is audited


def test_passing_it_on_by_hand_takes_it_off_the_front_page_once(client, coordinator, unreachable):
    need, volunteer = unreachable
    relay_from_web(volunteer, need.ref, WORDS)
    entry = NeedMessage.query.one()
    page = client.get(f"/coordinator/needs/{need.ref}").get_data(as_text=True)
    assert "I passed this on" in page
    url = f"/coordinator/needs/{need.ref}/messages/{entry.id}/passed-on"
    for _ in range(2):  # a double click
        response = client.post(url, data={"csrf_token": csrf_from(page)})
        assert response.status_code == 302
    db.session.refresh(entry)
    assert entry.passed_on == "hand"
    assert messages_waiting(coordinator) == []
    assert AuditEvent.query.filter_by(action="need.message_passed_on").count() == 1
    page = client.get(f"/coordinator/needs/{need.ref}").get_data(as_text=True)
    assert "Passed on by a coordinator" in page and "I passed this on" not in page


def test_passing_on_needs_the_csrf_token(client, coordinator, unreachable):
    need, volunteer = unreachable
    relay_from_web(volunteer, need.ref, WORDS)
    entry = NeedMessage.query.one()
    client.post(f"/coordinator/needs/{need.ref}/messages/{entry.id}/passed-on", data={})
    db.session.refresh(entry)
    assert entry.passed_on == "none"


def test_another_groups_coordinator_neither_sees_nor_marks_it(app, unreachable):
    need, volunteer = unreachable
    relay_from_web(volunteer, need.ref, WORDS)
    other = make_coordinator(make_group(slug="elsewhere", name="Elsewhere"), email="other@example.org")
    assert messages_waiting(other) == []
    with pytest.raises(Forbidden):
        mark_passed_on(other, need.ref, NeedMessage.query.one().id)
    assert NeedMessage.query.one().passed_on == "none"


def test_a_message_id_from_another_request_is_not_found(coordinator, unreachable, group):
    need, volunteer = unreachable
    relay_from_web(volunteer, need.ref, WORDS)
    other_need = make_need(phone="+447911123499")
    with pytest.raises(NotFound):
        mark_passed_on(coordinator, other_need.ref, NeedMessage.query.one().id)


def test_a_message_that_went_by_text_or_email_never_waits(coordinator, group):
    need = make_need(phone="+447911123456", email="asker@example.org", sms_consent=False)
    volunteer = make_volunteer(group, email="web@example.org", phone=None)
    claim_need(volunteer, need.ref)
    assert relay_from_web(volunteer, need.ref, WORDS)[0] == "email"
    assert messages_waiting(coordinator) == []
