"""No SMS pumping: texts go only to the countries a group allows, never to premium-rate numbers, and the
request behind a text that was not sent is kept and shown to coordinators."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mutualaid.coordination.actions import set_texting_limits
from mutualaid.core.errors import ServiceError
from mutualaid.extensions import db
from mutualaid.messaging.destinations import COSTLY_TYPE
from mutualaid.messaging.notifications import tell_requester
from mutualaid.messaging.outbox import deliver_outbox, queue_sms
from mutualaid.models import AuditEvent, Group, Message, Need, Person
from tests.builders import make_coordinator, make_group, make_need, post_form
from tests.sms_helpers import GROUP_NUMBER, FakeTwilio, sms_config, text_in

UTC = timezone.utc
NOON = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
PREMIUM = "+449012345678"
SPANISH = "+34612345678"
UK = "+447911123456"
ASK = {"category": "groceries", "details": "Bread and milk please", "urgency": "soon", "where": "E8 3RH",
       "sms_consent": "y"}


@pytest.fixture
def fake():
    """Twilio's HTTP transport for this test."""
    return FakeTwilio()


@pytest.fixture
def config_overrides(fake):
    """The real Twilio backend over the fake transport; texts answered at once."""
    return sms_config(SMS_BACKEND="twilio", TWILIO_FROM_NUMBER=GROUP_NUMBER, TWILIO_HTTP_CLIENT=fake,
                      SMS_INBOUND_INLINE=True)


@pytest.fixture
def group(app):
    """Hackney, in Great Britain, with its texting number."""
    return make_group(phone_number=GROUP_NUMBER, country="GB")


@pytest.fixture
def coordinator(group, auth):
    """A coordinator of Hackney, logged in."""
    person = make_coordinator(group)
    auth.login(person.email)
    return person


def sent_to(fake, number: str) -> list[dict]:
    """What Twilio was asked to send to `number`."""
    return [r["data"] for r in fake.accepted if r["data"].get("To") == number]


def texts_to(number: str) -> list[Message]:
    """Outbound texts to `number`, fresh from the database."""
    db.session.expire_all()
    return list(db.session.execute(db.select(Message).where(
        Message.direction == "out", Message.channel == "sms", Message.to_number == number)).scalars())


def tell_the_requester(need: Need) -> Message:
    """Queue a notice to the person who asked, and commit it."""
    message = tell_requester(db.session.get(Need, need.id), "requester_claimed", now=NOON)
    db.session.commit()
    return message


def test_a_text_to_a_premium_rate_number_is_kept_suppressed_with_the_reason_and_never_sent(group, fake):
    need = make_need(phone=PREMIUM, now=NOON)
    tell_the_requester(need)
    deliver_outbox(now=NOON)
    [text] = texts_to(PREMIUM)
    assert (text.status, text.last_error, text.next_attempt_at) == ("suppressed", COSTLY_TYPE, None)
    assert sent_to(fake, PREMIUM) == []
    assert db.session.get(Need, need.id).status == "open"


def test_a_text_to_a_country_the_group_does_not_allow_is_suppressed_and_the_need_kept(group, fake):
    need = make_need(phone=SPANISH, now=NOON)
    tell_the_requester(need)
    deliver_outbox(now=NOON)
    [text] = texts_to(SPANISH)
    assert (text.status, text.last_error) == ("suppressed", "country not allowed (ES)")
    assert sent_to(fake, SPANISH) == []
    assert db.session.get(Need, need.id).status == "open"


def test_a_country_added_in_the_settings_is_texted(group, fake):
    set_texting_limits(make_coordinator(group), countries="gb es", daily_cap=1000, now=NOON)
    need = make_need(phone=SPANISH, now=NOON)
    tell_the_requester(need)
    deliver_outbox(now=NOON)
    assert [t.status for t in texts_to(SPANISH)] == ["sent"]
    assert len(sent_to(fake, SPANISH)) == 1


def test_setting_countries_leaves_the_group_s_own_country_out_unless_listed(group, fake):
    set_texting_limits(make_coordinator(group), countries="ES", daily_cap=1000, now=NOON)
    need = make_need(phone=UK, now=NOON)
    tell_the_requester(need)
    assert [t.last_error for t in texts_to(UK)] == ["country not allowed (GG)"]


def test_a_text_from_a_premium_rate_number_is_kept_and_not_answered(group, client, fake):
    text_in(client, "I need bread and milk at E8 3RH", sender=PREMIUM)
    deliver_outbox(now=datetime.now(UTC))
    assert sent_to(fake, PREMIUM) == []
    assert {t.status for t in texts_to(PREMIUM)} == {"suppressed"}
    requester = db.session.execute(db.select(Person).where(Person.phone == PREMIUM)).scalar_one()
    assert db.session.execute(db.select(Need).where(Need.requester_id == requester.id)).scalars().all()


