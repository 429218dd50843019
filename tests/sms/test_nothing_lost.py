"""Through the real webhook: keywords answered exactly once, texts after STOP kept, first texts answered in
their own language, information given out of order kept, and places outside the area answered honestly."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from mutualaid.extensions import db
from mutualaid.messaging.outbox import deliver_outbox
from mutualaid.models import Message, Need, Person
from tests.builders import make_coordinator, make_group
from tests.sms_helpers import GROUP_NUMBER, sms_config, text_in

SENDER = "+447911123456"
MANCHESTER = (53.4808, -2.2426)


@pytest.fixture
def config_overrides():
    """Console SMS, with a known webhook token and public URL (Twilio answers STOP/START/HELP by default)."""
    return sms_config()


@pytest.fixture(autouse=True)
def group(app):
    """The Hackney group, owning the number neighbours text, and its coordinator."""
    group = make_group(phone_number=GROUP_NUMBER)
    make_coordinator(group)
    return group


def ours(to: str = SENDER) -> list[Message]:
    """Our replies to a number (not Twilio's own answers), oldest first."""
    return list(db.session.execute(db.select(Message).where(
        Message.direction == "out", Message.to_number == to, Message.purpose != "carrier")
        .order_by(Message.id)).scalars())


def twilios(to: str = SENDER) -> list[Message]:
    """What Twilio itself would answer a number, as recorded without a real Twilio number."""
    return list(db.session.execute(db.select(Message).where(
        Message.direction == "out", Message.to_number == to, Message.purpose == "carrier")
        .order_by(Message.id)).scalars())


def person(phone: str = SENDER) -> Person:
    """The person behind a number."""
    return db.session.execute(db.select(Person).where(Person.phone == phone)).scalar_one()


def inbound() -> list[Message]:
    """Stored inbound texts, oldest first."""
    return list(db.session.execute(db.select(Message).where(Message.direction == "in").order_by(Message.id))
                .scalars())


def needs() -> list[Need]:
    """Every need, oldest first."""
    return list(db.session.execute(db.select(Need).order_by(Need.id)).scalars())


# --- STOP and START, confirmed exactly once -------------------------------------------------------

@pytest.mark.parametrize("word", ["STOP", "stop", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"])
def test_standard_opt_out_words_are_left_to_twilio_to_confirm(client, word):
    text_in(client, word)
    assert person().opted_out is True
    assert ours() == []
    [answer] = twilios()
    assert answer.status == "by_twilio" and "unsubscribed" in answer.body


def test_a_second_stop_gets_no_second_answer(client):
    text_in(client, "STOP")
    text_in(client, "STOP")
    assert person().opted_out is True and ours() == [] and len(twilios()) == 1


def test_twilios_answer_is_shown_not_sent(client):
    text_in(client, "STOP")
    report = deliver_outbox()
    assert report.sent == 0 and twilios()[0].status == "by_twilio" and twilios()[0].provider_sid is None


@pytest.mark.parametrize("word", ["START", "UNSTOP", "YES"])
def test_standard_opt_in_words_opt_back_in_and_are_left_to_twilio(client, word):
    text_in(client, "STOP")
    text_in(client, word)
    assert person().opted_out is False
    assert ours() == []
    assert [m.template for m in twilios()] == ["twilio_opt_out", "twilio_opt_in"]


@pytest.mark.parametrize("word", ["PARAR", "baja", "Baja."])
def test_our_own_opt_out_words_get_exactly_one_confirmation_from_us(client, word):
    text_in(client, word)
    assert person().opted_out is True
    assert [m.template for m in ours()] == ["opted_out"] and twilios() == []


def test_our_own_opt_in_words_get_our_welcome_back(client):
    text_in(client, "PARAR")
    text_in(client, "ALTA")
    assert person().opted_out is False
    assert [m.template for m in ours()] == ["opted_out", "opted_in"] and twilios() == []


def test_help_is_left_to_twilio_and_ayuda_is_ours(client):
    text_in(client, "HELP")
    text_in(client, "INFO")
    assert ours() == [] and [m.template for m in twilios()] == ["twilio_help", "twilio_help"]
    text_in(client, "AYUDA", sender="+447911123457")
    assert [m.template for m in ours("+447911123457")] == ["help"]


def test_a_bare_yes_from_someone_not_opted_out_is_an_answer_not_an_opt_in(client):
    text_in(client, "need groceries E8 3RH today")
    text_in(client, "YES")
    assert person().opted_out is False
    assert twilios() == []  # our dialogue went on as for any text


class TestWhenTwilioDoesNotAnswerKeywords:
    """A number whose Opt-Out handling is off: we confirm every keyword ourselves, once."""

    @pytest.fixture
    def config_overrides(self):
        """Twilio's keyword handling turned off."""
        return sms_config(SMS_TWILIO_ANSWERS_KEYWORDS=False)

    def test_stop_start_and_help_are_confirmed_by_us(self, client):
        text_in(client, "STOP")
        text_in(client, "START")
        text_in(client, "HELP")
        assert [m.template for m in ours()] == ["opted_out", "opted_in", "help"]
        assert twilios() == []


class TestWithARealTwilioNumber:
    """With the Twilio backend Twilio really answers, so nothing is written for it."""

    @pytest.fixture
    def config_overrides(self):
        """The Twilio backend (nothing is sent in these tests)."""
        return sms_config(SMS_BACKEND="twilio", TWILIO_FROM_NUMBER=GROUP_NUMBER)

    def test_stop_records_the_opt_out_and_writes_no_answer(self, client):
        text_in(client, "STOP")
        assert person().opted_out is True
        assert ours() == [] and twilios() == []


def test_the_simulator_shows_twilios_answer_in_the_thread(client, auth):
    auth.login("coord@example.org")
    from tests.builders import post_form

    response = post_form(client, "/coordinator/sms/simulator", {"phone": "+447911000001", "body": "STOP"},
                         follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "unsubscribed" in page


# --- a text after STOP is kept, unanswered, and shown as such --------------------------------------

def test_a_text_after_stop_is_stored_unanswered_and_labelled(client, auth):
    text_in(client, "STOP")
    text_in(client, "need groceries E8 3RH today please")
    later = inbound()[-1]
    assert later.status == "opted_out" and later.body == "need groceries E8 3RH today please"
    assert ours() == [] and needs() == []
    auth.login("coord@example.org")
    page = client.get("/coordinator/messages").get_data(as_text=True)
    assert "From a number that opted out: not answered" in page
    only = client.get("/coordinator/messages?opted_out=1").get_data(as_text=True)
    assert "need groceries E8 3RH today please" in only and "STOP</td>" not in only


def test_keywords_after_stop_get_no_answer_either(client):
    text_in(client, "STOP")
    text_in(client, "STATUS")
    text_in(client, "AYUDA")
    assert ours() == [] and [m.status for m in inbound()] == ["processed", "opted_out", "opted_out"]


def test_start_after_stop_is_not_labelled_as_from_an_opted_out_number(client):
    text_in(client, "STOP")
    text_in(client, "START")
    text_in(client, "STATUS")
    assert [m.status for m in inbound()] == ["processed", "processed", "processed"]
    assert [m.template for m in ours()] == ["status"]


# --- first contact in Spanish --------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("AYUDA", "vecinos"),
    ("Hola", "Con que necesitas"),
    ("NECESITO comida", "codigo postal"),
    ("comida", "codigo postal"),
])
def test_a_first_text_in_spanish_is_answered_in_spanish(client, text, expected):
    text_in(client, text)
    assert expected in ours()[-1].body
    assert person().language == "es"


@pytest.mark.parametrize("text", ["HELLO", "need food", "hi"])
def test_a_first_text_in_english_is_answered_in_english(client, text):
    text_in(client, text)
    assert person().language == "en"
    body = ours()[-1].body
    assert "What do you need" in body or "Where are you" in body


def test_an_ambiguous_first_text_falls_back_to_the_groups_language(client, group):
    text_in(client, "E8 3RH")
    assert person().language == "en"
    group.settings = {"language": "es"}
    db.session.commit()
    text_in(client, "E8 3RH", sender="+447911123457")
    assert person("+447911123457").language == "es"
    assert "Con que necesitas" in ours("+447911123457")[-1].body


def test_a_known_person_keeps_their_language_on_an_ambiguous_first_text(client):
    from tests.builders import make_need

    make_need(phone=SENDER, language="es")
    text_in(client, "E8 3RH")
    assert person().language == "es"


# --- information given out of order is kept --------------------------------------------------------

def test_a_postcode_given_when_asked_what_is_kept_and_not_asked_for_again(client):
    text_in(client, "hi")
    text_in(client, "E8 3RH")
    assert "What do you need" in ours()[-1].body
    text_in(client, "groceries")
    assert "How soon" in ours()[-1].body
    text_in(client, "1")
    [need] = needs()
    assert (need.status, need.category, need.postcode, need.urgency) == ("open", "groceries", "E8 3RH", "today")


def test_a_kind_of_help_given_when_asked_where_is_kept(client):
    text_in(client, "I need some help please")
    assert "postcode" in ours()[-1].body
    text_in(client, "groceries")
    assert "postcode" in ours()[-1].body
    text_in(client, "E8 3RH")
    text_in(client, "today")
    [need] = needs()
    assert (need.category, need.postcode, need.urgency) == ("groceries", "E8 3RH", "today")
    assert "groceries" in need.details


def test_both_in_one_answer(client):
    text_in(client, "hello")
    text_in(client, "medicine E8 3RH tomorrow")
    [need] = needs()
    assert (need.status, need.category, need.postcode, need.urgency) == ("open", "medicine", "E8 3RH", "soon")


def test_a_postcode_followed_by_words_is_found(client):
    text_in(client, "need groceries today E8 3RH near the park")
    [need] = needs()
    assert need.postcode == "E8 3RH" and need.status == "open"


# --- places outside the area ---------------------------------------------------------------------

def test_a_place_another_group_covers_is_named_and_the_request_kept(client):
    make_group(slug="manchester", name="Manchester Mutual Aid", centre=MANCHESTER, radius_km=5.0,
               phone_number="+441611234567")
    text_in(client, "need groceries today M1 1AE")
    [need] = needs()
    assert need.status == "open" and need.location_status == "out_of_area" and need.group.slug == "hackney"
    reply = ours()[-1].body
    assert "outside our area" in reply and "Manchester Mutual Aid" in reply and "+441611234567" in reply
    assert need.ref in reply


def test_a_place_nobody_covers_is_said_honestly_and_the_request_kept(client):
    text_in(client, "need food 90210 please today")
    [need] = needs()
    assert need.location_status == "out_of_area" and need.status == "open"
    reply = ours()[-1].body
    assert "no group here covers it" in reply and need.ref in reply and "asking neighbours near you" not in reply


def test_a_place_in_our_area_gets_the_usual_reply(client):
    text_in(client, "need groceries today E8 3RH")
    assert "asking neighbours near you" in ours()[-1].body


def test_a_spanish_request_from_outside_the_area_is_answered_in_spanish(client):
    text_in(client, "necesito comida 90210 hoy")
    [need] = needs()
    assert need.location_status == "out_of_area" and "fuera de nuestra zona" in ours()[-1].body


# --- the chase's questions, answered while a second request is half-way -------------------------

def test_no_to_the_follow_up_reopens_the_request_while_another_is_half_way(client, group):
    from mutualaid.chase.actions import follow_up_fulfilled
    from mutualaid.claims.actions import claim_need, complete_claim
    from tests.builders import make_need, make_volunteer

    volunteer = make_volunteer(group, phone="+447911123460")
    need = make_need(phone=SENDER)
    claim_need(volunteer, need.ref)
    complete_claim(volunteer, need.ref, "brought the shopping")
    text_in(client, "can someone walk my dog")  # a second request, left at "where are you?"
    follow_up_fulfilled(need.followup_at)
    text_in(client, "2")
    db.session.refresh(need)
    assert need.status == "open" and need.feedback == "no"
    assert [m.template for m in ours()][-3:] == ["ask_where", "followup_ask", "followup_reopened"]
    text_in(client, "E8 3RH")  # the request left half-way goes on where it was
    assert ours()[-1].template == "ask_urgency"


def test_a_reply_to_we_will_close_it_keeps_it_open_while_another_is_half_way(client, group):
    from mutualaid.chase.actions import chase_open_needs
    from tests.builders import make_need

    now = datetime.now(timezone.utc)
    need = make_need(phone=SENDER, now=now - timedelta(days=12))
    text_in(client, "can someone walk my dog")
    chase_open_needs(now)  # "we will close it in 2 days unless you reply"
    text_in(client, "still need it please")
    chase_open_needs(now + timedelta(days=2, minutes=1))
    db.session.refresh(need)
    assert need.status == "open"
    sent = [m.template for m in ours()]
    assert sent[sent.index("closing_soon") + 1] == "kept_open" and "need_expired" not in sent
