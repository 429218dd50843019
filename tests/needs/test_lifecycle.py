"""The one need lifecycle, as people meet it: coordinators, volunteers and neighbours through a week."""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone

import pytest

from mutualaid.chase import actions as chase
from mutualaid.claims.actions import claim_need
from mutualaid.coordination import actions as coordination
from mutualaid.core.errors import ServiceError
from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Claim, Message, Need, Person
from mutualaid.sms.actions import process_pending_inbound
from tests.builders import make_coordinator, make_group, make_need, make_volunteer, post_form
from tests.sms_helpers import GROUP_NUMBER, sms_config, text_in

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
REQUESTER = "+447911123456"
HELPER = "+447911123499"


@pytest.fixture
def config_overrides():
    """Console SMS with a known Twilio token."""
    return sms_config()


@pytest.fixture
def group(app):
    """One group, its coordinator and one volunteer who does groceries."""
    group = make_group(phone_number=GROUP_NUMBER)
    make_coordinator(group, phone="+447911123400")
    make_volunteer(group, email="helper@example.org", phone=HELPER)
    db.session.commit()
    return group


def _coordinator(group):
    """The group's coordinator."""
    return db.session.execute(db.select(Person).where(Person.group_id == group.id,
                                                      Person.role == "coordinator")).scalar_one()


def helper(group):
    """The volunteer."""
    return db.session.execute(db.select(Person).where(Person.phone == HELPER)).scalar_one()


def templates(to: str) -> list[str]:
    """Templates of the outbound messages to one number, oldest first."""
    return list(db.session.execute(db.select(Message.template).where(
        Message.direction == "out", Message.to_number == to).order_by(Message.id)).scalars())


def claimed_need(group, t=T0) -> Need:
    """A need the volunteer has taken."""
    need = make_need(phone=REQUESTER, now=t)
    claim_need(helper(group), need.ref, now=t)
    return need


def test_a_coordinators_done_closes_the_claim_and_a_week_later_nothing_reopens_it(group):
    need = claimed_need(group)
    coordination.change_status(_coordinator(group), need.ref, "fulfilled", confirmed=True, now=T0 + timedelta(hours=1))
    for day in range(1, 8):
        chase.remind_claims(T0 + timedelta(days=day))
        chase.chase_open_needs(T0 + timedelta(days=day))
    db.session.refresh(need)
    claim = Claim.query.one()
    assert need.status == "fulfilled" and need.closed_at is not None and need.next_chase_at is None
    assert claim.status == "completed" and claim.ended_at is not None
    assert "claim_expired" not in templates(HELPER) and "requester_released" not in templates(REQUESTER)
    assert "claim_marked_done" in templates(HELPER)


def test_a_coordinator_cannot_mark_someone_helping_without_choosing_a_volunteer(group):
    need = make_need(phone=REQUESTER, now=T0)
    with pytest.raises(ServiceError) as refused:
        coordination.change_status(_coordinator(group), need.ref, "claimed", now=T0)
    assert refused.value.field == "volunteer"
    db.session.refresh(need)
    assert need.status == "open" and Claim.query.count() == 0


def test_choosing_a_volunteer_makes_them_the_claimer_and_tells_them(group):
    need = make_need(phone=REQUESTER, now=T0)
    coordination.change_status(_coordinator(group), need.ref, "claimed", volunteer_id=helper(group).id, now=T0)
    db.session.refresh(need)
    assert need.status == "claimed" and need.active_claim.volunteer_id == helper(group).id
    assert "assigned_to_you" in templates(HELPER)


def test_a_coordinator_cannot_refer_without_choosing_a_group(group):
    make_group(slug="islington", name="Islington Aid")
    need = make_need(phone=REQUESTER, now=T0)
    with pytest.raises(ServiceError) as refused:
        coordination.change_status(_coordinator(group), need.ref, "referred", now=T0)
    assert refused.value.field == "group"
    db.session.refresh(need)
    assert need.status == "open"
    coordination.change_status(_coordinator(group), need.ref, "referred", group_slug="islington", now=T0)
    db.session.refresh(need)
    assert need.status == "referred" and need.referred_to_group_id is not None


