"""The pure SMS rules, checked against simple references: what a dialogue keeps, where a place is, which language."""
from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mutualaid.sms import dialogue, parsing
from mutualaid.sms.dialogue import Context, Conversation, receive
from mutualaid.sms.keywords import parse_command

CATEGORY_WORDS = {"groceries": "groceries", "medicine": "medicine", "a lift": "transport",
                  "someone to chat to": "company"}
PLACES = {"E8 3RH": "E8 3RH", "e83rh": "E8 3RH", "N16 7XJ": "N16 7XJ", "SW1A 1AA": "SW1A 1AA", "11216": "11216"}
URGENCY_WORDS = {"today": "today", "tomorrow": "soon", "this week": "this_week"}
FILLER = ("please", "thanks", "near the park", "hello")

part = st.sampled_from(["category", "place", "urgency"])
message = st.tuples(
    st.lists(part, unique=True, max_size=3),
    st.sampled_from(sorted(CATEGORY_WORDS)), st.sampled_from(sorted(PLACES)), st.sampled_from(sorted(URGENCY_WORDS)),
    st.sampled_from(FILLER), st.booleans(), st.randoms(use_true_random=False),
)


def compose(parts, category, place, urgency, filler, with_filler, rng) -> tuple[str, dict]:
    """A text made of the chosen parts in the chosen order, and what it gives (field -> value)."""
    words = {"category": category, "place": place, "urgency": urgency}
    chosen = list(parts) + (["filler"] if with_filler or not parts else [])
    rng.shuffle(chosen)
    text = " ".join(filler if p == "filler" else words[p] for p in chosen)
    gives = {}
    if "category" in parts:
        gives["what"] = CATEGORY_WORDS[category]
    if "place" in parts:
        gives["where"] = PLACES[place]
    if "urgency" in parts:
        gives["urgency"] = URGENCY_WORDS[urgency]
    return text, gives


def check_against_reference(conv: Conversation, known: dict) -> None:
    """What was given first is what the conversation holds, and nothing given is asked for."""
    assert conv.step not in known, (conv.step, known)
    if "what" in known:
        assert conv.category == known["what"]
    else:
        assert conv.category in (None, "other")
    if "where" in known:
        assert conv.where == known["where"]
    if "urgency" in known:
        assert conv.urgency == known["urgency"]


@settings(max_examples=300, deadline=None)
@given(st.lists(message, max_size=6))
def test_what_was_given_is_kept_and_never_asked_for_again(messages):
    conv, known = Conversation(), {}
    for parts, *rest in messages:
        text, gives = compose(parts, *rest)
        for field, value in gives.items():
            known.setdefault(field, value)  # the reference: the first value given for each question
        outcome = receive(conv, text)
        submitted = [e.conversation for e in outcome.effects if isinstance(e, dialogue.Submit)]
        if submitted:
            done = submitted[0]
            check_against_reference(done, {k: v for k, v in known.items()})
            assert done.category and (done.where or done.where_skipped) and done.urgency
            if "urgency" not in known:
                assert done.urgency == "soon"  # two answers that were not a time: the default
            known = {}
        else:
            check_against_reference(outcome.conversation, known)
            assert outcome.replies, "every text that does not finish a request gets a question"
        conv = outcome.conversation


def test_no_text_leaves_the_conversation_idle():
    assert Conversation().step == "idle" and Conversation().category is None


@pytest.mark.parametrize("text, asked", [("groceries", "where"), ("E8 3RH", "what"), ("today", "where"),
                                         ("hello", "what")])
def test_a_single_text_asks_for_the_first_thing_it_did_not_say(text, asked):
    assert receive(Conversation(), text).conversation.step == asked


def test_a_single_text_with_everything_is_a_request():
    outcome = receive(Conversation(), "groceries E8 3RH today")
    [submit] = [e for e in outcome.effects if isinstance(e, dialogue.Submit)]
    assert (submit.conversation.category, submit.conversation.where, submit.conversation.urgency) == (
        "groceries", "E8 3RH", "today")


