"""The need page shows what the matcher stored: volunteers and offers, each with its reasons in words."""
import re
from datetime import datetime, timezone

import pytest

from mutualaid.extensions import db
from mutualaid.matching.actions import run_matching_pass
from mutualaid.matching.proposals import proposals_for
from mutualaid.models import Claim, Proposal
from tests.builders import make_coordinator, make_group, make_need, make_offer, make_volunteer, post_form

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
E8_3 = (51.5424, -0.06606)
SECTION = "Found by the last matching pass"


@pytest.fixture
def coordinator(group):
    """A coordinator of the group (not logged in)."""
    return make_coordinator(group)


def propose_volunteer(need, volunteer, *, reasons, rank=0):
    """A stored volunteer proposal, as the matching pass writes it."""
    db.session.add(Proposal(need_id=need.id, volunteer_id=volunteer.id, rank=rank, score=1.0, distance_km=0.5,
                            reasons=reasons, created_at=NOON))
    db.session.commit()


def propose_offer(need, offer, *, km=1.0):
    """A stored offer proposal, as the matching pass writes it."""
    db.session.add(Proposal(need_id=need.id, offer_id=offer.id, rank=0, score=km, distance_km=km,
                            reasons=[["distance_km", km], ["offer", offer.ref]], created_at=NOON))
    db.session.commit()


def stored_section(client, need) -> str:
    """The need page's part listing the stored proposals."""
    page = client.get(f"/coordinator/needs/{need.ref}").get_data(as_text=True)
    assert SECTION in page, "no stored proposals on the page"
    return page.split(SECTION, 1)[1].split("<h2>", 1)[0]


def test_a_stored_volunteer_proposal_is_listed_with_its_reasons_in_words(client, auth, group, coordinator):
    ada = make_volunteer(group, email="ada@example.org", name="Ada Volunteer", languages=("es", "en"))
    need = make_need(language="es")
    propose_volunteer(need, ada, reasons=[["distance_km", 0.5], ["urgency", "soon"], ["speaks", "es"],
                                          ["has_car", True], ["workload", 1]])
    auth.login(coordinator.email)
    section = stored_section(client, need)
    assert "Ada Volunteer" in section
    assert "0.5 km, speaks Español, has a car, 1 on the go" in section


def test_a_stored_volunteer_proposal_offers_one_click_assign_to_that_volunteer(client, auth, group, coordinator):
    ada = make_volunteer(group, email="ada@example.org", name="Ada Volunteer")
    need = make_need()
    propose_volunteer(need, ada, reasons=[["distance_km", 0.5]])
    auth.login(coordinator.email)
    section = stored_section(client, need)
    assert f'action="/coordinator/needs/{need.ref}/assign"' in section
    assert re.search(rf'name="volunteer_id" value="{ada.id}"', section)
    post_form(client, f"/coordinator/needs/{need.ref}/assign", {"volunteer_id": str(ada.id)},
              page_url=f"/coordinator/needs/{need.ref}")
    claim = Claim.query.filter_by(need_id=need.id).one()
    assert claim.volunteer_id == ada.id and claim.status == "active"


def test_a_stored_offer_proposal_links_to_the_offer_page(client, auth, group, coordinator):
    need = make_need(category="household", details="a cot please")
    offer = make_offer(category="household", details="A wooden cot")
    propose_offer(need, offer, km=1.0)
    auth.login(coordinator.email)
    section = stored_section(client, need)
    assert f'href="/coordinator/offers/{offer.ref}"' in section
    assert "A wooden cot" in section and "1.0 km" in section
    assert f'action="/coordinator/offers/{offer.ref}/link"' in section
    assert f'name="need_ref" value="{need.ref}"' in section


def test_volunteers_are_listed_before_offers(client, auth, group, coordinator):
    ada = make_volunteer(group, email="ada@example.org", name="Ada Volunteer", categories=("household",))
    need = make_need(category="household", details="a cot please")
    offer = make_offer(category="household", details="A wooden cot")
    propose_offer(need, offer)
    propose_volunteer(need, ada, reasons=[["distance_km", 0.5]])
    auth.login(coordinator.email)
    section = stored_section(client, need)
    assert section.index("Ada Volunteer") < section.index(offer.ref)


def test_what_the_matching_pass_finds_is_seen_on_the_need_page(client, auth, group, coordinator):
    make_volunteer(group, email="ada@example.org", name="Ada Volunteer", phone="+447911123401", home=E8_3)
    need = make_need(now=NOON)
    run_matching_pass(group.id, NOON)
    assert Proposal.query.filter_by(need_id=need.id).count() == 1
    auth.login(coordinator.email)
    assert "Ada Volunteer" in stored_section(client, need)


def test_a_volunteer_cannot_open_the_coordinators_need_page(client, auth, group):
    ada = make_volunteer(group, email="ada@example.org", name="Ada Volunteer")
    bea = make_volunteer(group, email="bea@example.org", name="Bea Volunteer", phone="+447911123402")
    need = make_need()
    propose_volunteer(need, bea, reasons=[["distance_km", 0.5]])
    auth.login(ada.email)
    response = client.get(f"/coordinator/needs/{need.ref}")
    assert response.status_code == 403
    assert "Bea Volunteer" not in response.get_data(as_text=True)


def test_a_volunteer_sees_only_their_own_proposal(group, coordinator):
    ada = make_volunteer(group, email="ada@example.org", name="Ada Volunteer")
    bea = make_volunteer(group, email="bea@example.org", name="Bea Volunteer", phone="+447911123402")
    need = make_need()
    offer = make_offer(category="groceries")
    propose_volunteer(need, ada, reasons=[["distance_km", 0.5]])
    propose_volunteer(need, bea, reasons=[["distance_km", 1.0]], rank=1)
    propose_offer(need, offer)
    assert [p.volunteer_name for p in proposals_for(need, ada)] == ["Ada Volunteer"]
    assert [(p.kind, p.volunteer_name or p.offer_ref) for p in proposals_for(need, coordinator)] == [
        ("volunteer", "Ada Volunteer"), ("volunteer", "Bea Volunteer"), ("offer", offer.ref)]


def test_another_groups_coordinator_and_anonymous_callers_see_no_proposals(group):
    other = make_coordinator(make_group(slug="islington", name="Islington Mutual Aid"), email="other@example.org")
    ada = make_volunteer(group, email="ada@example.org")
    need = make_need()
    propose_volunteer(need, ada, reasons=[["distance_km", 0.5]])
    assert proposals_for(need, other) == [] and proposals_for(need, None) == []


def test_malformed_stored_reasons_do_not_break_the_page(client, auth, group, coordinator):
    ada = make_volunteer(group, email="ada@example.org", name="Ada Volunteer")
    need = make_need()
    propose_volunteer(need, ada, reasons=[["distance_km", 0.5], "junk", ["a", "b", "c"]])
    auth.login(coordinator.email)
    assert "0.5 km" in stored_section(client, need)
