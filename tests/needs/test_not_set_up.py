"""A fresh instance with no group yet: a plain 503 naming the command to run, never a 500; no text lost."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mutualaid.groups.actions import create_group
from mutualaid.models import Message, Need
from mutualaid.sms.actions import process_pending_inbound
from tests.sms_helpers import GROUP_NUMBER, sms_config, text_in

COMMAND = "flask --app wsgi groups create"


@pytest.fixture
def config_overrides():
    """Console SMS; the webhook only stores, as in production."""
    return sms_config(SMS_INBOUND_INLINE=False)


@pytest.mark.parametrize("path", ["/", "/need", "/offer"])
def test_pages_that_need_a_group_say_the_site_is_not_set_up(client, path):
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "not set up yet" in page and COMMAND in page and "Something went wrong" not in page


def test_posting_the_need_form_gets_the_same_503_and_saves_nothing(client, app):
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/need", data={"category": "groceries", "details": "Bread", "where": "E8 3RH",
                                          "phone": "07911 123456"})
    assert response.status_code == 503 and COMMAND in response.get_data(as_text=True)
    assert Need.query.count() == 0


@pytest.mark.parametrize("path", ["/api/v1/needs", "/api/v1/offers"])
def test_the_api_answers_503_in_json_naming_the_command(client, path):
    response = client.post(path, json={"category": "groceries", "details": "Bread", "where": "E8 3RH",
                                       "contact": {"phone": "07911 123456"}})
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["status"] == 503 and COMMAND in error["message"]


def test_a_text_before_any_group_is_stored_and_answered_once_a_group_exists(client, app):
    response = text_in(client, "need groceries E8 3RH")
    assert response.status_code == 503 and response.mimetype == "text/plain"
    assert COMMAND in response.get_data(as_text=True)
    stored = Message.query.one()
    assert stored.direction == "in" and stored.body == "need groceries E8 3RH"
    now = datetime.now(timezone.utc)
    process_pending_inbound(now)
    assert Message.query.one().status == "no_group"
    create_group(slug="hackney", name="Hackney Mutual Aid", centre="E8 1", phone=GROUP_NUMBER)
    process_pending_inbound(now)
    assert Message.query.filter_by(direction="out").count() == 1
    assert text_in(client, "1").status_code == 200


def test_health_check_and_login_still_work_without_a_group(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/auth/login").status_code == 200