def test_the_coordinators_see_why_the_neighbour_was_not_texted(group, coordinator, client):
    need = make_need(phone=SPANISH, now=NOON)
    tell_the_requester(need)
    home = client.get("/coordinator/").get_data(as_text=True)
    assert need.ref in home
    assert "Not texted: this group does not text numbers in Spain." in home
    page = client.get(f"/coordinator/needs/{need.ref}").get_data(as_text=True)
    assert 'data-testid="texting-refusal">Not texted: this group does not text numbers in Spain.' in page
    messages = client.get("/coordinator/messages").get_data(as_text=True)
    assert "Not texted: this group does not text numbers in Spain." in messages


def test_the_coordinators_see_a_premium_rate_number_named_as_such(group, coordinator, client):
    need = make_need(phone=PREMIUM, now=NOON)
    tell_the_requester(need)
    page = client.get(f"/coordinator/needs/{need.ref}").get_data(as_text=True)
    assert "Not texted: a premium-rate, shared-cost or unknown kind of number." in page


def test_the_web_form_says_plainly_when_the_number_cannot_be_texted_and_keeps_the_request(group, client):
    page = post_form(client, "/need", {**ASK, "phone": SPANISH}, follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="cannot-text"' in page and "We cannot send texts to the number you gave" in page
    assert db.session.execute(db.select(Need)).scalar_one().status == "open"


def test_the_web_form_says_nothing_of_the_kind_for_a_number_it_can_text(group, client):
    page = post_form(client, "/need", {**ASK, "phone": "07911 123456"}, follow_redirects=True).get_data(as_text=True)
    assert "We have your request" in page and 'data-testid="cannot-text"' not in page


def test_the_api_says_when_the_number_cannot_be_texted_and_keeps_the_request(group, client):
    body = {"category": "groceries", "details": "Bread", "where": "E8 3RH",
            "contact": {"phone": PREMIUM, "sms_consent": True}}
    response = client.post("/api/v1/needs", json=body)
    assert response.status_code == 201
    assert "We cannot send texts to the number you gave" in response.get_json()["contact_notice"]
    assert db.session.execute(db.select(Need)).scalar_one().ref == response.get_json()["ref"]
    allowed = client.post("/api/v1/needs", json={**body, "contact": {"phone": UK}})
    assert allowed.status_code == 201 and "contact_notice" not in allowed.get_json()


def test_the_settings_page_shows_and_changes_the_countries(group, coordinator, client):
    page = client.get("/coordinator/settings").get_data(as_text=True)
    assert 'value="GB GG IM JE"' in page
    post_form(client, "/coordinator/settings", {"texting-countries": "gb, es", "texting-daily_cap": "300",
                                                "texting-submit": "1"})
    db.session.expire_all()
    settings = db.session.get(Group, group.id).settings
    assert (settings["sms_countries"], settings["sms_daily_cap"]) == (["GB", "ES"], 300)
    page = client.get("/coordinator/settings").get_data(as_text=True)
    assert "Countries we text now: Spain, United Kingdom." in page and "of 300 text segments" in page
    assert db.session.execute(db.select(AuditEvent.action).where(
        AuditEvent.action == "group.texting_limits_set")).scalar_one()


def test_an_unknown_country_code_is_refused_and_nothing_is_saved(group, coordinator, client):
    response = post_form(client, "/coordinator/settings", {"texting-countries": "GB XX", "texting-daily_cap": "300",
                                                           "texting-submit": "1"})
    assert "These are not country codes we know: XX." in response.get_data(as_text=True)
    db.session.expire_all()
    assert "sms_countries" not in (db.session.get(Group, group.id).settings or {})


def test_a_negative_cap_is_refused(group):
    with pytest.raises(ServiceError):
        set_texting_limits(make_coordinator(group), countries="GB", daily_cap=-1, now=NOON)


def test_the_settings_are_in_spanish(group, auth, client):
    auth.login(make_coordinator(group, language="es").email)
    page = client.get("/coordinator/settings").get_data(as_text=True)
    assert "Reino Unido" in page
    assert "Textos: adónde van y cuántos al día" in page


def test_a_queued_text_with_no_group_follows_the_instance_s_default_country(app, fake):
    message = queue_sms(to_number=SPANISH, template="help", group=None, purpose="reply",
                        params={"group": "Hackney Mutual Aid", "contact": ""}, now=NOON)
    assert (message.status, message.last_error) == ("suppressed", "country not allowed (ES)")