def test_a_place_given_when_asked_what_is_kept_and_what_is_asked_again():
    asked_what = receive(Conversation(), "hello").conversation
    outcome = receive(asked_what, "E8 3RH")
    assert outcome.conversation.step == "what" and outcome.conversation.where == "E8 3RH"
    assert outcome.replies[0].template == "ask_what" and outcome.conversation.retries == 0


def test_a_kind_of_help_given_when_asked_where_replaces_other_and_keeps_the_words():
    asked_where = receive(Conversation(), "I need some help please").conversation
    assert (asked_where.step, asked_where.category) == ("where", "other")
    outcome = receive(asked_where, "groceries")
    assert (outcome.conversation.step, outcome.conversation.category) == ("where", "groceries")
    assert "groceries" in outcome.conversation.details and "I need some help" in outcome.conversation.details


def test_a_postcode_replaces_a_place_we_could_not_read():
    conv = Conversation(step="urgency", category="groceries", details="bread", where="by the church")
    outcome = receive(conv, "E8 3RH")
    assert outcome.conversation.where == "E8 3RH" and outcome.conversation.step == "urgency"


def test_unclear_answers_still_move_on_after_one_clarifying_question():
    conv = receive(Conversation(), "groceries").conversation
    conv = receive(conv, "by the church").conversation
    assert conv.step == "where" and conv.retries == 1
    assert receive(conv, "opposite the library").conversation.step == "urgency"


# --- places in free text ---------------------------------------------------------------------------

WORDS = st.lists(st.sampled_from(["please", "near", "the", "park", "flat", "need", "food", "today", "thanks",
                                  "by", "shop", "2", "14", "mare", "corner"]), max_size=5)


@settings(max_examples=200, deadline=None)
@given(WORDS, st.sampled_from(["E8 3RH", "SW1A 1AA", "N16 7XJ", "90210", "11216"]), WORDS)
def test_a_postcode_or_zip_is_found_before_after_or_among_words(before, place, after):
    text = " ".join([*before, place, *after])
    assert parsing.find_where(text) == place


@pytest.mark.parametrize("text, place", [
    ("E8 3RH near the park", "E8 3RH"), ("90210 please", "90210"), ("SW1A 1AA flat 2", "SW1A 1AA"),
    ("please 90210", "90210"), ("11216 need food for 2", "11216"), ("flat 12345 E8 3RH", "E8 3RH"),
    ("12345 Oak Ave 11216 today", "11216"), ("10001\nE8 3RH", "E8 3RH"), ("Brooklyn NY 11216 today", "11216"),
])
def test_places_followed_or_preceded_by_words(text, place):
    assert parsing.find_where(text) == place


@pytest.mark.parametrize("text", ["12345 Oak Ave", "call me on 07911 123456", "20000 steps a day",
                                  "need £10000", "order 12345-678", "groceries", ""])
def test_numbers_that_are_not_places(text):
    assert parsing.find_where(text) is None


def test_two_places_are_several():
    assert parsing.names_several_places("90210 or 11216") and parsing.find_where("90210 or 11216") is None


# --- language of a first text ----------------------------------------------------------------------

@pytest.mark.parametrize("text, language", [
    ("AYUDA", "es"), ("hola", "es"), ("NECESITO comida", "es"), ("comida", "es"), ("Sí", "es"),
    ("necesito medicinas 11216", "es"), ("HELP", "en"), ("hi", "en"), ("need groceries E8 3RH", "en"),
    ("food please", "en"), ("E8 3RH", None), ("ok", None), ("", None),
])
def test_the_language_of_a_text(text, language):
    assert parsing.guess_language(text) == language


def test_a_first_keyword_in_spanish_is_answered_in_spanish():
    outcome = receive(Conversation(), "AYUDA", Context(first_contact=True))
    assert outcome.conversation.language == "es" and outcome.replies[0].template == "help"