@pytest.mark.parametrize("target", ["fulfilled", "cancelled", "expired"])
def test_closing_a_need_asks_for_confirmation_first(group, target):
    need = make_need(phone=REQUESTER, now=T0)
    with pytest.raises(ServiceError) as refused:
        coordination.change_status(_coordinator(group), need.ref, target, now=T0)
    assert refused.value.code == "unconfirmed"
    db.session.refresh(need)
    assert need.status == "open" and need.next_chase_at is not None


def test_taking_a_need_back_from_its_volunteer_asks_for_confirmation_and_tells_them(group):
    need = claimed_need(group)
    with pytest.raises(ServiceError):
        coordination.change_status(_coordinator(group), need.ref, "open", now=T0)
    coordination.change_status(_coordinator(group), need.ref, "open", confirmed=True, now=T0)
    db.session.refresh(need)
    assert need.status == "open" and need.active_claim is None and Claim.query.one().status == "withdrawn"
    assert "claim_withdrawn" in templates(HELPER)


def test_the_status_page_form_shows_the_volunteer_choice_and_the_confirmation(client, auth, group):
    need = make_need(phone=REQUESTER, now=T0)
    auth.login("coord@example.org")
    page = client.get(f"/coordinator/needs/{need.ref}").get_data(as_text=True)
    assert 'name="volunteer"' in page and 'name="confirm"' in page
    response = post_form(client, f"/coordinator/needs/{need.ref}/status", {"status": "cancelled"},
                         page_url=f"/coordinator/needs/{need.ref}")
    db.session.refresh(need)
    assert need.status == "open"
    assert "I am sure" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_neighbour_cancelling_by_text_tells_the_volunteer_and_their_list_says_so(client, auth, group):
    need = claimed_need(group)
    text_in(client, f"CANCEL {need.ref}", sender=REQUESTER)
    db.session.refresh(need)
    claim = Claim.query.one()
    assert need.status == "cancelled" and claim.status == "cancelled"
    assert "claim_cancelled_by_requester" in templates(HELPER)
    auth.login("helper@example.org")
    page = client.get("/volunteer/claims").get_data(as_text=True)
    assert "cancelled by the neighbour" in page and "given back" not in page


def test_a_volunteer_texting_done_closes_their_claim(client, group):
    need = claimed_need(group)
    text_in(client, f"DONE {need.ref}", sender=HELPER)
    db.session.refresh(need)
    assert need.status == "fulfilled" and Claim.query.one().status == "completed"
    assert templates(HELPER)[-1] == "claim_done"
    assert "requester_fulfilled" in templates(REQUESTER)


@pytest.mark.parametrize("claimed", [True, False])
def test_a_coordinators_done_is_not_told_to_the_requester_as_their_volunteers(group, claimed):
    need = claimed_need(group) if claimed else make_need(phone=REQUESTER, now=T0)
    coordination.change_status(_coordinator(group), need.ref, "fulfilled", confirmed=True, now=T0 + timedelta(hours=1))
    told = Message.query.filter_by(to_number=REQUESTER, template="requester_fulfilled_by_coordinator").one()
    assert "requester_fulfilled" not in templates(REQUESTER)
    assert told.body == (f"A coordinator marked your request {need.ref} as done. If you still need help, "
                         "text us what you need.")
    assert "volunteer" not in told.body


def test_done_from_a_volunteer_who_does_not_have_it_changes_nothing(client, group):
    need = make_need(phone=REQUESTER, now=T0)
    text_in(client, f"DONE {need.ref}", sender=HELPER)
    db.session.refresh(need)
    assert need.status == "open" and templates(HELPER)[-1] == "ref_unknown"


