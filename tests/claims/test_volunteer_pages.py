"""The volunteer's side (so far): needs near home, and what they may see of a need."""
import pytest

from mutualaid.claims.actions import claim_need, complete_claim
from mutualaid.extensions import db
from tests.builders import make_group, make_need, make_volunteer

CANARIES = ("Zebedee Canary", "+447911123499", "7911123499", "99 Canary Wharf Lane", "E8 3RH")


@pytest.fixture
def group(app):
    """The Hackney group."""
    return make_group()


def plant_canary_need():
    """A need carrying a planted name, phone and street address."""
    return make_need(name=CANARIES[0], phone=CANARIES[1], where=f"{CANARIES[3]}, {CANARIES[4]}",
                     details="Shopping please, ring 07911 123499 at 99 Canary Wharf Lane")


def test_approved_volunteer_sees_open_needs_near_home_nearest_first(client, auth, group):
    make_volunteer(group, radius_km=5)
    near = make_need(where="E8 3RH", details="near")
    farther = make_need(where="N16 7UY", details="farther")
    make_need(where="LS6 2AB", details="far away")
    auth.login("vol@example.org")
    page = client.get("/volunteer/").get_data(as_text=True)
    assert near.ref in page and farther.ref in page and "far away" not in page
    assert page.index(near.ref) < page.index(farther.ref)


def test_category_filter_narrows_the_list(client, auth, group):
    make_volunteer(group)
    groceries = make_need(category="groceries")
    medicine = make_need(category="medicine", details="pills")
    auth.login("vol@example.org")
    page = client.get("/volunteer/?category=medicine").get_data(as_text=True)
    assert medicine.ref in page and groceries.ref not in page


def test_no_requester_data_reaches_a_volunteer_who_has_not_claimed(client, auth, group):
    make_volunteer(group)
    need = plant_canary_need()
    auth.login("vol@example.org")
    pages = [client.get("/volunteer/"), client.get(f"/volunteer/needs/{need.ref}"),
             client.get(f"/api/v1/needs/{need.ref}"), client.get(f"/need/{need.ref}/thanks"),
             client.get(f"/coordinator/needs/{need.ref}")]
    for response in pages:
        body = response.get_data(as_text=True)
        for canary in CANARIES:
            assert canary not in body, (response.request.path, canary)
    assert "Shopping please" in pages[1].get_data(as_text=True)


def test_pending_volunteer_cannot_open_a_need(client, auth, group):
    make_volunteer(group, status="pending")
    need = make_need()
    auth.login("vol@example.org")
    assert client.get(f"/volunteer/needs/{need.ref}").status_code == 403


def test_a_distance_out_of_range_is_explained_and_the_distance_searched_is_shown(client, auth, group):
    make_volunteer(group, radius_km=3)
    near = make_need(where="E8 3RH", details="near")
    auth.login("vol@example.org")
    for typed in ("1000", "-3", "abc"):
        response = client.get(f"/volunteer/?km={typed}")
        page = response.get_data(as_text=True)
        assert "Between 0.5 and 50 km, please." in page, typed
        assert "Within 3.0 km of E8 3" in page and f"Within {typed} km" not in page, typed
        assert 'data-radius="3.0"' in page and near.ref in page
    page = client.get("/volunteer/?km=10").get_data(as_text=True)
    assert "Within 10.0 km of E8 3" in page and "Between 0.5 and 50 km" not in page


def test_a_request_the_volunteer_finished_is_not_said_to_have_someone_helping(client, auth, group):
    volunteer = make_volunteer(group)
    need = make_need()
    claim_need(volunteer, need.ref, via="web")
    complete_claim(volunteer, need.ref, "Delivered")
    auth.login("vol@example.org")
    page = client.get(f"/volunteer/needs/{need.ref}").get_data(as_text=True)
    assert "This request is closed, so nobody can take it now." in page
    assert "Someone is already helping" not in page and "I&#39;ll do this" not in page


@pytest.mark.parametrize("status, told, not_told", [
    ("pending", "A coordinator will look at it soon", "paused your volunteering"),
    ("paused", "A coordinator has paused your volunteering for now", "will look at it soon"),
    ("rejected", "Your volunteer sign-up was not approved", "will look at it soon"),
])
def test_a_volunteer_not_approved_is_told_their_own_situation(client, auth, group, status, told, not_told):
    make_volunteer(group, status=status)
    need = make_need()
    auth.login("vol@example.org")
    page = client.get("/volunteer/").get_data(as_text=True)
    assert told in page and not_told not in page and need.ref not in page


def test_a_volunteer_with_no_known_place_is_told_why_nothing_shows(client, auth, group):
    volunteer = make_volunteer(group)
    volunteer.volunteer.home_label, volunteer.volunteer.home_lat, volunteer.volunteer.home_lon = "", None, None
    db.session.commit()
    make_need()
    auth.login("vol@example.org")
    page = client.get("/volunteer/").get_data(as_text=True)
    assert "We do not know where you are" in page
    assert "No open requests near you right now" not in page and " of , nearest first" not in page
    assert 'id="needs-map"' not in page
