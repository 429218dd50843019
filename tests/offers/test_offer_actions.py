"""Coordinators set offers aside for needs, mark them given or withdrawn; the offerer is told, once."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import update

from mutualaid.core.errors import ServiceError
from mutualaid.extensions import db
from mutualaid.messaging.outbox import deliver_outbox
from mutualaid.models import AuditEvent, Message, Offer, Proposal
from mutualaid.offers import actions as offers
from tests.builders import csrf_from, make_coordinator, make_group, make_need, make_offer, make_volunteer, post_form
from tests.sms_helpers import GROUP_NUMBER, sms_config

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
OFFERER = "+447911123457"


@pytest.fixture
def config_overrides():
    """The console SMS backend, as in development."""
    return sms_config(SMS_BACKEND="console")


@pytest.fixture
def group(app):
    """The Hackney group, with its number."""
    return make_group(phone_number=GROUP_NUMBER)


@pytest.fixture
def coordinator(group):
    """A coordinator of the group."""
    return make_coordinator(group)


@pytest.fixture
def need(group):
    """An open need for a cot."""
    return make_need(category="household", details="A cot for the baby, please")


@pytest.fixture
def offer(group):
    """An open offer of a cot, from a neighbour with a phone."""
    return make_offer(category="household", details="A wooden cot", phone=OFFERER)


def texts_to_offerer(template=None) -> list[Message]:
    """Texts queued for the offerer (of one template, if given)."""
    query = Message.query.filter_by(direction="out", to_number=OFFERER)
    return query.filter_by(template=template).all() if template else query.all()


def offer_events(offer) -> list[str]:
    """Audit actions on the offer, oldest first (views of it left out)."""
    return [e.action for e in AuditEvent.query.filter_by(subject_type="offer", subject_id=offer.id)
            .order_by(AuditEvent.id) if e.action not in ("offer.private_viewed", "offer.created")]


def state(offer) -> tuple:
    """Everything an illegal move must leave alone."""
    db.session.expire_all()
    row = db.session.get(Offer, offer.id)
    return row.status, row.need_id, Message.query.count(), AuditEvent.query.count()


def refused(action, *args, message: str, **kwargs) -> None:
    """The action raises a ServiceError whose words are `message`."""
    with pytest.raises(ServiceError) as caught:
        action(*args, now=NOON, **kwargs)
    assert str(caught.value.message) == message


def test_linking_an_open_offer_reserves_it_for_the_need_and_tells_the_offerer(coordinator, need, offer):
    offers.link_offer(coordinator, offer.ref, need.ref, now=NOON)
    db.session.refresh(offer)
    assert offer.status == "reserved" and offer.need_id == need.id
    text = texts_to_offerer("offer_reserved")[0]
    assert text.status == "queued" and text.channel == "sms" and offer.ref in text.body
    assert offer_events(offer) == ["offer.reserved"]
    event = AuditEvent.query.filter_by(action="offer.reserved").one()
    assert event.actor_id == coordinator.id and event.details == {"previous": "open", "status": "reserved",
                                                                   "need_id": need.id}


def test_the_offerers_text_goes_out_through_the_console_backend(coordinator, need, offer):
    offers.link_offer(coordinator, offer.ref, need.ref, now=NOON)
    report = deliver_outbox(now=NOON)
    text = texts_to_offerer("offer_reserved")[0]
    assert report.sent == 1 and text.status == "delivered" and text.provider_sid.startswith("CONSOLE")
    assert text.from_number == GROUP_NUMBER


def test_an_offerer_who_opted_out_is_not_texted(coordinator, need, offer):
    offer.person.opted_out = True
    db.session.commit()
    offers.link_offer(coordinator, offer.ref, need.ref, now=NOON)
    offers.mark_given(coordinator, offer.ref, now=NOON)
    assert db.session.get(Offer, offer.id).status == "given"
    assert texts_to_offerer() == [] and offer_events(offer) == ["offer.reserved", "offer.given"]


def test_marking_a_reserved_offer_given_keeps_its_need_and_tells_the_offerer(coordinator, need, offer):
    offers.link_offer(coordinator, offer.ref, need.ref, now=NOON)
    offers.mark_given(coordinator, offer.ref, now=NOON)
    db.session.refresh(offer)
    assert offer.status == "given" and offer.need_id == need.id
    assert len(texts_to_offerer("offer_given")) == 1
    assert offer_events(offer) == ["offer.reserved", "offer.given"]


def test_an_open_offer_can_be_marked_given_directly(coordinator, offer):
    offers.mark_given(coordinator, offer.ref, now=NOON)
    assert db.session.get(Offer, offer.id).status == "given"
    assert len(texts_to_offerer("offer_given")) == 1


def test_withdrawing_a_reserved_offer_frees_the_need_and_tells_the_offerer(coordinator, need, offer):
    offers.link_offer(coordinator, offer.ref, need.ref, now=NOON)
    offers.withdraw(coordinator, offer.ref, now=NOON)
    db.session.refresh(offer)
    assert offer.status == "withdrawn" and offer.need_id is None
    assert len(texts_to_offerer("offer_withdrawn")) == 1
    assert AuditEvent.query.filter_by(action="offer.withdrawn").one().details["need_id"] == need.id


def test_a_reserved_offer_can_go_back_on_the_list(coordinator, need, offer):
    offers.link_offer(coordinator, offer.ref, need.ref, now=NOON)
    offers.reopen(coordinator, offer.ref, now=NOON)
    db.session.refresh(offer)
    assert offer.status == "open" and offer.need_id is None
    assert len(texts_to_offerer("offer_reopened")) == 1


def test_a_given_offer_cannot_go_back_on_the_list(coordinator, offer):
    offers.mark_given(coordinator, offer.ref, now=NOON)
    before = state(offer)
    refused(offers.reopen, coordinator, offer.ref, message="An offer that is given cannot become open.")
    assert state(offer) == before


def test_a_withdrawn_offer_cannot_be_linked(coordinator, need, offer):
    offers.withdraw(coordinator, offer.ref, now=NOON)
    before = state(offer)
    refused(offers.link_offer, coordinator, offer.ref, need.ref,
            message="An offer that is withdrawn cannot become reserved.")
    assert state(offer) == before


def test_an_offer_cannot_be_linked_to_another_groups_need(coordinator, offer):
    elsewhere = make_need(details="Someone else's cot", phone="+447911123499")
    elsewhere.group_id = make_group(slug="islington", name="Islington Mutual Aid").id
    db.session.commit()
    before = state(offer)
    refused(offers.link_offer, coordinator, offer.ref, elsewhere.ref,
            message="Your group has no request with that reference.")
    assert state(offer) == before


@pytest.mark.parametrize("action", ["link", "given", "withdrawn"])
def test_another_groups_coordinator_cannot_touch_the_offer(need, offer, action):
    other = make_coordinator(make_group(slug="islington", name="Islington Mutual Aid"), email="other@example.org")
    before = state(offer)
    calls = {"link": lambda: offers.link_offer(other, offer.ref, need.ref, now=NOON),
             "given": lambda: offers.mark_given(other, offer.ref, now=NOON),
             "withdrawn": lambda: offers.withdraw(other, offer.ref, now=NOON)}
    with pytest.raises(ServiceError) as caught:
        calls[action]()
    assert str(caught.value.message) == "Your group has no offer with that reference."
    assert state(offer) == before


def test_a_reserved_offer_is_not_moved_to_a_second_need(coordinator, need, offer):
    second = make_need(category="household", details="Another cot", phone="+447911123498")
    offers.link_offer(coordinator, offer.ref, need.ref, now=NOON)
    before = state(offer)
    refused(offers.link_offer, coordinator, offer.ref, second.ref,
            message=f"This offer is already set aside for request {need.ref}. Put it back on the list first.")
    assert state(offer) == before


def test_an_offer_is_not_set_aside_for_a_closed_need(coordinator, need, offer):
    need.status = "cancelled"
    db.session.commit()
    before = state(offer)
    refused(offers.link_offer, coordinator, offer.ref, need.ref,
            message=f"Request {need.ref} is cancelled, so nothing can be set aside for it.")
    assert state(offer) == before


def test_an_offer_past_its_date_is_not_set_aside(coordinator, need, offer):
    offer.available_until = date(2026, 3, 1)
    db.session.commit()
    before = state(offer)
    refused(offers.link_offer, coordinator, offer.ref, need.ref,
            message="This offer was only available until 2026-03-01.")
    assert state(offer) == before


def test_a_volunteer_cannot_use_the_offer_actions(group, need, offer):
    volunteer = make_volunteer(group)
    before = state(offer)
    with pytest.raises(ServiceError):
        offers.link_offer(volunteer, offer.ref, need.ref, now=NOON)
    assert state(offer) == before


# Through the pages


def test_double_submitting_the_link_form_reserves_once_and_tells_once(client, auth, coordinator, need, offer):
    auth.login(coordinator.email)
    page = client.get(f"/coordinator/offers/{offer.ref}").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "need_ref": need.ref.lower()}
    for _ in range(2):
        response = client.post(f"/coordinator/offers/{offer.ref}/link", data=form)
        shown = client.get(response.headers["Location"]).get_data(as_text=True)
        assert f"Set aside for request {need.ref}." in shown and 'class="flash error"' not in shown
    assert db.session.get(Offer, offer.id).status == "reserved"
    assert len(texts_to_offerer()) == 1 and offer_events(offer) == ["offer.reserved"]


def test_when_two_links_race_the_offerer_is_told_once(coordinator, need, offer):
    assert offer.status == "open"  # this request read it as open...
    with db.engine.begin() as other_request:  # ...while another request set it aside for the same need
        other_request.execute(update(Offer).where(Offer.id == offer.id).values(status="reserved", need_id=need.id))
    offers.link_offer(coordinator, offer.ref, need.ref, now=NOON)
    assert db.session.get(Offer, offer.id).status == "reserved"
    assert texts_to_offerer() == [] and offer_events(offer) == []


def test_when_two_moves_race_the_loser_is_told_why(coordinator, need, offer):
    assert offer.status == "open"
    with db.engine.begin() as other_request:
        other_request.execute(update(Offer).where(Offer.id == offer.id).values(status="withdrawn"))
    refused(offers.link_offer, coordinator, offer.ref, need.ref,
            message="Someone changed this offer at the same moment. Please check it and try again.")
    assert db.session.get(Offer, offer.id).status == "withdrawn" and texts_to_offerer() == []


def test_given_and_withdrawn_buttons_move_the_offer_and_tell_the_offerer(client, auth, coordinator, need, offer):
    auth.login(coordinator.email)
    page_url = f"/coordinator/offers/{offer.ref}"
    page = client.get(page_url).get_data(as_text=True)
    assert "Yes, it was given" in page and "Yes, withdraw it" in page
    post_form(client, f"{page_url}/withdrawn", {}, page_url=page_url)
    assert db.session.get(Offer, offer.id).status == "withdrawn"
    post_form(client, f"{page_url}/reopen", {}, page_url=page_url)
    post_form(client, f"{page_url}/given", {}, page_url=page_url)
    assert db.session.get(Offer, offer.id).status == "given"
    assert [m.template for m in Message.query.filter_by(to_number=OFFERER).order_by(Message.id)] == [
        "offer_withdrawn", "offer_reopened", "offer_given"]


def test_an_illegal_move_through_the_page_shows_why_and_changes_nothing(client, auth, coordinator, offer):
    offers.mark_given(coordinator, offer.ref, now=NOON)
    auth.login(coordinator.email)
    before = state(offer)
    page_url = f"/coordinator/offers/{offer.ref}"
    response = post_form(client, f"{page_url}/reopen", {}, page_url=page_url)
    after = state(offer)
    assert after[:3] == before[:3]  # the page view itself is audited
    assert "An offer that is given cannot become open." in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_another_groups_coordinator_is_told_and_sent_to_their_list(client, auth, need, offer):
    other = make_coordinator(make_group(slug="islington", name="Islington Mutual Aid"), email="other@example.org")
    auth.login(other.email)
    assert client.get(f"/coordinator/offers/{offer.ref}").status_code == 404
    page = client.get("/coordinator/offers").get_data(as_text=True)
    response = client.post(f"/coordinator/offers/{offer.ref}/given", data={"csrf_token": csrf_from(page)})
    assert response.headers["Location"].endswith("/coordinator/offers")
    assert "Your group has no offer with that reference." in client.get("/coordinator/offers").get_data(as_text=True)
    assert db.session.get(Offer, offer.id).status == "open" and texts_to_offerer() == []


def test_the_offer_page_shows_the_offerer_and_the_needs_it_was_proposed_for(client, auth, coordinator, need, offer):
    db.session.add(Proposal(need_id=need.id, offer_id=offer.id, rank=0, score=0.5, distance_km=0.5,
                            reasons=[["distance_km", 0.5], ["offer", offer.ref]], created_at=NOON))
    db.session.commit()
    auth.login(coordinator.email)
    page = client.get(f"/coordinator/offers/{offer.ref}").get_data(as_text=True)
    assert "Offerer" in page and OFFERER in page and "A wooden cot" in page
    proposed = page.split("Requests the matcher proposed it for", 1)[1]
    assert f'href="/coordinator/needs/{need.ref}"' in proposed and "0.5 km" in proposed
    assert f'name="need_ref" value="{need.ref}"' in proposed
    assert AuditEvent.query.filter_by(action="offer.private_viewed", actor_id=coordinator.id).count() == 1


def test_the_offers_list_shows_open_and_reserved_offers_of_the_group_only(client, auth, coordinator, need, offer):
    kept = make_offer(category="groceries", details="Tins of soup", phone="+447911123458")
    gone = make_offer(category="household", details="A pram", phone="+447911123459")
    offers.link_offer(coordinator, kept.ref, need.ref, now=NOON)
    offers.mark_given(coordinator, gone.ref, now=NOON)
    auth.login(coordinator.email)
    page = client.get("/coordinator/offers").get_data(as_text=True)
    open_part, reserved_part = page.split("Set aside for requests", 1)
    assert offer.ref in open_part and kept.ref in reserved_part and need.ref in reserved_part
    assert gone.ref not in page
    assert 'href="/coordinator/offers"' in client.get("/coordinator/").get_data(as_text=True)


def test_a_volunteer_cannot_open_the_offer_pages(client, auth, group, offer):
    volunteer = make_volunteer(group)
    auth.login(volunteer.email)
    assert client.get("/coordinator/offers").status_code == 403
    assert client.get(f"/coordinator/offers/{offer.ref}").status_code == 403
