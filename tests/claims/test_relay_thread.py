"""The relay never loses a message: every text and page message between a requester and their volunteer
is kept on the need's thread, passed on when the other side can be reached, and shown only to the
claimer (their own claim's messages) and the group's coordinators."""
from datetime import datetime, timedelta, timezone

import pytest

from mutualaid.claims import relay
from mutualaid.claims.actions import claim_need, relay_from_web, release_claim
from mutualaid.core.errors import Forbidden, ServiceError
from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Message, NeedMessage, VolunteerProfile
from mutualaid.needs import lifecycle
from tests.builders import make_coordinator, make_group, make_need, make_volunteer, post_form
from tests.sms_helpers import BASE_URL, GROUP_NUMBER, sms_config, text_in

REQUESTER_PHONE = "+447911123456"
REQUESTER_NATIONAL = "07911 123456"
REQUESTER_NAME = "Edna Canary"
WORDS = "Door code is 4411, ring twice"


@pytest.fixture
def config_overrides():
    """Console SMS, texts handled inline, a public address for links."""
    return sms_config()


@pytest.fixture
def group(app):
    """The Hackney group with its number."""
    return make_group(phone_number=GROUP_NUMBER)


@pytest.fixture
def web_volunteer(group):
    """An approved volunteer with an email and no phone: they only use the web."""
    return make_volunteer(group, email="web@example.org", name="Wendy Web", phone=None)


@pytest.fixture
def need(group):
    """An open need from a neighbour who texts."""
    return make_need(name=REQUESTER_NAME, phone=REQUESTER_PHONE, where="14 Mare Street, E8 3RH")


def outbound():
    """Every outbound message (texts and emails), oldest first."""
    return Message.query.filter_by(direction="out").order_by(Message.id).all()


def thread_rows(need):
    """The need's stored messages, oldest first."""
    return NeedMessage.query.filter_by(need_id=need.id).order_by(NeedMessage.id).all()


# --- a neighbour's reply reaches a volunteer without a phone -------------------------------------

def test_a_reply_to_a_volunteer_without_a_phone_is_kept_on_the_need(client, web_volunteer, need):
    claim, _ = claim_need(web_volunteer, need.ref)
    text_in(client, WORDS, sender=REQUESTER_PHONE)
    [row] = thread_rows(need)
    assert (row.author_role, row.body, row.via, row.claim_id) == ("requester", WORDS, "sms", claim.id)
    inbound = Message.query.filter_by(direction="in").one()
    assert inbound.need_id == need.id


def test_a_reply_to_a_volunteer_without_a_phone_is_emailed_to_them(client, web_volunteer, need):
    claim_need(web_volunteer, need.ref)
    text_in(client, WORDS, sender=REQUESTER_PHONE)
    [email] = [m for m in outbound() if m.template == "relay_to_volunteer"]
    assert (email.channel, email.to_address, email.need_id) == ("email", "web@example.org", need.id)
    subject, _, body = email.body.partition("\n")
    assert need.ref in subject and WORDS in body
    assert f"{BASE_URL}/volunteer/needs/{need.ref}" in body
    assert thread_rows(need)[0].passed_on == "email"


def test_the_email_holds_neither_the_requesters_phone_nor_name(client, web_volunteer, need):
    claim_need(web_volunteer, need.ref)
    text_in(client, WORDS, sender=REQUESTER_PHONE)
    [email] = [m for m in outbound() if m.template == "relay_to_volunteer"]
    for secret in (REQUESTER_PHONE, REQUESTER_NATIONAL, "7911123456", "Edna", "Canary", "Mare Street"):
        assert secret not in email.body


def test_a_volunteer_who_chose_email_gets_replies_by_email_even_with_a_phone(client, group, need):
    volunteer = make_volunteer(group, phone="+447911123450")
    volunteer.volunteer.channel = "email"
    db.session.commit()
    claim_need(volunteer, need.ref)
    text_in(client, WORDS, sender=REQUESTER_PHONE)
    [relayed] = [m for m in outbound() if m.template == "relay_to_volunteer"]
    assert (relayed.channel, relayed.to_address) == ("email", volunteer.email)


def test_a_reply_to_a_volunteer_with_a_phone_is_texted_and_kept_too(client, group, need):
    volunteer = make_volunteer(group, phone="+447911123450")
    claim_need(volunteer, need.ref)
    text_in(client, WORDS, sender=REQUESTER_PHONE)
    [relayed] = [m for m in outbound() if m.template == "relay_to_volunteer"]
    assert (relayed.channel, relayed.to_number) == ("sms", "+447911123450")
    [row] = thread_rows(need)
    assert (row.body, row.passed_on) == (WORDS, "sms")


