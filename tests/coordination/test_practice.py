"""Practice requests from the SMS simulator: marked, never sent to real people, never counted, clearable."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from mutualaid.chase.actions import chase_open_needs
from mutualaid.claims.actions import claim_need, relay_from_web
from mutualaid.coordination import exports
from mutualaid.core.errors import Forbidden
from mutualaid.coordination.dashboard import _figures, unmet_needs
from mutualaid.coordination.public_figures import group_figures
from mutualaid.extensions import db
from mutualaid.matching.actions import matching_pass_all
from mutualaid.messaging.outbox import deliver_outbox
from mutualaid.models import (
    AuditEvent,
    Claim,
    Conversation,
    Message,
    Need,
    NeedMessage,
    NeedNotification,
    Offer,
    Person,
    Proposal,
    VolunteerProfile,
)
from mutualaid.needs.reads import needs_near
from tests.builders import (
    HACKNEY,
    csrf_from,
    make_coordinator,
    make_group,
    make_need,
    make_offer,
    make_person,
    make_volunteer,
    post_form,
)
from tests.sms_helpers import GROUP_NUMBER, sms_config, text_in

PRACTICE_PHONE = "+447911000001"


@pytest.fixture
def config_overrides():
    """Console SMS with a webhook token; replies converse at once."""
    return sms_config(SMS_INBOUND_INLINE=True)


@pytest.fixture
def group(app):
    """Hackney with its SMS number."""
    return make_group(phone_number=GROUP_NUMBER)


@pytest.fixture
def coordinator(group, auth):
    """A logged-in coordinator with a phone and email, on call."""
    person = make_coordinator(group, phone="+447911123400")
    person.on_call = True
    db.session.commit()
    auth.login(person.email)
    return person


@pytest.fixture
def volunteers(group):
    """Two approved volunteers next door who do groceries: one told by text, one by email."""
    by_text = make_volunteer(group, email="text@example.org", phone="+447911123401", home=HACKNEY, radius_km=5)
    by_email = make_volunteer(group, email="mail@example.org", phone="+447911123402", home=HACKNEY, radius_km=5)
    by_email.volunteer.channel = "email"
    db.session.commit()
    return [by_text, by_email]


def simulate(client, body, phone=PRACTICE_PHONE):
    """Text the group through the coordinators' simulator page."""
    return post_form(client, "/coordinator/sms/simulator", {"phone": phone, "body": body})


def practice_request(client) -> Need:
    """A whole request made in the simulator."""
    simulate(client, "need groceries E8 3RH")
    simulate(client, "1")
    return Need.query.filter_by(practice=True).one()


def to_real_people(people) -> list[Message]:
    """Every outgoing message (text or email) to these people."""
    ids = [p.id for p in people]
    return Message.query.filter(Message.direction == "out", Message.person_id.in_(ids)).all()


def test_a_request_from_the_simulator_is_practice_and_a_real_text_is_not(client, coordinator, volunteers):
    need = practice_request(client)
    assert need.status == "open" and need.practice is True
    text_in(client, "need groceries E8 3RH")
    text_in(client, "1")
    real = Need.query.filter_by(practice=False).one()
    assert real.requester.phone == "+447911123456"


def test_a_practice_request_never_reaches_a_real_volunteer_near_and_free(client, coordinator, volunteers):
    assert practice_request(client).practice
    now = datetime.now(timezone.utc)
    for hours in (0, 1.5, 5, 25, 24 * 12 + 1):  # every step of the chase, and the matching pass
        chase_open_needs(now + timedelta(hours=hours))
        matching_pass_all(now + timedelta(hours=hours))
    deliver_outbox(now=now + timedelta(days=13))
    assert to_real_people(volunteers + [coordinator]) == []
    assert NeedNotification.query.count() == 0 and Proposal.query.count() == 0
    to_requester = Message.query.filter_by(direction="out", to_number=PRACTICE_PHONE).all()
    assert {"still_looking", "closing_soon"} <= {m.template for m in to_requester}
    assert all(m.simulated for m in to_requester)


