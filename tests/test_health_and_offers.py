"""Health check and the "I can offer" form."""
from datetime import date, timedelta

import pytest

from mutualaid.extensions import db
from mutualaid.models import Offer
from tests.builders import make_group, post_form

OFFER = {"kind": "item", "category": "household", "details": "A baby cot", "quantity": "1",
         "where": "E8 4", "name": "Sam", "phone": "07911 123457"}


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok" and response.get_json()["database"] == "ok"


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path}/missing-dir/nope/db.sqlite3")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unavailable"


@pytest.fixture
def group(app):
    """The Hackney group."""
    return make_group()


def test_offer_is_saved_with_reference(client, group):
    response = post_form(client, "/offer", OFFER)
    offer = Offer.query.one()
    assert response.headers["Location"].endswith(f"/offer/{offer.ref}/thanks")
    assert offer.status == "open" and offer.kind == "item" and offer.person.phone == "+447911123457"
    assert offer.location_status == "approximate"


def test_offer_date_in_the_past_is_refused(client, group):
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    response = post_form(client, "/offer", {**OFFER, "available_until": yesterday})
    assert response.status_code == 400
    assert "That date has already passed." in response.get_data(as_text=True)
    assert Offer.query.count() == 0


@pytest.mark.parametrize("quantity", ["0", "-3", "100000", "many"])
def test_offer_quantity_out_of_range_is_refused(client, group, quantity):
    response = post_form(client, "/offer", {**OFFER, "quantity": quantity})
    assert response.status_code == 400
    assert Offer.query.count() == 0


def test_offer_double_submission_makes_one_offer(client, group):
    from tests.builders import csrf_from, submission_key_from

    page = client.get("/offer").get_data(as_text=True)
    fields = {**OFFER, "csrf_token": csrf_from(page), "submission_key": submission_key_from(page)}
    client.post("/offer", data=fields)
    client.post("/offer", data=fields)
    assert db.session.query(Offer).count() == 1