def test_a_volunteers_text_is_kept_on_the_thread_as_theirs(client, group, need):
    volunteer = make_volunteer(group, phone="+447911123450")
    claim_need(volunteer, need.ref)
    text_in(client, "On my way", sender="+447911123450")
    [row] = thread_rows(need)
    assert (row.author_role, row.author_id, row.body, row.passed_on) == ("volunteer", volunteer.id, "On my way",
                                                                          "sms")


def test_relaying_is_audited_with_ids_and_channels_only(client, web_volunteer, need):
    claim_need(web_volunteer, need.ref)
    text_in(client, WORDS, sender=REQUESTER_PHONE)
    event = AuditEvent.query.filter_by(action="need.relayed").one()
    assert event.details == {"direction": "to_volunteer", "via": "sms", "passed_on": "email"}


# --- a reply after the claim ended is still kept -------------------------------------------------

@pytest.mark.parametrize("ending", ["released", "fulfilled"])
def test_a_reply_after_the_claim_ended_is_kept_for_coordinators_and_reaches_nobody(client, group, need, ending):
    volunteer = make_volunteer(group, phone="+447911123450")
    claim_need(volunteer, need.ref)
    if ending == "released":
        release_claim(volunteer, need.ref, "Away this week")
    else:
        lifecycle.fulfil(need, actor=volunteer, now=datetime.now(timezone.utc), outcome="done")
        db.session.commit()
    text_in(client, WORDS, sender=REQUESTER_PHONE)
    [row] = thread_rows(need)
    assert (row.author_role, row.body, row.claim_id, row.passed_on) == ("requester", WORDS, None, "none")
    assert not [m for m in outbound() if m.template.startswith("relay_")]


def test_a_text_long_after_the_claim_ended_is_not_taken_as_a_reply(client, group, need):
    volunteer = make_volunteer(group, phone="+447911123450")
    claim_need(volunteer, need.ref)
    release_claim(volunteer, need.ref, "Away", now=datetime.now(timezone.utc) - timedelta(days=20))
    text_in(client, WORDS, sender=REQUESTER_PHONE)
    assert thread_rows(need) == []


def test_a_keyword_after_the_claim_ended_is_not_kept_as_a_message(client, group, need):
    volunteer = make_volunteer(group, phone="+447911123450")
    claim_need(volunteer, need.ref)
    release_claim(volunteer, need.ref, "Away")
    text_in(client, "STATUS", sender=REQUESTER_PHONE)
    assert thread_rows(need) == []


def test_a_strangers_text_is_kept_on_no_need(client, web_volunteer, need):
    claim_need(web_volunteer, need.ref)
    text_in(client, WORDS, sender="+447911123400")
    assert NeedMessage.query.count() == 0


# --- writing from the need's page ----------------------------------------------------------------

def test_a_web_message_is_kept_and_texted_to_the_requester(web_volunteer, need):
    claim_need(web_volunteer, need.ref)
    assert relay_from_web(web_volunteer, need.ref, "On my way") == ("sms", "email")
    [row] = thread_rows(need)
    assert (row.author_role, row.via, row.body, row.passed_on) == ("volunteer", "web", "On my way", "sms")
    [text] = [m for m in outbound() if m.template == "relay_to_requester"]
    assert text.to_number == REQUESTER_PHONE and "On my way" in text.body


def test_a_web_message_to_a_requester_without_a_phone_is_emailed_to_them(group, web_volunteer):
    need = make_need(phone="", email="asker@example.org")
    claim_need(web_volunteer, need.ref)
    assert relay_from_web(web_volunteer, need.ref, "What is your flat number?")[0] == "email"
    [row] = thread_rows(need)
    assert (row.body, row.passed_on) == ("What is your flat number?", "email")
    [email] = [m for m in outbound() if m.template == "relay_to_requester"]
    assert (email.channel, email.to_address) == ("email", "asker@example.org")
    assert "What is your flat number?" in email.body


def test_a_web_message_to_a_requester_with_no_phone_nor_email_is_kept_for_coordinators(group, web_volunteer):
    need = make_need(phone="", email="asker@example.org")
    need.requester.email = None
    db.session.commit()
    claim_need(web_volunteer, need.ref)
    assert relay_from_web(web_volunteer, need.ref, "What is your flat number?")[0] == "none"
    [row] = thread_rows(need)
    assert (row.body, row.passed_on) == ("What is your flat number?", "none")
    assert not [m for m in outbound() if m.template == "relay_to_requester"]


@pytest.mark.parametrize("why", ["opted out", "invalid number"])
def test_a_web_message_to_a_requester_texts_cannot_reach_is_kept_for_coordinators(web_volunteer, need, why):
    if why == "opted out":
        need.requester.opted_out = True
    else:
        need.requester.phone_status = "invalid"
    db.session.commit()
    claim_need(web_volunteer, need.ref)
    assert relay_from_web(web_volunteer, need.ref, "Hello")[0] == "none"
    assert thread_rows(need)[0].passed_on == "none"
    assert not [m for m in outbound() if m.template == "relay_to_requester"]


