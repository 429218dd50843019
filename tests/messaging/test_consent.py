"""The web form's "you may text me": honoured by every text to that person, through the whole lifecycle."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from mutualaid.chase import actions as chase
from mutualaid.claims.actions import claim_need, complete_claim, relay_from_web, release_claim
from mutualaid.domain.phones import display_phone
from mutualaid.extensions import db
from mutualaid.messaging.outbox import deliver_outbox, may_text
from mutualaid.models import Message, Need, NeedMessage, Person
from tests.builders import make_coordinator, make_group, make_need, make_offer, make_volunteer, post_form
from tests.sms_helpers import GROUP_NUMBER, sms_config, text_in

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # a Monday morning, outside quiet hours
REQUESTER = "+447911123456"
EMAIL = "edna@example.org"
HELPER = "+447911123499"


@pytest.fixture
def config_overrides():
    """Console SMS with a known Twilio token."""
    return sms_config()


@pytest.fixture
def group(app):
    """One group with a coordinator and a volunteer (signed up with a phone, texts chosen)."""
    group = make_group(phone_number=GROUP_NUMBER)
    make_coordinator(group)
    make_volunteer(group, email="helper@example.org", phone=HELPER)
    db.session.commit()
    return group


def helper() -> Person:
    """The volunteer."""
    return db.session.execute(db.select(Person).where(Person.phone == HELPER)).scalar_one()


def sms_to(number: str) -> list[Message]:
    """Every SMS written to a number (sent or not), oldest first."""
    return list(db.session.execute(db.select(Message).where(
        Message.direction == "out", Message.channel == "sms", Message.to_number == number)
        .order_by(Message.id)).scalars())


def emails_to(address: str) -> list[str]:
    """Templates of the emails queued to an address, oldest first."""
    return list(db.session.execute(db.select(Message.template).where(
        Message.channel == "email", Message.to_address == address).order_by(Message.id)).scalars())


def texts_that_would_go(number: str) -> list[Message]:
    """SMS to a number that are not held back (queued or sent)."""
    return [m for m in sms_to(number) if m.status != "suppressed"]


def walk_the_lifecycle(need: Need) -> None:
    """Claimed, released, claimed again, a relay from the volunteer, fulfilled; then a second need is chased."""
    claim_need(helper(), need.ref, now=T0 + timedelta(minutes=5))
    release_claim(helper(), need.ref, "Could not get there", now=T0 + timedelta(minutes=10))
    claim_need(helper(), need.ref, now=T0 + timedelta(minutes=15))
    relay_from_web(helper(), need.ref, "On my way, 10 minutes", now=T0 + timedelta(minutes=20))
    complete_claim(helper(), need.ref, "Bread and milk left at the door", now=T0 + timedelta(minutes=30))


def test_a_web_requester_who_said_no_to_texts_is_emailed_instead_through_the_whole_lifecycle(group):
    need = make_need(phone=REQUESTER, email=EMAIL, sms_consent=False, now=T0)
    walk_the_lifecycle(need)
    assert sms_to(REQUESTER) == []  # not even written: they are emailed instead
    assert emails_to(EMAIL) == ["requester_claimed", "requester_released", "requester_claimed",
                                "relay_to_requester", "requester_fulfilled"]
    assert "On my way, 10 minutes" in db.session.execute(db.select(Message.body).where(
        Message.template == "relay_to_requester")).scalar_one()


def test_the_chase_emails_a_requester_who_said_no_to_texts(group):
    need = make_need(phone=REQUESTER, email=EMAIL, sms_consent=False, now=T0)
    for hours in (0, 1, 4, 24, 12 * 24):
        chase.chase_open_needs(T0 + timedelta(hours=hours))
    db.session.refresh(need)
    assert "closing_soon" in emails_to(EMAIL) and "still_looking" in emails_to(EMAIL)
    assert sms_to(REQUESTER) == []  # not even written: they are emailed instead


def test_without_an_email_the_texts_are_kept_unsent_with_the_reason(group):
    need = make_need(phone=REQUESTER, sms_consent=False, now=T0)
    walk_the_lifecycle(need)
    held = sms_to(REQUESTER)
    assert [m.template for m in held] == ["requester_claimed", "requester_released", "requester_claimed",
                                          "requester_fulfilled"]
    assert {(m.status, m.last_error) for m in held} == {("suppressed", "no consent to texts")}
    # The volunteer's message is not written as a text at all: it waits on the thread for a coordinator.
    [kept] = db.session.execute(db.select(NeedMessage).where(NeedMessage.need_id == need.id)).scalars().all()
    assert (kept.body, kept.passed_on) == ("On my way, 10 minutes", "none")
    deliver_outbox(now=T0 + timedelta(hours=1))
    assert {m.status for m in sms_to(REQUESTER)} == {"suppressed"}


def test_a_relay_texted_by_the_volunteer_reaches_a_requester_who_said_no_to_texts_by_email(group, client):
    need = make_need(phone=REQUESTER, email=EMAIL, sms_consent=False, now=T0)
    claim_need(helper(), need.ref, now=T0)
    text_in(client, "Running 5 minutes late", sender=HELPER)
    assert emails_to(EMAIL)[-1] == "relay_to_requester"
    assert sms_to(REQUESTER) == []  # not even written: they are emailed instead


def test_a_requester_who_ticked_the_box_is_texted(group):
    need = make_need(phone=REQUESTER, email=EMAIL, sms_consent=True, now=T0)
    claim_need(helper(), need.ref, now=T0)
    assert [m.template for m in texts_that_would_go(REQUESTER)] == ["requester_claimed"]
    assert emails_to(EMAIL) == []


def test_texting_us_is_consent_to_replies_even_after_a_form_said_no(group, client):
    make_need(phone=REQUESTER, sms_consent=False, now=T0)
    assert may_text(db.session.execute(db.select(Person).where(Person.phone == REQUESTER)).scalar_one()) is False
    text_in(client, "STATUS", sender=REQUESTER)
    person = db.session.execute(db.select(Person).where(Person.phone == REQUESTER)).scalar_one()
    assert person.sms_consent is True
    assert [m.template for m in texts_that_would_go(REQUESTER)] == ["status"]


def test_a_neighbour_who_first_texts_us_gets_replies_and_later_notices(group, client):
    text_in(client, "need groceries E8 3RH today", sender=REQUESTER)
    need = db.session.execute(db.select(Need)).scalar_one()
    claim_need(helper(), need.ref, now=T0)
    assert [m.template for m in texts_that_would_go(REQUESTER)] == ["need_received", "requester_claimed"]


def test_volunteers_who_signed_up_with_a_phone_are_still_texted(group):
    need = make_need(phone=REQUESTER, now=T0)
    claim_need(helper(), need.ref, now=T0)
    release_claim(helper(), need.ref, "Sorry", now=T0 + timedelta(minutes=1))
    assert helper().sms_consent is False and may_text(helper())
    from mutualaid.coordination import actions as coordination

    coordinator = db.session.execute(db.select(Person).where(Person.role == "coordinator")).scalar_one()
    coordination.assign_need(coordinator, need.ref, helper().id, now=T0 + timedelta(minutes=2))
    assert [m.template for m in texts_that_would_go(HELPER)] == ["assigned_to_you"]


def test_the_offer_form_records_the_choice_too(group):
    offer = make_offer(phone="+447911123457", sms_consent=False)
    assert offer.person.sms_consent is False
    offer = make_offer(phone="+447911123458", sms_consent=True)
    assert offer.person.sms_consent is True


def test_coordinators_see_that_a_requester_cannot_be_texted(group, client, auth):
    need = make_need(phone=REQUESTER, sms_consent=False, now=T0)
    emailable = make_need(phone="+447911123457", email=EMAIL, sms_consent=False, now=T0)
    texted = make_need(phone="+447911123458", sms_consent=True, now=T0)
    auth.login("coord@example.org")
    page = client.get(f"/coordinator/needs/{need.ref}").get_data(as_text=True)
    assert "Does not want texts" in page and "please call" in page
    assert "We email instead" in client.get(f"/coordinator/needs/{emailable.ref}").get_data(as_text=True)
    assert "Does not want texts" not in client.get(f"/coordinator/needs/{texted.ref}").get_data(as_text=True)


def test_the_texts_page_says_why_a_text_was_not_sent(group, client, auth):
    need = make_need(phone=REQUESTER, sms_consent=False, now=T0)
    claim_need(helper(), need.ref, now=T0)
    auth.login("coord@example.org")
    page = client.get("/coordinator/messages").get_data(as_text=True)
    assert "Not sent: they do not want texts" in page


def test_the_web_form_without_the_tick_records_no_consent(group, client):
    response = post_form(client, "/need", {"category": "groceries", "details": "Bread please", "urgency": "soon",
                                           "where": "E8 3RH", "name": "Edna", "phone": "07911 123456"})
    assert response.status_code in (200, 302, 303)
    person = db.session.execute(db.select(Person).where(Person.phone == REQUESTER)).scalar_one()
    assert person.sms_consent is False and may_text(person) is False


def email_bodies(address: str) -> dict[str, str]:
    """The body of the last email of each template queued to an address."""
    return {template: body for template, body in db.session.execute(db.select(Message.template, Message.body).where(
        Message.channel == "email", Message.to_address == address).order_by(Message.id)).all()}


@pytest.mark.parametrize("language, reach_us", [("en", "Text us at"), ("es", "Escríbenos por SMS al")])
def test_chase_emails_never_ask_for_a_reply_an_email_cannot_give(group, language, reach_us):
    """A text says "reply 1" or "reply CANCEL"; an email says how to reach the group instead."""
    need = make_need(phone=REQUESTER, email=EMAIL, sms_consent=False, now=T0)
    need.requester.language = language
    db.session.commit()
    for hours in (0, 1, 4, 24, 12 * 24, 15 * 24):  # every step of the chase, then closed
        chase.chase_open_needs(T0 + timedelta(hours=hours))
    bodies = email_bodies(EMAIL)
    assert {"still_looking", "closing_soon", "need_expired"} <= set(bodies)
    for template in ("still_looking", "closing_soon", "need_expired"):
        body = bodies[template]
        assert need.ref in body and reach_us in body, template
        assert "CANCEL" not in body and "Reply" not in body and "Responde" not in body, template
        assert group.name in body, template


@pytest.mark.parametrize("language, reach_us", [("en", "Text us at"), ("es", "Escríbenos por SMS al")])
def test_the_email_saying_a_volunteer_marked_it_done_says_how_to_tell_us_it_is_not(group, language, reach_us):
    need = make_need(phone=REQUESTER, email=EMAIL, sms_consent=False, now=T0)
    need.requester.language = language
    db.session.commit()
    claim_need(helper(), need.ref, now=T0)
    complete_claim(helper(), need.ref, "brought the shopping", now=T0 + timedelta(hours=2))
    body = email_bodies(EMAIL)["requester_fulfilled"]
    assert need.ref in body and reach_us in body and display_phone(GROUP_NUMBER) in body
    assert "reply" not in body.lower() and "responde" not in body.lower()


def test_an_email_names_the_groups_number_in_the_national_form(group):
    need = make_need(phone=REQUESTER, email=EMAIL, sms_consent=False, now=T0)
    for hours in (0, 1, 4, 24):
        chase.chase_open_needs(T0 + timedelta(hours=hours))
    body = email_bodies(EMAIL)["still_looking"]
    assert display_phone(GROUP_NUMBER) in body and need.ref in body


def test_a_volunteer_who_chose_email_is_reminded_where_to_mark_it_done(group):
    volunteer = make_volunteer(group, email="mail@example.org", phone=None)
    volunteer.volunteer.channel = "email"
    db.session.commit()
    need = make_need(phone=REQUESTER, now=T0)
    claim_need(volunteer, need.ref, now=T0)
    for days in (1, 2, 3, 4, 5, 6):
        chase.remind_claims(T0 + timedelta(days=days))
    body = email_bodies("mail@example.org")["claim_reminder"]
    assert need.ref in body and "https://aid.example.org/volunteer/claims" in body and "Reply" not in body