def test_an_unclear_first_text_takes_the_default_language():
    assert receive(Conversation(), "E8 3RH", Context(first_contact=True, default_language="es")) \
        .conversation.language == "es"
    assert receive(Conversation(language="es"), "E8 3RH", Context(first_contact=True)).conversation.language == "en"


def test_later_texts_do_not_switch_a_spanish_speaker_to_english():
    conv = Conversation(language="es")
    assert receive(conv, "need food E8 3RH today").conversation.language == "es"


# --- keywords Twilio answers -----------------------------------------------------------------------

@pytest.mark.parametrize("word", ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"])
def test_twilios_opt_out_words_get_no_answer_from_us_while_twilio_answers(word):
    outcome = receive(Conversation(), word)
    assert dialogue.OptOut() in outcome.effects and outcome.replies == ()
    assert dialogue.CarrierAnswered("opt_out") in outcome.effects


@pytest.mark.parametrize("word", ["STOP", "START", "HELP"])
def test_with_twilios_handling_off_we_answer_every_keyword(word):
    outcome = receive(Conversation(), word, Context(carrier_answers=False))
    assert len(outcome.replies) == 1
    assert not any(isinstance(e, dialogue.CarrierAnswered) for e in outcome.effects)


@pytest.mark.parametrize("word", ["PARAR", "BAJA", "DETENER"])
def test_our_own_opt_out_words_are_answered_by_us(word):
    outcome = receive(Conversation(), word)
    assert [r.template for r in outcome.replies] == ["opted_out"]


def test_yes_answers_the_follow_up_question_unless_the_person_opted_out():
    asked = Conversation(awaiting_feedback="K7Q4M")
    assert dialogue.Feedback("K7Q4M", True) in receive(asked, "YES").effects
    assert dialogue.OptIn() in receive(asked, "YES", Context(opted_out=True)).effects


def test_yes_with_a_reference_is_still_a_claim():
    command = parse_command("YES K7Q4M")
    assert command is not None and (command.name, command.ref) == ("claim", "K7Q4M")


def test_nothing_but_our_keywords_is_answered_for_someone_opted_out():
    assert receive(Conversation(), "need food E8 3RH", Context(opted_out=True)).replies == ()
    assert receive(Conversation(), "AYUDA", Context(opted_out=True)).replies == ()


half_way = st.builds(Conversation, step=st.sampled_from(["what", "where", "urgency"]),
                     category=st.sampled_from([None, "groceries", "other"]), details=st.sampled_from(["", "food"]),
                     where=st.sampled_from(["", "E8 3RH"]), retries=st.integers(0, 1),
                     language=st.sampled_from(["en", "es"]))


@given(half_way, st.sampled_from(["1", "2", "yes", "No", "si", "Sí", "2."]))
def test_the_follow_up_is_answered_even_with_a_request_left_half_way(conv, answer):
    asked = replace(conv, awaiting_feedback="K7Q4M")
    outcome = receive(asked, answer)
    assert outcome.effects == (dialogue.Feedback("K7Q4M", parsing.fold(answer).rstrip(".") in {"1", "YES", "SI"}),)
    assert outcome.conversation == conv  # the request left half-way keeps its place for the next text


@given(half_way, st.sampled_from(["still need it please", "yes", "2", "E8 3RH", "sigo necesitandolo", "🙏"]))
def test_a_reply_to_we_will_close_it_keeps_it_open_with_a_request_left_half_way(conv, text):
    asked = replace(conv, awaiting_reply="K7Q4M")
    outcome = receive(asked, text)
    assert outcome.effects == (dialogue.KeepOpen("K7Q4M"),)
    assert outcome.conversation == conv


@given(half_way)
def test_other_words_after_the_follow_up_go_on_with_the_request_left_half_way(conv):
    asked = replace(conv, awaiting_feedback="K7Q4M")
    assert receive(asked, "shopping for two E8 3RH") == receive(conv, "shopping for two E8 3RH")