@pytest.mark.parametrize("why", ["opted out", "invalid number"])
def test_replies_go_by_email_to_a_volunteer_texts_cannot_reach(client, group, need, why):
    volunteer = make_volunteer(group, phone="+447911123450")
    if why == "opted out":
        volunteer.opted_out = True
    else:
        volunteer.phone_status = "invalid"
    db.session.commit()
    claim_need(volunteer, need.ref)
    text_in(client, WORDS, sender=REQUESTER_PHONE)
    [relayed] = [m for m in outbound() if m.template == "relay_to_volunteer"]
    assert (relayed.channel, relayed.to_address, relayed.status) == ("email", volunteer.email, "queued")


def test_a_simulated_reply_is_emailed_as_simulated_so_it_is_never_sent(web_volunteer, need):
    claim, _ = claim_need(web_volunteer, need.ref)
    now = datetime.now(timezone.utc)
    relay.pass_on(relay.keep(need, claim, need.requester, "requester", WORDS, via="sms", now=now), claim,
                  simulated=True, now=now)
    db.session.commit()
    [email] = [m for m in outbound() if m.template == "relay_to_volunteer"]
    assert email.simulated


@pytest.mark.parametrize("text", ["", "   ", "x" * 1001])
def test_an_empty_or_overlong_web_message_is_refused_and_nothing_kept(web_volunteer, need, text):
    claim_need(web_volunteer, need.ref)
    with pytest.raises(ServiceError) as refused:
        relay_from_web(web_volunteer, need.ref, text)
    assert refused.value.field == "text"
    assert NeedMessage.query.count() == 0


def test_only_the_claimer_can_write_through_the_relay(group, web_volunteer, need):
    other = make_volunteer(group, email="other@example.org")
    claim_need(web_volunteer, need.ref)
    with pytest.raises(Forbidden):
        relay_from_web(other, need.ref, "Hello")
    assert NeedMessage.query.count() == 0


# --- who sees the thread --------------------------------------------------------------------------

def claimed_with_a_conversation(client, auth, volunteer, need):
    """The volunteer takes the need on the web, writes, and the neighbour texts back."""
    auth.login(volunteer.email)
    post_form(client, f"/volunteer/needs/{need.ref}/claim", {}, page_url=f"/volunteer/needs/{need.ref}")
    post_form(client, f"/volunteer/needs/{need.ref}/message", {"text": "Hello, I can come at 3"},
              page_url=f"/volunteer/needs/{need.ref}")
    text_in(client, WORDS, sender=REQUESTER_PHONE)


def test_the_claimer_sees_the_thread_oldest_first_in_plain_words(client, auth, web_volunteer, need):
    claimed_with_a_conversation(client, auth, web_volunteer, need)
    page = client.get(f"/volunteer/needs/{need.ref}").get_data(as_text=True)
    assert page.index("Hello, I can come at 3") < page.index(WORDS)
    assert "You wrote" in page and "The neighbour wrote" in page
    assert page.count("<time datetime=") == 2
    assert REQUESTER_PHONE not in page


def test_the_claimer_with_a_phone_sees_the_thread_too(client, auth, group, need):
    volunteer = make_volunteer(group, phone="+447911123450")
    claimed_with_a_conversation(client, auth, volunteer, need)
    page = client.get(f"/volunteer/needs/{need.ref}").get_data(as_text=True)
    assert WORDS in page and "Hello, I can come at 3" in page


def test_after_writing_a_web_only_volunteer_is_told_replies_come_by_email(client, auth, web_volunteer, need):
    auth.login(web_volunteer.email)
    post_form(client, f"/volunteer/needs/{need.ref}/claim", {}, page_url=f"/volunteer/needs/{need.ref}")
    page = post_form(client, f"/volunteer/needs/{need.ref}/message", {"text": "Hello"},
                     page_url=f"/volunteer/needs/{need.ref}", follow_redirects=True).get_data(as_text=True)
    assert "we email them to you" in page and "come to your phone" not in page


def test_the_coordinator_sees_the_same_thread_and_the_look_is_audited(client, auth, group, web_volunteer, need):
    claimed_with_a_conversation(client, auth, web_volunteer, need)
    coordinator = make_coordinator(group)
    auth.logout()
    auth.login(coordinator.email)
    page = client.get(f"/coordinator/needs/{need.ref}").get_data(as_text=True)
    assert page.index("Hello, I can come at 3") < page.index(WORDS)
    assert "Wendy Web (volunteer) wrote" in page and "The neighbour wrote" in page
    assert "Passed on by email" in page and "Passed on by text" in page
    event = AuditEvent.query.filter_by(action="need.private_viewed", actor_id=coordinator.id).one()
    assert event.details == {"messages": 2}


