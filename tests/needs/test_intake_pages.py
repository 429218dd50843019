"""The front page and the thanks page name the group; sending the form again gives the same request;
phone intake speaks of the caller; pause dates are written in the reader's language."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from mutualaid.extensions import db
from mutualaid.models import Message, Need
from tests.builders import csrf_from, make_coordinator, make_group, post_form, submission_key_from
from tests.sms_helpers import GROUP_NUMBER, sms_config, text_in

ASK = {"category": "groceries", "details": "Bread and milk please", "urgency": "soon", "where": "E8 3RH",
       "phone": "07911 123456"}


@pytest.fixture
def config_overrides():
    """Console SMS, texts answered at once."""
    return sms_config(SMS_INBOUND_INLINE=True)


@pytest.fixture
def group(app):
    """Hackney, with its texting number."""
    return make_group(phone_number=GROUP_NUMBER)


def pause(group, until: date | None, message=""):
    """Pause the group's intake."""
    group.settings = {"intake_paused": {"until": until.isoformat() if until else None, "message": message}}
    db.session.commit()


def test_the_front_page_names_the_group_and_its_texting_number(client, group):
    page = client.get("/").get_data(as_text=True)
    assert "Hackney Mutual Aid" in page
    assert f'href="sms:{GROUP_NUMBER}"' in page and "020 7123 4567" in page


def test_the_front_page_of_a_group_without_a_number_shows_no_number(client, app):
    make_group()
    page = client.get("/").get_data(as_text=True)
    assert "Hackney Mutual Aid" in page and "sms:" not in page


def test_the_front_page_lists_each_group_that_shares_the_site(client, group):
    make_group(slug="leeds", name="Leeds Mutual Aid", centre=(53.79, -1.55), phone_number="+441131234567")
    page = client.get("/").get_data(as_text=True)
    assert "Hackney Mutual Aid" in page and "Leeds Mutual Aid" in page and "0113 123 4567" in page


def test_the_thanks_page_names_the_group_and_its_texting_number(client, group):
    page = post_form(client, "/need", ASK, follow_redirects=True).get_data(as_text=True)
    assert "Hackney Mutual Aid will look after it" in page
    assert "020 7123 4567" in page and "STATUS" in page


def test_the_thanks_page_of_a_group_without_a_number_shows_none(client, app):
    make_group()
    page = post_form(client, "/need", ASK, follow_redirects=True).get_data(as_text=True)
    assert "Hackney Mutual Aid will look after it" in page and "sms:" not in page


def test_a_double_click_gives_one_request(client, group):
    form = client.get("/need").get_data(as_text=True)
    fields = {"csrf_token": csrf_from(form), "submission_key": submission_key_from(form), **ASK}
    first, second = client.post("/need", data=fields), client.post("/need", data=fields)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert Need.query.count() == 1


def test_going_back_to_a_fresh_form_and_sending_it_again_gives_the_same_request(client, group):
    first = post_form(client, "/need", ASK)
    again = post_form(client, "/need", ASK)  # the form loaded afresh: a new one-use key
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert Need.query.count() == 1
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "cancel request" in page  # the cancel link still works for it


def test_a_different_request_from_the_same_person_is_a_new_one(client, group):
    post_form(client, "/need", ASK)
    post_form(client, "/need", {**ASK, "details": "And some eggs"})
    post_form(client, "/need", {**ASK, "category": "medicine"})
    assert Need.query.count() == 3


def test_the_same_words_from_someone_else_are_their_own_request(client, group):
    post_form(client, "/need", ASK)
    post_form(client, "/need", {**ASK, "phone": "07911 123499"})
    assert Need.query.count() == 2


def test_the_same_request_long_after_is_a_new_one(client, group):
    from mutualaid.needs.actions import RESUBMIT_WINDOW

    post_form(client, "/need", ASK)
    first = Need.query.one()
    first.created_at = datetime.now(timezone.utc) - RESUBMIT_WINDOW - timedelta(minutes=1)
    db.session.commit()
    post_form(client, "/need", ASK)
    assert Need.query.count() == 2


def test_phone_intake_asks_about_the_caller_and_their_language(client, group, auth):
    coordinator = make_coordinator(group)
    auth.login(coordinator.email)
    page = client.get("/coordinator/intake").get_data(as_text=True)
    assert "Their phone" in page and "What do they need?" in page and "Their language" in page
    assert "Your name" not in page and "What do you need?" not in page
    response = post_form(client, "/coordinator/intake", {**ASK, "language": "es"})
    assert response.status_code == 302
    need = Need.query.one()
    assert need.language == "es" and need.requester.language == "es" and need.source == "phone"


def test_phone_intake_in_an_unknown_language_falls_back_to_english(client, group, auth):
    coordinator = make_coordinator(group)
    auth.login(coordinator.email)
    post_form(client, "/coordinator/intake", {**ASK, "language": "xx"})
    assert Need.query.one().language == "en"


@pytest.mark.parametrize("language, written", [("en", "December 5, 2026"), ("es", "5 de diciembre de 2026")])
def test_the_paused_page_writes_the_date_in_the_readers_language(client, group, language, written):
    pause(group, date(2026, 12, 5))
    page = client.get("/need", headers={"Accept-Language": language}).get_data(as_text=True)
    assert written in page and "2026-12-05" not in page


@pytest.mark.parametrize("language, written", [("en", "December 5, 2026"), ("es", "5 de diciembre de 2026")])
def test_the_settings_page_writes_the_pause_date_in_the_readers_language(client, group, auth, language, written):
    coordinator = make_coordinator(group, language=language)
    auth.login(coordinator.email)
    pause(group, date(2026, 12, 5))
    page = client.get("/coordinator/settings", headers={"Accept-Language": language}).get_data(as_text=True)
    assert written in page


@pytest.mark.parametrize("language, written", [("EN", "December 5, 2026"), ("ES", "5 de diciembre de 2026")])
def test_the_paused_text_writes_the_date_in_the_texters_language(client, group, language, written):
    pause(group, date(2026, 12, 5))
    text_in(client, f"LANG {language}")
    text_in(client, "need groceries E8 3RH")
    reply = Message.query.filter_by(direction="out").order_by(Message.id.desc()).first()
    assert reply.template == "intake_paused" and written in reply.body and "2026-12-05" not in reply.body
