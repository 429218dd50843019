"""FORGET / OLVIDAR by text: we ask to confirm, and only FORGET YES / OLVIDAR SI after that erases,
with a last text saying so that is emptied once sent."""
from __future__ import annotations

import pytest

from mutualaid.extensions import db
from mutualaid.messaging.outbox import deliver_outbox
from mutualaid.models import Message, Need, Person
from mutualaid.sms.dialogue import Context, Conversation, Forget, receive
from mutualaid.sms.keywords import parse_command
from tests.builders import make_group
from tests.sms_helpers import GROUP_NUMBER, sms_config, text_in

PHONE = "+447911000333"
ASK = "need groceries for Hermione Canary at 9 Canaryfield Road E8 3RH"


@pytest.fixture
def config_overrides():
    """Console SMS, texts handled as they arrive."""
    return sms_config()


@pytest.fixture(autouse=True)
def group(app):
    """The Hackney group, owning the number neighbours text."""
    return make_group(phone_number=GROUP_NUMBER)


def person() -> Person | None:
    """The person behind the canary number, if still known."""
    return db.session.execute(db.select(Person).where(Person.phone == PHONE)).scalar_one_or_none()


def last_reply() -> Message:
    """The newest reply we queued."""
    return db.session.execute(db.select(Message).where(Message.direction == "out", Message.purpose == "reply")
                              .order_by(Message.id.desc())).scalars().first()


@pytest.mark.parametrize("text, rest", [("FORGET", ""), ("olvidar", ""), ("Forget yes", "confirmed"),
                                        ("OLVIDAR SÍ", "confirmed"), ("olvidarme si.", "confirmed")])
def test_forget_words_are_recognised_in_english_and_spanish(text, rest):
    command = parse_command(text)
    assert command is not None and (command.name, command.rest) == ("forget", rest)


@pytest.mark.parametrize("text", ["forget it, I need bread", "FORGET NO", "please forget me"])
def test_sentences_with_forget_in_them_are_not_the_keyword(text):
    assert parse_command(text) is None or parse_command(text).name != "forget"


def test_forget_yes_without_the_question_first_only_asks():
    outcome = receive(Conversation(), "FORGET YES", Context())
    assert Forget() not in outcome.effects and outcome.replies[0].template == "forget_confirm"


def test_forget_yes_after_the_question_erases_and_keeps_nothing_of_the_dialogue():
    asked = receive(Conversation(step="where", details="bread for Ada"), "FORGET", Context()).conversation
    outcome = receive(asked, "FORGET YES", Context())
    assert outcome.effects == (Forget(),) and outcome.conversation.details == ""


def test_forget_alone_asks_to_confirm_and_erases_nothing(client):
    text_in(client, ASK, sender=PHONE)
    text_in(client, "FORGET", sender=PHONE)
    assert person() is not None and person().erased_at is None
    assert "FORGET YES" in last_reply().body


def test_forget_then_forget_yes_erases_them_and_says_so(client):
    text_in(client, ASK, sender=PHONE)
    requester_id = person().id
    text_in(client, "FORGET", sender=PHONE)
    text_in(client, "FORGET YES", sender=PHONE)
    erased = db.session.get(Person, requester_id)
    assert erased.erased_at is not None and erased.phone is None
    assert all(n.details == "" for n in db.session.execute(db.select(Need)).scalars())
    confirmation = last_reply()
    assert confirmation.template == "forgotten" and confirmation.to_number == PHONE
    assert confirmation.status == "queued"
    leftovers = db.session.execute(db.select(Message).where(Message.id != confirmation.id)).scalars().all()
    assert all(PHONE not in (m.from_number, m.to_number) and "Canary" not in m.body for m in leftovers)


def test_the_confirmation_is_sent_then_emptied(client):
    text_in(client, ASK, sender=PHONE)
    text_in(client, "FORGET", sender=PHONE)
    text_in(client, "FORGET YES", sender=PHONE)
    confirmation_id = last_reply().id
    report = deliver_outbox()
    assert confirmation_id in report.ids
    sent = db.session.get(Message, confirmation_id)
    assert sent.status in ("sent", "delivered") and (sent.to_number, sent.body) == ("", "")


def test_olvidar_si_answers_in_spanish(client):
    text_in(client, "necesito comida, codigo postal E8 3RH", sender=PHONE)
    text_in(client, "OLVIDAR", sender=PHONE)
    assert "OLVIDAR SI" in last_reply().body
    text_in(client, "OLVIDAR SI", sender=PHONE)
    assert person() is None
    assert last_reply().template == "forgotten"
