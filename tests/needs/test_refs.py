"""References are not a way in: pages and API calls that take a reference say nothing to a caller without
the right key or token, and guessing references is logged and limited per address."""
from __future__ import annotations

import logging

import pytest

from mutualaid.extensions import db
from mutualaid.models import Message, Need, Offer
from mutualaid.needs.actions import cancel_key
from mutualaid.people.actions import issue_api_token
from tests.builders import make_group, make_need, make_offer, make_volunteer, post_form
from tests.sms_helpers import GROUP_NUMBER, sms_config, text_in

GUESSER = "203.0.113.7"
NEIGHBOUR = "198.51.100.23"
LIMITED = {**sms_config(), "RATELIMIT_ENABLED": True, "RATELIMIT_REF_GUESSES": "20 per 10 minutes"}
ASKER, OTHER = "+447911123456", "+447911123458"


@pytest.fixture
def config_overrides():
    """Console SMS with a known webhook token, so texts can be sent in."""
    return sms_config()


@pytest.fixture(autouse=True)
def group(app):
    """Every test here has the Hackney group, owning the number neighbours text."""
    return make_group(phone_number=GROUP_NUMBER)


def from_address(client, address: str, url: str, **kwargs):
    """GET `url` as a caller at `address`."""
    return client.get(url, environ_base={"REMOTE_ADDR": address}, **kwargs)


def cancel_link(need: Need) -> str:
    """The private cancel link the neighbour got on their thanks page."""
    return f"/need/{need.ref}/cancel?key={cancel_key(need)}"


def misses(caplog) -> list[logging.LogRecord]:
    """Log records of unknown references."""
    return [r for r in caplog.records if r.getMessage().startswith("reference not found")]


# Thanks and cancel pages


def test_a_thanks_page_is_404_for_another_browser_exactly_as_for_a_made_up_reference(client, app):
    response = post_form(client, "/need", {"category": "groceries", "details": "Bread please", "urgency": "soon",
                                           "where": "E8 3RH", "name": "Ada", "phone": "+447911123456"})
    need = Need.query.one()
    assert client.get(response.headers["Location"]).status_code == 200  # the browser that sent it
    stranger = app.test_client()
    real, made_up = stranger.get(f"/need/{need.ref}/thanks"), stranger.get("/need/ZZZZZ/thanks")
    assert real.status_code == made_up.status_code == 404
    assert real.get_data(as_text=True).replace(need.ref, "ZZZZZ") == made_up.get_data(as_text=True)


def test_an_offer_thanks_page_is_only_for_the_browser_that_sent_it(client, app):
    response = post_form(client, "/offer", {"category": "household", "details": "A cot", "kind": "item",
                                            "quantity": "1", "where": "E8 4", "name": "Olu",
                                            "phone": "+447911123457"})
    offer = Offer.query.one()
    assert offer.ref in client.get(response.headers["Location"]).get_data(as_text=True)
    stranger = app.test_client()
    assert stranger.get(f"/offer/{offer.ref}/thanks").status_code == 404
    assert client.get(f"/offer/{make_offer().ref}/thanks").status_code == 404  # not one it sent


def test_a_cancel_page_without_its_key_answers_as_if_the_reference_did_not_exist(client):
    need = make_need(details="Bread for Canaryname")
    real = client.get(f"/need/{need.ref}/cancel?key=made-up")
    made_up = client.get("/need/ZZZZZ/cancel?key=made-up")
    assert real.status_code == made_up.status_code == 404
    assert "Canaryname" not in real.get_data(as_text=True)
    assert client.get(cancel_link(need)).status_code == 200


# Guessing is logged and limited


@pytest.mark.parametrize("config_overrides", [LIMITED])
def test_thirty_guesses_from_one_address_get_429_and_each_miss_is_logged_without_the_address(client, caplog):
    caplog.set_level(logging.DEBUG, logger="mutualaid")
    statuses = [from_address(client, GUESSER, f"/need/ZZZ{i:02d}/cancel?key=x").status_code for i in range(30)]
    assert statuses == [404] * 20 + [429] * 10
    assert len(misses(caplog)) == 20
    refused = [r for r in caplog.records if r.getMessage().startswith("reference guesses refused")]
    assert refused and refused[0].levelno == logging.WARNING
    assert GUESSER not in caplog.text and "ZZZ0" not in caplog.text


@pytest.mark.parametrize("config_overrides", [LIMITED])
def test_a_neighbour_with_their_key_and_a_second_address_are_not_affected_by_a_guesser(client):
    need = make_need()
    for i in range(30):
        from_address(client, GUESSER, f"/need/ZZZ{i:02d}/cancel?key=x")
    assert from_address(client, GUESSER, cancel_link(need)).status_code == 429
    assert from_address(client, NEIGHBOUR, cancel_link(need)).status_code == 200
    assert from_address(client, NEIGHBOUR, "/need/ZZZZZ/cancel?key=x").status_code == 404


