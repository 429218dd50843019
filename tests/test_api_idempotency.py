"""An Idempotency-Key belongs to its caller and to what they sent: a retry gets its first request back,
other content under the same key is refused with 422, and another caller's same key makes their own."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mutualaid.extensions import db
from mutualaid.models import Need, Offer
from mutualaid.people.actions import issue_api_token
from mutualaid.people.erasure import erase
from tests.builders import make_group, make_volunteer, post_form, submission_key_from
from tests.test_api import NEED, OFFER, count

ALICE, BOB = "198.51.100.10", "203.0.113.20"
OTHER_NEED = {**NEED, "details": "A lift to the surgery on Friday", "contact": {"phone": "07911 123458"}}


@pytest.fixture(autouse=True)
def group(app):
    """Every test here has the Hackney group."""
    return make_group()


def post(client, url, body, key, address=ALICE, headers=None):
    """POST JSON with an Idempotency-Key from a client address."""
    return client.post(url, json=body, headers={"Idempotency-Key": key, **(headers or {})},
                       environ_base={"REMOTE_ADDR": address})


def test_another_caller_reusing_a_key_gets_their_own_new_need_not_the_first_callers(client):
    first = post(client, "/api/v1/needs", NEED, "shared-key", ALICE)
    second = post(client, "/api/v1/needs", OTHER_NEED, "shared-key", BOB)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.get_json()["ref"] != second.get_json()["ref"]
    assert count(Need) == 2
    assert "lift" in db.session.execute(db.select(Need.details).where(Need.ref == second.get_json()["ref"])).scalar()


def test_another_caller_reusing_a_key_with_the_same_words_still_gets_their_own_need(client):
    first = post(client, "/api/v1/needs", NEED, "shared-key", ALICE)
    second = post(client, "/api/v1/needs", NEED, "shared-key", BOB)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.get_json()["ref"] != second.get_json()["ref"]


def test_the_same_caller_key_and_content_is_a_retry_that_gets_the_first_need_back(client):
    first = post(client, "/api/v1/needs", NEED, "retry-1")
    again = post(client, "/api/v1/needs", {key: NEED[key] for key in reversed(NEED)}, "retry-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["ref"] == again.get_json()["ref"] and count(Need) == 1


def test_the_same_caller_and_key_with_other_content_is_refused_with_422(client):
    first = post(client, "/api/v1/needs", NEED, "retry-1")
    other = post(client, "/api/v1/needs", OTHER_NEED, "retry-1")
    assert (first.status_code, other.status_code) == (201, 422)
    error = other.get_json()["error"]
    assert "Idempotency-Key" in error["message"] and "different request" in error["message"]
    assert count(Need) == 1


def test_a_key_with_a_token_belongs_to_the_token_holder_wherever_they_call_from(client, group):
    token = {"Authorization": f"Bearer {issue_api_token(make_volunteer(group, email=None))}"}
    db.session.commit()
    first = post(client, "/api/v1/needs", NEED, "tok-1", ALICE, token)
    again = post(client, "/api/v1/needs", NEED, "tok-1", BOB, token)
    anonymous = post(client, "/api/v1/needs", NEED, "tok-1", ALICE)
    assert (first.status_code, again.status_code, anonymous.status_code) == (201, 200, 201)
    assert first.get_json()["ref"] == again.get_json()["ref"] != anonymous.get_json()["ref"]


def test_offers_keys_are_scoped_the_same_way(client):
    first = post(client, "/api/v1/offers", OFFER, "offer-key", ALICE)
    theirs = post(client, "/api/v1/offers", {**OFFER, "details": "A high chair"}, "offer-key", BOB)
    changed = post(client, "/api/v1/offers", {**OFFER, "quantity": 3}, "offer-key", ALICE)
    assert (first.status_code, theirs.status_code, changed.status_code) == (201, 201, 422)
    assert count(Offer) == 2


def test_the_stored_key_is_a_digest_not_what_was_sent(client):
    post(client, "/api/v1/needs", NEED, "visible-key")
    stored = db.session.execute(db.select(Need.submission_key, Need.submission_digest)).one()
    assert "visible-key" not in stored.submission_key and len(stored.submission_key) == 64
    assert len(stored.submission_digest) == 64


ASK = {"category": "groceries", "details": "Bread please", "urgency": "soon", "where": "E8 3RH", "name": "Ada",
       "phone": "+447911123456"}


def test_the_web_forms_one_use_key_still_makes_a_resubmission_the_same_request(client):
    page = client.get("/need").get_data(as_text=True)
    key = submission_key_from(page)
    first = post_form(client, "/need", {**ASK, "submission_key": key})
    again = post_form(client, "/need", {**ASK, "submission_key": key})
    assert first.headers["Location"] == again.headers["Location"] and count(Need) == 1


def test_a_web_form_sent_again_with_its_key_but_other_answers_says_to_reload(client):
    page = client.get("/need").get_data(as_text=True)
    key = submission_key_from(page)
    post_form(client, "/need", {**ASK, "submission_key": key})
    changed = post_form(client, "/need", {**ASK, "details": "Milk and eggs", "submission_key": key})
    assert changed.status_code == 400
    assert "reload the page" in changed.get_data(as_text=True)
    assert count(Need) == 1


def test_a_strange_form_key_is_replaced_and_the_neighbour_is_asked_to_send_again(client):
    response = post_form(client, "/need", {**ASK, "submission_key": "k" * 65})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "send it again" in page
    assert len(submission_key_from(page)) == 32 and count(Need) == 0


def test_erasing_the_requester_forgets_the_digest_of_what_they_sent(client):
    post(client, "/api/v1/needs", NEED, "erase-me")
    need = db.session.execute(db.select(Need)).scalar_one()
    erase(need.requester, actor=None, now=datetime.now(timezone.utc))
    db.session.commit()
    assert db.session.get(Need, need.id).submission_digest is None
