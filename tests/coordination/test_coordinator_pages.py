"""Coordinator pages: private views are audited, locations get fixed, phone intake works."""
import pytest

from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Need
from tests.builders import make_need, post_form


def actions(need):
    """Audit actions on a need, oldest first."""
    return [e.action for e in AuditEvent.query.filter_by(subject_type="need", subject_id=need.id)
            .order_by(AuditEvent.id)]


def test_opening_a_need_shows_private_data_and_is_audited(client, coordinator):
    need = make_need(name="Edna Canary", phone="+447911123456", where="flat 2, 14 Mare St E8 3RH")
    page = client.get(f"/coordinator/needs/{need.ref}").get_data(as_text=True)
    assert "Edna Canary" in page and "+447911123456" in page and "14 Mare St" in page
    event = AuditEvent.query.filter_by(action="need.private_viewed").one()
    assert event.actor_id == coordinator.id and event.subject_id == need.id


def test_needs_whose_place_was_not_found_are_listed_for_coordinators(client, coordinator):
    lost = make_need(where="behind the big church")
    found = make_need(where="E8 3RH", details="other")
    page = client.get("/coordinator/").get_data(as_text=True)
    problems = page.split("Requests whose place we could not find")[1].split("Volunteers waiting")[0]
    assert lost.ref in problems and found.ref not in problems


def test_coordinator_fixes_a_location_and_it_is_geocoded_and_audited(client, coordinator):
    need = make_need(where="behind the big church")
    post_form(client, f"/coordinator/needs/{need.ref}/location", {"where": "N16 7UY"},
              page_url=f"/coordinator/needs/{need.ref}")
    db.session.refresh(need)
    assert need.location_status == "approximate" and need.postcode == "N16 7UY"
    assert 51.55 < need.exact_lat < 51.57
    assert "need.location_fixed" in actions(need)


def test_coordinator_cancels_a_need_through_the_lifecycle(client, coordinator):
    need = make_need()
    post_form(client, f"/coordinator/needs/{need.ref}/status",
              {"status": "cancelled", "reason": "duplicate", "confirm": "y"}, page_url=f"/coordinator/needs/{need.ref}")
    db.session.refresh(need)
    assert need.status == "cancelled" and need.closed_at is not None
    event = AuditEvent.query.filter_by(action="need.status_changed").one()
    assert event.details == {"previous": "open", "status": "cancelled", "has_reason": True, "via": "coordinator",
                             "by_requester": False}


def test_an_illegal_status_change_is_refused_with_a_message(client, coordinator):
    need = make_need()
    response = post_form(client, f"/coordinator/needs/{need.ref}/status", {"status": "draft"},
                         page_url=f"/coordinator/needs/{need.ref}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A request that is open cannot become not finished." in page
    db.session.refresh(need)
    assert need.status == "open"


def test_phone_intake_records_who_entered_the_need(client, coordinator):
    response = post_form(client, "/coordinator/intake", {
        "category": "medicine", "details": "Prescription pickup", "urgency": "today", "where": "E5 0LH",
        "name": "Mr Okoye", "phone": "020 7123 4567"})
    need = Need.query.one()
    assert response.headers["Location"].endswith(f"/coordinator/needs/{need.ref}")
    assert need.source == "phone" and need.entered_by_id == coordinator.id
    assert need.requester.phone == "+442071234567"
    event = AuditEvent.query.filter_by(action="need.created").one()
    assert event.actor_id == coordinator.id


def test_unknown_ref_is_a_404_page_that_echoes_nothing(client, coordinator):
    response = client.get("/coordinator/needs/<script>alert(1)</script>")
    assert response.status_code == 404
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_a_huge_page_number_on_the_dashboard_is_an_empty_page_not_a_crash(client, coordinator):
    make_need()
    response = client.get("/coordinator/?page=99999999999999999999")
    assert response.status_code == 200
    assert "No more unmet requests." in response.get_data(as_text=True)


@pytest.mark.parametrize("days", ["99999999999", "-5"])
def test_open_at_least_out_of_range_is_explained_and_the_list_still_shows(client, coordinator, days):
    need = make_need()
    response = client.get(f"/coordinator/?min_days={days}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Please give a whole number of days from 0 to 3650." in page and need.ref in page