@pytest.mark.parametrize("config_overrides", [LIMITED])
def test_found_references_cost_nothing_so_a_real_neighbour_is_never_refused(client):
    need = make_need()
    for _ in range(19):
        from_address(client, NEIGHBOUR, "/need/ZZZZZ/cancel?key=x")  # typos
    assert [from_address(client, NEIGHBOUR, cancel_link(need)).status_code for _ in range(25)] == [200] * 25


@pytest.mark.parametrize("config_overrides", [LIMITED])
def test_guesses_on_every_reference_route_share_one_budget(client, group, caplog):
    caplog.set_level(logging.INFO, logger="mutualaid")
    token = {"Authorization": f"Bearer {issue_api_token(make_volunteer(group, email=None))}"}
    db.session.commit()
    for i in range(6):
        assert from_address(client, GUESSER, f"/api/v1/needs/ZZZ{i:02d}", headers=token).status_code == 404
        assert from_address(client, GUESSER, f"/need/YYY{i:02d}/thanks").status_code == 404
        assert from_address(client, GUESSER, f"/offer/XXX{i:02d}/thanks").status_code == 404
    for i in range(2):
        assert from_address(client, GUESSER, f"/api/v1/offers/WWW{i:02d}", headers=token).status_code == 404
    response = from_address(client, GUESSER, "/api/v1/offers/WWWWW", headers=token)
    assert response.status_code == 429 and response.get_json()["error"]["status"] == 429
    endpoints = {r.getMessage().split(" on ")[1].split(" ")[0] for r in misses(caplog)}
    assert endpoints == {"api.get_need", "api.get_offer", "intake.need_done", "intake.offer_done"}


@pytest.mark.parametrize("config_overrides", [LIMITED])
def test_a_logged_in_volunteer_guessing_need_pages_is_limited_too(client, auth, group):
    make_volunteer(group)
    auth.login("vol@example.org")
    statuses = [client.get(f"/volunteer/needs/ZZZ{i:02d}").status_code for i in range(21)]
    assert statuses == [404] * 20 + [429]


def test_without_a_token_a_real_and_a_made_up_reference_get_the_same_401(client):
    need, offer = make_need(details="Bread for Canaryname"), make_offer()
    for real, made_up in ((f"/api/v1/needs/{need.ref}", "/api/v1/needs/ZZZZZ"),
                          (f"/api/v1/offers/{offer.ref}", "/api/v1/offers/ZZZZZ"),
                          (f"/api/v1/needs/{need.ref}", "/api/v1/needs/not-even-a-ref")):
        answers = [client.get(url, headers={"Authorization": "Bearer made-up"}) for url in (real, made_up)]
        answers += [client.get(url) for url in (real, made_up)]
        assert {a.status_code for a in answers} == {401}
        assert len({a.get_data() for a in answers}) == 1
        assert len({tuple(sorted(a.headers.items())) for a in answers}) == 1


@pytest.mark.parametrize("config_overrides", [LIMITED])
def test_calls_without_a_valid_token_are_limited_like_guesses(client):
    need = make_need()
    statuses = [from_address(client, GUESSER, f"/api/v1/needs/{ref}").status_code
                for ref in [need.ref] * 10 + [f"ZZZ{i:02d}" for i in range(10)] + [need.ref]]
    assert statuses == [401] * 20 + [429]
    assert from_address(client, NEIGHBOUR, f"/api/v1/needs/{need.ref}").status_code == 401


def test_the_client_tag_in_the_log_is_the_same_for_one_address_and_differs_between_two(client, caplog):
    caplog.set_level(logging.INFO, logger="mutualaid")
    for address in (GUESSER, GUESSER, NEIGHBOUR):
        from_address(client, address, "/need/ZZZZZ/thanks")
    tags = [r.getMessage().rsplit(" ", 1)[1] for r in misses(caplog)]
    assert len(tags) == 3 and tags[0] == tags[1] != tags[2]
    assert GUESSER not in caplog.text and NEIGHBOUR not in caplog.text


# By text, the number is the key


def last_reply(to: str) -> str:
    """The newest reply queued to `to`."""
    return db.session.execute(db.select(Message.body).where(
        Message.direction == "out", Message.to_number == to, Message.purpose != "carrier")
        .order_by(Message.id.desc())).scalars().first()


def test_cancel_by_text_from_another_number_is_answered_as_for_a_made_up_reference(client):
    text_in(client, "need groceries today E8 3RH", sender=ASKER)
    need = Need.query.one()
    text_in(client, f"CANCEL {need.ref}", sender=OTHER)
    about_real = last_reply(OTHER)
    text_in(client, "CANCEL ZZZZZ", sender=OTHER)
    assert about_real.replace(need.ref, "ZZZZZ") == last_reply(OTHER)
    db.session.refresh(need)
    assert need.status == "open"


def test_status_by_text_lists_only_the_texters_own_requests(client):
    text_in(client, "need groceries today E8 3RH", sender=ASKER)
    need = Need.query.one()
    text_in(client, "STATUS", sender=OTHER)
    assert need.ref not in last_reply(OTHER)
    text_in(client, "STATUS", sender=ASKER)
    assert need.ref in last_reply(ASKER)