def test_the_same_request_from_a_real_number_is_told_to_those_volunteers(client, coordinator, volunteers):
    text_in(client, "need groceries E8 3RH")
    text_in(client, "1")
    chase_open_needs(datetime.now(timezone.utc))
    told = to_real_people(volunteers)
    assert {m.channel for m in told} == {"sms", "email"} and all(not m.simulated for m in told)


def test_a_coordinator_assigning_a_practice_request_tells_no_real_volunteer(client, coordinator, volunteers):
    from mutualaid.coordination.actions import assign_need

    need = practice_request(client)
    assign_need(coordinator, need.ref, volunteers[0].id)
    assert need.status == "claimed"
    assert to_real_people(volunteers) == []


def test_a_volunteer_who_knows_a_practice_reference_cannot_take_it_but_a_coordinator_can(
        client, coordinator, volunteers):
    need = practice_request(client)
    with pytest.raises(Forbidden, match="practice"):
        claim_need(volunteers[0], need.ref)
    assert need.status == "open" and need.active_claim is None
    coordinator.volunteer = VolunteerProfile(home_lat=need.public_lat, home_lon=need.public_lon, radius_km=5,
                                             vetting_status="approved")
    db.session.commit()
    claim_need(coordinator, need.ref)
    assert need.status == "claimed" and need.active_claim.volunteer_id == coordinator.id
    assert to_real_people(volunteers) == []


def test_a_message_about_a_practice_request_is_only_ever_simulated(client, coordinator, volunteers):
    from mutualaid.messaging.outbox import queue_email, queue_sms

    need = practice_request(client)
    sms = queue_sms(to_number=volunteers[0].phone, template="notify_need", group=need.group, person=volunteers[0],
                    need=need, params={"ref": need.ref, "category": "groceries", "km": 1, "place": "E8",
                                       "urgency": "soon", "details": "", "group": "x", "url": "/"})
    email = queue_email(to_address=volunteers[1].email, template="requester_claimed", group=need.group,
                        person=volunteers[1], need=need, params={"ref": need.ref})
    assert sms.simulated and email.simulated


def test_practice_requests_are_not_in_needs_near_me(client, coordinator, volunteers):
    practice_request(client)
    real = make_need(where="E8 3RH")
    assert [need.ref for need, _ in needs_near(*HACKNEY, radius_km=5)] == [real.ref]


def test_practice_requests_change_no_figure(client, coordinator, volunteers, app):
    make_need(where="E8 3RH")
    make_offer()
    now = datetime.now(timezone.utc) + timedelta(minutes=1)
    before = (_figures(coordinator.group_id, now), group_figures("hackney", now=now),
              exports.export_needs(coordinator, now=now).rows, exports.export_offers(coordinator, now=now).rows,
              unmet_needs(coordinator, now=now).open_by_category, unmet_needs(coordinator, now=now).total_unmet)
    practice_request(client)
    simulated = Person.query.filter_by(phone=PRACTICE_PHONE).one()
    make_offer(phone=simulated.phone)
    assert Offer.query.filter_by(practice=True).count() == 1
    after = (_figures(coordinator.group_id, now), group_figures("hackney", now=now),
             exports.export_needs(coordinator, now=now).rows, exports.export_offers(coordinator, now=now).rows,
             unmet_needs(coordinator, now=now).open_by_category, unmet_needs(coordinator, now=now).total_unmet)
    assert after == before


def test_the_dashboard_lists_practice_requests_with_a_badge_but_does_not_count_them(client, coordinator):
    need = practice_request(client)
    make_need(where="E8 3RH")
    overview = unmet_needs(coordinator)
    assert overview.total_unmet == 1 and overview.practice_unmet == 1
    assert need in [row.need for row in overview.rows]
    page = client.get("/coordinator/").get_data(as_text=True)
    assert 'class="badge practice">Practice' in page and "and 1 practice" in page
    assert 'class="badge practice">Practice' in client.get(f"/coordinator/needs/{need.ref}").get_data(as_text=True)


