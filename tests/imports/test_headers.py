"""Guessing what each column holds, and reading answers, in English and Spanish."""
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutualaid.imports.headers import IGNORE, KIND_FIELDS, guess_field, guess_mapping, normalise, spelling_table
from mutualaid.imports.values import categories_of, category_of, says_yes, urgency_of
from tests.imports.sheets import NEED_HEADERS, NEED_HEADERS_ES, OFFER_HEADERS, VOLUNTEER_HEADERS

NEED_FIELDS = ["ignore", "email", "name", "phone", "where", "category", "details", "consent"]


def test_a_google_form_export_in_english_is_understood():
    assert guess_mapping(NEED_HEADERS, "needs") == NEED_FIELDS


def test_a_google_form_export_in_spanish_is_understood():
    assert guess_mapping(NEED_HEADERS_ES, "needs") == NEED_FIELDS


def test_volunteer_and_offer_forms_are_understood():
    assert guess_mapping(VOLUNTEER_HEADERS, "volunteers") == [
        "ignore", "name", "email", "phone", "where", "categories", "availability", "has_car", "consent"]
    assert guess_mapping(OFFER_HEADERS, "offers") == [
        "ignore", "name", "phone", "where", "category", "details", "quantity", "consent"]


@pytest.mark.parametrize("header,field", [
    ("YOUR MOBILE NUMBER", "phone"), ("Correo-e", "email"), ("Do you agree that we text you?", "consent"),
    ("¿Cuándo estás disponible?", "availability"), ("Zip code", "where"), ("Shoe size", IGNORE), ("", IGNORE),
])
def test_other_spellings_are_guessed_by_their_words(header, field):
    assert guess_field(header, "volunteers" if field == "availability" else "needs") == field


def test_a_field_goes_to_its_first_column_only():
    assert guess_mapping(["Phone", "Mobile", "Name"], "needs") == ["phone", IGNORE, "name"]


def test_a_field_of_another_kind_is_not_guessed():
    assert guess_field("Do you have a car?", "needs") == IGNORE


def _decorate(text: str, data) -> str:
    """The header as people type it: any case, accents on vowels, punctuation and spaces around and between."""
    accents = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú"}
    out = []
    for ch in text:
        if ch == " ":
            out.append(data.draw(st.sampled_from([" ", "  ", " - ", "_", " / ", ". "])))
            continue
        if ch in accents and data.draw(st.booleans()):
            ch = accents[ch]
        out.append(ch.upper() if data.draw(st.booleans()) else ch)
    before = data.draw(st.sampled_from(["", " ", "¿", "* ", "\t"]))
    after = data.draw(st.sampled_from(["", "?", " :", " *", "!", " "]))
    return before + "".join(out) + after


@given(kind=st.sampled_from(sorted(KIND_FIELDS)), data=st.data())
def test_any_known_spelling_however_typed_gives_what_a_plain_lookup_gives(kind, data):
    table = spelling_table(kind)
    spelling = data.draw(st.sampled_from(sorted(table)))
    header = _decorate(spelling, data)
    reference = table[" ".join("".join(c for c in unicodedata.normalize("NFKD", spelling.lower())
                                       if c.isalnum() or c == " ").split())]
    assert guess_field(header, kind) == reference


@given(st.text(max_size=40))
def test_normalising_twice_changes_nothing_and_leaves_plain_words(text):
    once = normalise(text)
    assert normalise(once) == once
    assert once == once.strip() and "  " not in once


@pytest.mark.parametrize("answer,consent", [
    ("Yes", True), ("Sí", True), ("si", True), ("x", True), ("TRUE", True), ("I agree to be contacted by text", True),
    ("Acepto", True), ("", False), ("No", False), ("No, gracias", False), ("I do not agree", False),
    ("Maybe", False), ("don't text me", False),
])
def test_consent_is_recorded_only_when_the_answer_says_yes(answer, consent):
    assert says_yes(answer) is consent


def test_kinds_of_help_are_read_in_both_languages_and_unknown_ones_kept_aside():
    assert categories_of("Shopping, Prescriptions; dog walking") == (["groceries", "medicine", "pets"], [])
    assert categories_of("Compras y comida, Compañía, malabares") == (["groceries", "company"], ["malabares"])
    assert category_of("Help with forms or paperwork") == "paperwork"
    assert category_of("juggling") is None


def test_how_soon_is_read_in_both_languages():
    assert [urgency_of(t) for t in ("Today", "hoy", "This week", "whenever")] == ["today", "today", "this_week", None]
