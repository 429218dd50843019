"""Several groups on one instance: each pauses on its own, and a request goes to the group whose area holds it."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mutualaid.chase.actions import chase_open_needs
from mutualaid.extensions import db
from mutualaid.models import Message, Need
from tests.builders import make_coordinator, make_group, make_need, make_volunteer, post_form
from tests.sms_helpers import sms_config, text_in

HACKNEY_NUMBER, LEEDS_NUMBER = "+442071234567", "+441131234567"
LEEDS = (53.7953, -1.5526)  # LS1 4


@pytest.fixture
def config_overrides():
    """Console SMS; texts are answered at once."""
    return sms_config(SMS_INBOUND_INLINE=True)


@pytest.fixture
def hackney(app):
    """Group A, the instance's first (default) group."""
    return make_group(phone_number=HACKNEY_NUMBER)


@pytest.fixture
def leeds(hackney):
    """Group B, far from A."""
    return make_group(slug="leeds", name="Leeds Mutual Aid", centre=LEEDS, radius_km=6.0, phone_number=LEEDS_NUMBER)


def pause(group, message="Back soon"):
    """Pause the group's intake with no end date."""
    group.settings = {**(group.settings or {}), "intake_paused": {"until": None, "message": message}}
    db.session.commit()


def ask_on_the_web(client, where):
    """Fill the need form through the default host."""
    return post_form(client, "/need", {"category": "groceries", "details": "Bread please", "urgency": "soon",
                                       "where": where, "phone": "07911 123456"})


def ask_by_api(client, where):
    """POST /api/v1/needs."""
    return client.post("/api/v1/needs", json={"category": "groceries", "details": "Bread please", "where": where,
                                              "contact": {"phone": "07911 123458"}})


def test_pausing_a_leaves_b_taking_web_requests(client, hackney, leeds):
    pause(hackney)
    refused = ask_on_the_web(client, "E8 3RH")
    assert refused.status_code == 503 and "Back soon" in refused.get_data(as_text=True)
    taken = ask_on_the_web(client, "LS1 4")
    assert taken.status_code == 302
    assert [n.group_id for n in Need.query.all()] == [leeds.id]


def test_the_need_form_stays_open_while_any_group_takes_requests(client, hackney, leeds):
    pause(hackney)
    assert client.get("/need").status_code == 200
    pause(leeds)
    assert client.get("/need").status_code == 503


def test_pausing_a_leaves_b_taking_api_requests(client, hackney, leeds):
    pause(hackney)
    refused = ask_by_api(client, "E8 3RH")
    assert refused.status_code == 503 and refused.get_json()["error"]["message"] == "Back soon"
    taken = ask_by_api(client, "LS1 4")
    assert taken.status_code == 201
    assert [n.group_id for n in Need.query.all()] == [leeds.id]


def test_pausing_a_leaves_b_taking_texts(client, hackney, leeds):
    pause(hackney, "Closed this week")
    text_in(client, "need groceries E8 3RH today", to=HACKNEY_NUMBER)
    text_in(client, "need groceries LS1 4 today", sender="+447911123499", to=LEEDS_NUMBER)
    replies = {m.to_number: m.template for m in Message.query.filter_by(direction="out")}
    assert replies["+447911123456"] == "intake_paused" and replies["+447911123499"] != "intake_paused"
    assert [n.group_id for n in Need.query.all()] == [leeds.id]


def test_pausing_b_does_not_pause_a(client, hackney, leeds):
    pause(leeds)
    assert ask_on_the_web(client, "E8 3RH").status_code == 302
    assert ask_by_api(client, "LS1 4").status_code == 503
    assert [n.group_id for n in Need.query.all()] == [hackney.id]


def test_a_request_in_bs_area_lands_in_b_and_only_bs_volunteers_hear_of_it(client, hackney, leeds):
    everywhere = make_volunteer(hackney, email="a@example.org", phone="+447911100001", home=LEEDS, radius_km=50)
    local = make_volunteer(leeds, email="b@example.org", phone="+447911100002", home=LEEDS, radius_km=5)
    assert ask_on_the_web(client, "LS1 4").status_code == 302
    need = Need.query.one()
    assert need.group_id == leeds.id and need.location_status in ("located", "approximate")
    chase_open_needs(datetime.now(timezone.utc))
    told = {m.person_id for m in Message.query.filter_by(direction="out", purpose="notify")}
    assert told == {local.id} and everywhere.id not in told


def test_a_request_outside_every_area_goes_to_the_first_group_flagged_out_of_area(client, hackney, leeds, auth):
    assert ask_on_the_web(client, "CF10 1").status_code == 302
    need = Need.query.one()
    assert need.group_id == hackney.id and need.location_status == "out_of_area"
    coordinator = make_coordinator(hackney)
    auth.login(coordinator.email)
    page = client.get("/coordinator/").get_data(as_text=True)
    assert need.ref in page.split("Requests whose place we could not find")[1]


def test_a_coordinators_phone_request_with_no_place_stays_in_their_group(client, hackney, leeds, auth):
    coordinator = make_coordinator(leeds, email="leeds@example.org")
    auth.login(coordinator.email)
    response = post_form(client, "/coordinator/intake", {"category": "groceries", "details": "Bread",
                                                          "urgency": "soon", "where": "", "phone": "07911 123456"})
    assert response.status_code == 302
    assert [n.group_id for n in Need.query.all()] == [leeds.id]


def test_a_coordinators_phone_request_in_another_groups_area_goes_to_that_group(app, hackney, leeds):
    from mutualaid.needs.actions import submit_need
    from mutualaid.needs.intake import Contact, NeedInput

    coordinator = make_coordinator(leeds, email="leeds@example.org")
    need, _ = submit_need(NeedInput("groceries", "Bread", where="E8 3RH", contact=Contact(phone="07911 123456"),
                                    source="phone"), entered_by=coordinator)
    assert need.group_id == hackney.id
    assert make_need(where="", phone="+447911123499").group_id == hackney.id  # the web's default: the first group