def test_another_volunteer_never_sees_the_thread(client, auth, group, web_volunteer, need):
    claimed_with_a_conversation(client, auth, web_volunteer, need)
    other = make_volunteer(group, email="other@example.org")
    auth.logout()
    auth.login(other.email)
    page = client.get(f"/volunteer/needs/{need.ref}")
    assert page.status_code == 200 and WORDS not in page.get_data(as_text=True)
    assert "Hello, I can come at 3" not in page.get_data(as_text=True)
    posted = post_form(client, f"/volunteer/needs/{need.ref}/message", {"text": "Hi from me"},
                       page_url="/volunteer/")
    assert posted.status_code == 403
    assert NeedMessage.query.filter_by(body="Hi from me").count() == 0


def test_a_former_claimer_no_longer_sees_the_thread(client, auth, web_volunteer, need):
    claimed_with_a_conversation(client, auth, web_volunteer, need)
    post_form(client, f"/volunteer/needs/{need.ref}/release", {"reason": "Away"},
              page_url=f"/volunteer/needs/{need.ref}")
    page = client.get(f"/volunteer/needs/{need.ref}").get_data(as_text=True)
    assert WORDS not in page and "Hello, I can come at 3" not in page
    posted = post_form(client, f"/volunteer/needs/{need.ref}/message", {"text": "Still there?"},
                       page_url="/volunteer/")
    assert posted.status_code == 403


def test_the_next_claimer_sees_only_their_own_claims_messages(client, auth, group, web_volunteer, need):
    claimed_with_a_conversation(client, auth, web_volunteer, need)
    release_claim(web_volunteer, need.ref, "Away")
    auth.logout()
    second = make_volunteer(group, email="second@example.org")
    auth.login(second.email)
    post_form(client, f"/volunteer/needs/{need.ref}/claim", {}, page_url=f"/volunteer/needs/{need.ref}")
    page = client.get(f"/volunteer/needs/{need.ref}").get_data(as_text=True)
    assert WORDS not in page and "Hello, I can come at 3" not in page and "No messages yet" in page


def test_an_anonymous_visitor_never_sees_the_thread(client, auth, web_volunteer, need):
    claimed_with_a_conversation(client, auth, web_volunteer, need)
    auth.logout()
    for url in (f"/volunteer/needs/{need.ref}", f"/coordinator/needs/{need.ref}"):
        response = client.get(url, follow_redirects=True)
        assert WORDS not in response.get_data(as_text=True)
        assert "/auth/login" in response.request.path
    assert client.post(f"/volunteer/needs/{need.ref}/message", data={"text": "x"}).status_code in (302, 400, 403)
    assert NeedMessage.query.filter_by(body="x").count() == 0


def test_a_coordinator_of_another_group_never_sees_the_thread(client, auth, web_volunteer, need):
    claimed_with_a_conversation(client, auth, web_volunteer, need)
    elsewhere = make_group(slug="elsewhere", name="Elsewhere")
    stranger = make_coordinator(elsewhere, email="elsewhere@example.org")
    auth.logout()
    auth.login(stranger.email)
    response = client.get(f"/coordinator/needs/{need.ref}")
    assert response.status_code in (403, 404) and WORDS not in response.get_data(as_text=True)
    assert not AuditEvent.query.filter_by(action="need.private_viewed", actor_id=stranger.id).count()



def test_a_coordinator_who_volunteers_sees_no_thread_on_a_request_someone_else_holds(client, auth, group,
                                                                                      web_volunteer, need):
    claimed_with_a_conversation(client, auth, web_volunteer, need)
    coordinator = make_coordinator(group)
    coordinator.volunteer = VolunteerProfile(home_label="E8 3", home_lat=51.5431, home_lon=-0.06, radius_km=5.0,
                                             categories=["groceries"], languages=["en"], capacity=2,
                                             vetting_status="approved")
    db.session.commit()
    auth.logout()
    auth.login(coordinator.email)
    response = client.get(f"/volunteer/needs/{need.ref}")
    assert response.status_code == 200 and WORDS not in response.get_data(as_text=True)
    assert "Someone is already helping" in response.get_data(as_text=True)


def test_times_in_the_thread_are_in_the_groups_time_zone_in_words(client, auth, web_volunteer, need):
    need.group.timezone = "America/New_York"
    db.session.commit()
    claim, _ = claim_need(web_volunteer, need.ref)
    relay.keep(need, claim, need.requester, "requester", WORDS, via="sms",
               now=datetime(2026, 12, 4, 17, 5, tzinfo=timezone.utc))
    db.session.commit()
    auth.login(web_volunteer.email)
    page = client.get(f"/volunteer/needs/{need.ref}").get_data(as_text=True)
    assert "Fri 4 Dec, 12:05" in page and 'datetime="2026-12-04T17:05:00+00:00"' in page
