"""Looking for a person's own contact values first with a plain search finds exactly what the
patterns alone find (hypothesis, against the patterns run on every value); skipping the phone when
the text has too few digits to hold it hides exactly the same."""
from __future__ import annotations

import re

import phonenumbers
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mutualaid.domain.privacy import (
    _MIN_SECRET,
    _PLAIN_LETTERS,
    _secret_spans,
    contact_secrets,
    hide_contact_values,
    hide_secrets,
)


def every_pattern(text: str, secrets) -> list[tuple[int, int, str]]:
    """The spans as found before the quick check: every value's pattern run on the text (both without accents)."""
    spans = []
    text = text.translate(_PLAIN_LETTERS)
    for kind, value in secrets:
        value = value.strip().translate(_PLAIN_LETTERS)
        if len(value) < _MIN_SECRET:
            continue
        pattern = rf"(?<!\w){re.escape(value)}(?!\w)"
        if kind == "phone":
            digits = re.sub(r"\D", "", value)
            pattern = r"(?<!\d)\+?" + r"[\s().-]*".join(digits) + r"(?!\d)"
        spans += [(m.start(), m.end(), kind) for m in re.finditer(pattern, text, re.IGNORECASE)]
    return spans


pieces = st.sampled_from(["Ada", "ADA", "ada", "Lovelace", "12 Mare Street", "mare street", "07911 123 456",
                          "+44 7911 123456", "(0)7911-123-456", "ada@example.org", "Ñoño", "ñOÑO", "straße",
                          "STRASSE", "ſtreet", "K", "\u212a", "İstanbul", "istanbul", "٠٧٩١١", " ", ", ", "-", "."])
texts = st.lists(st.one_of(pieces, st.text(max_size=6)), max_size=12).map("".join)
values = st.one_of(pieces, st.text(min_size=0, max_size=8))
secrets_ = st.lists(st.tuples(st.sampled_from(["name", "address", "phone", "email"]), values), max_size=5)


@settings(max_examples=500, deadline=None)
@given(text=texts, secrets=secrets_)
@example(text="Call 07911 123 456 please", secrets=[("phone", "+447911123456"), ("phone", "07911 123456")])
@example(text="ſtreet party", secrets=[("address", "street")])
@example(text="\u212aate", secrets=[("name", "Kate")])
@example(text="Ask for ADA at 12 MARE STREET", secrets=[("name", "Ada"), ("address", "12 Mare Street")])
@example(text="no digits", secrets=[("phone", "---")])
@example(text="Pregunta por Nono", secrets=[("name", "Ñoño")])
def test_the_quick_check_changes_nothing(text, secrets):
    assert _secret_spans(text, tuple(secrets)) == every_pattern(text, tuple(secrets))


phones = st.one_of(st.sampled_from(["+447911123456", "+34612345678", "+12015550123", "+5491187654321", "07911 123456",
                                    "", "+1"]), st.from_regex(r"\+[1-9]\d{3,13}", fullmatch=True))
digit_texts = st.lists(st.one_of(st.sampled_from(["Call ", "07911 123 456", "7911123456", "+44 7911 123456",
                                                  "612 34 56 78", "(201) 555-0123", "011 15-8765-4321", "2pm",
                                                  "[phone]", " and ", "9"]), st.text(max_size=4)),
                       max_size=8).map("".join)


@settings(max_examples=500, deadline=None)
@given(text=digit_texts, phone=phones, name=st.sampled_from(["", "Ada Lovelace"]))
@example(text="Call 07911 123 456", phone="+447911123456", name="")
@example(text="Call 011 15-8765-4321", phone="+5491187654321", name="")
def test_hiding_without_the_phone_when_it_cannot_fit_hides_the_same(text, phone, name):
    assert hide_contact_values(text, name=name, phone=phone) == hide_secrets(text, contact_secrets(name=name,
                                                                                                   phone=phone))


KINDS = [getattr(phonenumbers.PhoneNumberType, n) for n in dir(phonenumbers.PhoneNumberType)
         if n.isupper() and n != "UNKNOWN"]


def test_a_national_form_keeps_all_but_at_most_three_digits_of_the_e164_form():
    """What hide_contact_values relies on, for every region's example numbers of every type."""
    for region, kind in ((r, k) for r in sorted(phonenumbers.SUPPORTED_REGIONS) for k in KINDS):
        example_number = phonenumbers.example_number_for_type(region, kind)
        if example_number is None:
            continue
        e164 = phonenumbers.format_number(example_number, phonenumbers.PhoneNumberFormat.E164)
        national = phonenumbers.format_number(phonenumbers.parse(e164, "GB"), phonenumbers.PhoneNumberFormat.NATIONAL)
        assert sum(c.isdigit() for c in national) >= len(e164) - 1 - 3, (e164, national)


contact_values = st.one_of(st.sampled_from(["", "Ada Lovelace", "ada", "Al Bo", "O'Brien-Smith", " Tom ", "Ñoño Pérez",
                                            "12 Mare Street, London; E8 4RP", "mare street\nflat 2", "İstanbul",
                                            "Kate", "ada@example.org", "ADA@EXAMPLE.ORG", "x, y; zz"]),
                           st.text(max_size=10))
contact_texts = st.lists(st.one_of(st.sampled_from(["Ada", "LOVELACE", "ada@example.org", "12 mare street", "London",
                                                    "e8 4rp", "[name]", "[address]", " ", ", ", ".", "O'Brien",
                                                    "\u212aate", "ſtreet", "ñoño", "tom", "Al Bo", "zz"]),
                                   st.text(max_size=5)), max_size=10).map("".join)


@settings(max_examples=1000, deadline=None)
@given(text=contact_texts, name=contact_values, address=contact_values, email=contact_values)
@example(text="Ask Ada at 12 Mare Street", name="Ada Lovelace", address="12 Mare Street, London", email="")
@example(text="\u212aate will call", name="Kate", address="", email="")
@example(text="the ſtreet party", name="", address="street", email="")
@example(text="Mr Tom Jones", name=" Tom ", address="", email="")
@example(text="nothing here", name="", address="", email="")
def test_skipping_texts_that_hold_no_contact_value_hides_the_same(text, name, address, email):
    """The plain look for each value first (_ascii_and_free_of) never lets through what the patterns hide."""
    assert hide_contact_values(text, name=name, address=address, email=email) == hide_secrets(
        text, contact_secrets(name=name, address=address, email=email))