def test_the_simulator_page_lists_practice_requests(client, coordinator):
    need = practice_request(client)
    page = client.get("/coordinator/sms/simulator").get_data(as_text=True)
    assert need.ref in page and "Clear all practice data" in page


def test_clearing_deletes_every_practice_record_and_keeps_real_ones(client, coordinator, volunteers):
    need_id = practice_request(client).id
    simulate(client, "STATUS", phone="+447911000002")
    simulated = Person.query.filter_by(phone=PRACTICE_PHONE).one()
    make_offer(phone=simulated.phone)
    real = make_need(where="E8 3RH", phone="+447911123499")
    text_in(client, "HELP")
    real_messages = Message.query.filter_by(simulated=False).count()
    page = client.get("/coordinator/sms/simulator").get_data(as_text=True)
    response = client.post("/coordinator/sms/simulator/clear", data={"csrf_token": csrf_from(page)},
                           follow_redirects=True)
    assert "Practice data cleared (requests: 1, offers: 1, made-up numbers: 2" in response.get_data(as_text=True)
    assert db.session.get(Need, need_id) is None and Need.query.all() == [real]
    assert Offer.query.count() == 0
    assert Person.query.filter_by(simulated=True).count() == 0
    assert Message.query.filter_by(simulated=True).count() == 0
    assert Message.query.count() == real_messages
    assert {c.phone for c in Conversation.query.all()} == {"+447911123456"}
    event = AuditEvent.query.filter_by(action="practice.cleared").one()
    assert event.actor_id == coordinator.id and event.details["needs"] == 1 and event.details["people"] == 2


def test_clearing_takes_a_practised_claim_and_its_message_thread_too(client, coordinator, volunteers):
    need = practice_request(client)
    coordinator.volunteer = VolunteerProfile(home_lat=need.public_lat, home_lon=need.public_lon, radius_km=5,
                                             vetting_status="approved")
    db.session.commit()
    claim_need(coordinator, need.ref)
    relay_from_web(coordinator, need.ref, "On my way")  # practising the relay as well
    simulate(client, "thanks, see you soon")  # the made-up neighbour answers
    assert NeedMessage.query.filter_by(need_id=need.id).count() == 2
    page = client.get("/coordinator/sms/simulator").get_data(as_text=True)
    client.post("/coordinator/sms/simulator/clear", data={"csrf_token": csrf_from(page)})
    assert Need.query.count() == 0 and NeedMessage.query.count() == 0 and Claim.query.count() == 0


def test_clearing_needs_a_post_with_a_csrf_token(client, coordinator, app):
    practice_request(client)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.get("/coordinator/sms/simulator/clear").status_code == 405
    assert client.post("/coordinator/sms/simulator/clear", data={}).status_code == 400
    assert Need.query.filter_by(practice=True).count() == 1


def test_only_coordinators_can_clear_practice_data(client, group, auth, coordinator):
    practice_request(client)
    auth.logout()
    volunteer = make_volunteer(group, email="v@example.org")
    auth.login(volunteer.email)
    page = client.get("/").get_data(as_text=True)
    assert client.post("/coordinator/sms/simulator/clear",
                       data={"csrf_token": csrf_from(page)}).status_code == 403
    assert Need.query.filter_by(practice=True).count() == 1


def test_clearing_leaves_other_groups_practice_alone(client, coordinator, group):
    practice_request(client)
    other = make_group(slug="leeds", name="Leeds", centre=(53.8, -1.55), phone_number="+441131234567")
    someone = make_person(phone="+447911000009", group=other)
    someone.simulated = True
    db.session.commit()
    theirs = make_need(where="LS1 4", phone=someone.phone)
    assert theirs.practice and theirs.group_id == other.id
    page = client.get("/coordinator/sms/simulator").get_data(as_text=True)
    client.post("/coordinator/sms/simulator/clear", data={"csrf_token": csrf_from(page)})
    assert Need.query.all() == [theirs] and db.session.get(Person, someone.id) is not None