def test_a_reply_to_the_last_warning_keeps_the_request_open(app, client, group):
    need = make_need(phone=REQUESTER, now=T0)
    chase.chase_open_needs(T0 + timedelta(days=12, minutes=1))
    assert templates(REQUESTER)[-1] == "closing_soon"
    app.config["SMS_INBOUND_INLINE"] = False  # answered by the job, at the test's time
    text_in(client, "yes I still need it please", sender=REQUESTER)
    process_pending_inbound(T0 + timedelta(days=13))
    chase.chase_open_needs(T0 + timedelta(days=14, minutes=1))
    db.session.refresh(need)
    assert need.status == "open" and need.closed_at is None and need.escalation_level < 6
    sent = templates(REQUESTER)
    assert "kept_open" in sent and "need_expired" not in sent
    assert Need.query.count() == 1  # the reply did not start a new request
    assert AuditEvent.query.filter_by(action="need.kept_open").count() == 1


def test_silence_after_the_last_warning_still_expires_it(client, group):
    need = make_need(phone=REQUESTER, now=T0)
    chase.chase_open_needs(T0 + timedelta(days=12, minutes=1))
    chase.chase_open_needs(T0 + timedelta(days=14, minutes=1))
    db.session.refresh(need)
    assert need.status == "expired" and need.next_chase_at is None and need.closed_at is not None


def cancel_link_after_asking(client) -> str:
    """Ask for help on the web form; the thanks page's cancel link."""
    response = post_form(client, "/need", {"category": "groceries", "details": "Bread please", "urgency": "soon",
                                           "where": "E8 3RH", "name": "Ada", "phone": REQUESTER,
                                           "sms_consent": "y"})
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="(http://localhost/need/\w+/cancel\?key=[^"]+)"', thanks)
    assert link, "the thanks page offers a way to cancel"
    return html.unescape(link.group(1)).replace("http://localhost", "")


def test_the_neighbour_cancels_on_the_web_and_their_volunteer_is_told(client, group):
    link = cancel_link_after_asking(client)
    need = Need.query.one()
    claim_need(helper(group), need.ref)
    assert "Cancel request" in client.get(link).get_data(as_text=True)
    response = post_form(client, link, {})
    assert response.status_code == 200
    response = post_form(client, link, {})  # a second click changes nothing
    db.session.refresh(need)
    assert need.status == "cancelled" and Claim.query.one().status == "cancelled"
    assert templates(HELPER).count("claim_cancelled_by_requester") == 1
    event = AuditEvent.query.filter_by(action="need.status_changed").one()
    assert event.details["via"] == "web" and event.details["by_requester"] is True


def test_a_cancel_link_for_another_request_or_a_made_up_key_cancels_nothing(client, group):
    link = cancel_link_after_asking(client)
    first = Need.query.one()
    other = make_need(phone="+447911123477")
    forged = link.replace(first.ref, other.ref)
    made_up = link.split("key=")[0] + "key=abc"
    for url in (forged, made_up, f"/need/{first.ref}/cancel", "/need/ZZZZZ/cancel?key=abc"):
        assert client.get(url).status_code == 404  # the same answer as for a reference that does not exist
        assert "does not work" in post_form(client, url, {}, page_url=link).get_data(as_text=True)
    db.session.refresh(first)
    db.session.refresh(other)
    assert first.status == "open" and other.status == "open"


def test_a_cancel_link_opened_again_after_cancelling_says_it_is_cancelled_and_asks_nothing(client, group):
    link = cancel_link_after_asking(client)
    post_form(client, link, {})
    page = client.get(link).get_data(as_text=True)
    need = Need.query.one()
    assert f"Request {need.ref} is cancelled" in page and "Yes, cancel my request" not in page


def test_a_cancel_link_for_a_request_already_done_says_so_before_anything_is_pressed(client, group):
    link = cancel_link_after_asking(client)
    need = Need.query.one()
    coordination.change_status(_coordinator(group), need.ref, "fulfilled", confirmed=True)
    response = client.get(link)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Request {need.ref} is done, so it cannot be cancelled." in page
    assert "Yes, cancel my request" not in page
    db.session.refresh(need)
    assert need.status == "fulfilled"
