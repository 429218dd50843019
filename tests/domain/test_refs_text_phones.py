"""References, text cleaning and phone numbers: the small rules every edge relies on."""
import sys
import unicodedata

import pytest

from mutualaid.domain.phones import InvalidPhone, normalise_phone
from mutualaid.domain.refs import ALPHABET, new_ref, normalise_ref
from mutualaid.domain.text import clean_text, is_blank


def test_new_refs_use_only_unambiguous_characters():
    refs = {new_ref() for _ in range(2000)}
    assert len(refs) > 1990, "references should practically never repeat"
    assert all(set(ref) <= set(ALPHABET) for ref in refs)
    assert not set("01OILU") & set(ALPHABET)


@pytest.mark.parametrize("typed, ref", [("k7q4m", "K7Q4M"), (" K7Q-4M ", "K7Q4M"), ("k7q4m.", "K7Q4M")])
def test_refs_are_read_as_people_type_them(typed, ref):
    assert normalise_ref(typed) == ref


@pytest.mark.parametrize("typed", ["", None, "K7", "HELLO WORLD THERE", "DROP TABLE"])
def test_things_that_are_not_refs_are_refused(typed):
    assert normalise_ref(typed) is None


def test_clean_text_drops_nul_and_controls_but_keeps_newlines_in_long_text():
    assert clean_text("a\x00b\x07c\r\nd", multiline=True) == "abc\nd"
    assert clean_text("  a \n b\x00 ") == "a b"


def test_clean_text_drops_exactly_unicodes_control_characters():
    """Every code point of category Cc goes, every other one stays (\\t and \\n too in long text)."""
    points = [ch for n in range(sys.maxunicode + 1) if not 0xD800 <= n <= 0xDFFF
              and unicodedata.is_normalized("NFC", "a" + (ch := chr(n)) + "b")]  # NFC may change the others
    kept = {ch for ch in points if clean_text("a" + ch + "b", multiline=True) == "a" + ch + "b"}
    dropped = {ch for ch in points if clean_text("a" + ch + "b", multiline=True) == "ab"}
    controls = {ch for ch in points if unicodedata.category(ch) == "Cc"}
    assert dropped == controls - {"\t", "\n", "\r"}  # \r becomes \n
    assert kept == set(points) - dropped - {"\r"}
    assert clean_text("a\x85b\x1fc") == "abc"


def test_clean_text_keeps_emoji_and_bidi_marks():
    text = "pan 🍞 \u202bשלום\u202c"
    assert clean_text(text) == text


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\u200b\u200b", "\x00\x01"])
def test_blank_text_is_recognised(text):
    assert is_blank(text)


def test_uk_mobile_is_normalised_to_e164():
    assert normalise_phone("07911 123456") == "+447911123456"


def test_us_number_with_region_default():
    assert normalise_phone("(212) 555-0187", "US") == "+12125550187"


@pytest.mark.parametrize("garbage", ["", "abc", "123", "+999 123"])
def test_garbage_is_refused(garbage):
    with pytest.raises(InvalidPhone):
        normalise_phone(garbage)


def test_segments_count_gsm_and_unicode_differently():
    from mutualaid.messaging.limits import segments

    assert segments("a" * 160) == 1 and segments("a" * 161) == 2 and segments("a" * 459) == 3
    assert segments("á" * 70) == 1 and segments("á" * 71) == 2
    assert segments("[" * 80) == 1 and segments("[" * 81) == 2  # extension characters count twice


def test_quiet_hours_wrap_midnight():
    from datetime import datetime, timezone

    from mutualaid.messaging.limits import in_quiet_hours, quiet_hours_end

    late = datetime(2026, 1, 1, 23, 30, tzinfo=timezone.utc)
    assert in_quiet_hours(late, 21, 8)
    assert quiet_hours_end(late, 21, 8) == datetime(2026, 1, 2, 8, 0, tzinfo=timezone.utc)
    assert not in_quiet_hours(late.replace(hour=12), 21, 8)


def test_retry_backoff_is_capped():
    from datetime import timedelta

    from mutualaid.messaging.limits import retry_delay

    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert retry_delay(30) == timedelta(minutes=15)
