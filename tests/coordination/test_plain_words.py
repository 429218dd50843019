"""Coordinators' pages print codes in words: statuses, where a record came from, and what an empty list means."""
import html
from datetime import datetime, timezone

import pytest

from mutualaid.extensions import db
from mutualaid.models import Message
from tests.builders import make_coordinator, make_group, make_need, make_offer


@pytest.fixture
def coordinator(app):
    """A coordinator of Hackney."""
    return make_coordinator(make_group())


def page(client, auth, coordinator, path, language="en", **args) -> str:
    """A page's text as the coordinator sees it in `language` (logged in on the first call)."""
    coordinator.language = language
    db.session.commit()
    if not getattr(client, "logged_in", False):
        auth.login(coordinator.email)
        client.logged_in = True
    response = client.get(path, query_string=args)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_an_empty_filtered_list_does_not_say_nothing_is_unmet(client, auth, coordinator):
    make_need(category="groceries")
    filtered = page(client, auth, coordinator, "/coordinator/", category="pets")
    assert "No unmet request matches these filters." in filtered and "Nothing unmet" not in filtered
    assert "Nothing unmet" not in page(client, auth, coordinator, "/coordinator/")


def test_with_nothing_unmet_and_no_filter_the_dashboard_says_so(client, auth, coordinator):
    assert "Nothing unmet. Thank you, everyone." in page(client, auth, coordinator, "/coordinator/")


def test_the_texts_page_gives_statuses_in_words(client, auth, coordinator):
    db.session.add_all([Message(direction="out", group_id=coordinator.group_id, to_number="+447911123456",
                                body="Hola", status=status, created_at=datetime.now(timezone.utc))
                        for status in ("queued", "failed", "suppressed", "brand_new_status")])
    db.session.commit()
    text = page(client, auth, coordinator, "/coordinator/messages")
    table = text.split("<tbody>")[1].split("</tbody>")[0]
    assert "waiting to be sent" in table and "could not be sent" in table and "brand new status" in table
    assert ">queued<" not in table and ">failed<" not in table


def test_the_texts_page_in_spanish(client, auth, coordinator):
    db.session.add(Message(direction="out", group_id=coordinator.group_id, to_number="+447911123456",
                           body="Hola", status="delivered", created_at=datetime.now(timezone.utc)))
    db.session.commit()
    table = page(client, auth, coordinator, "/coordinator/messages", "es").split("<tbody>")[1].split("</tbody>")[0]
    assert "entregado" in table and "delivered" not in table


def test_an_offers_page_says_where_it_came_from_in_words(client, auth, coordinator):
    offer = make_offer()
    text = page(client, auth, coordinator, f"/coordinator/offers/{offer.ref}")
    assert "on the website" in text and " web\n" not in text


def test_a_missing_value_is_never_printed_as_none(client, auth, coordinator, app):
    need = make_need(email="")
    need.requester.email = None
    db.session.commit()
    text = page(client, auth, coordinator, f"/coordinator/needs/{need.ref}")
    assert "None" not in text
    with app.test_request_context():
        from flask import render_template_string
        assert render_template_string("[{{ missing }}|{{ zero }}|{{ empty }}]", missing=None, zero=0, empty="") == "[|0|]"


@pytest.mark.parametrize("name", ["category_label", "urgency_label", "status_label", "location_label", "claim_label",
                                  "reason_label", "message_status_label", "via_label"])
def test_a_code_without_words_yet_is_shown_readably_and_none_as_nothing(app, name):
    with app.test_request_context():
        from flask import render_template_string
        shown = render_template_string(f"[{{{{ 'brand_new_code'|{name} }}}}|{{{{ none|{name} }}}}]", none=None)
    assert shown == "[brand new code|]"
