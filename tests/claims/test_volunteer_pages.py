"""The volunteer's side (so far): needs near home, and what they may see of a need."""
import pytest

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
