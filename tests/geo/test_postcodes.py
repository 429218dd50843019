"""Specifications for recognising postcodes and ZIP codes in free text."""

import time

import pytest

from mutualaid.geo.postcodes import (
    PostcodeMatch,
    approximate_label,
    find_postcodes,
    gb_outward,
    gb_sector,
    most_precise,
    normalise_gb_postcode,
    normalise_us_zip,
)


def values(text, **kwargs):
    """Return (kind, value) pairs found in text, in order."""
    return [(m.kind, m.value) for m in find_postcodes(text, **kwargs)]


# normalising


@pytest.mark.parametrize(
    "text, expected",
    [("e83rh", "E8 3RH"), ("  sw1a1aa ", "SW1A 1AA"), ("LS6  2AB", "LS6 2AB"), ("w1a 1aa", "W1A 1AA")],
)
def test_normalise_gb_postcode_gives_canonical_spacing_and_case(text, expected):
    assert normalise_gb_postcode(text) == expected


@pytest.mark.parametrize("text", ["E8", "E8 3", "hello", "", "E8 3RHX", "12345", "E8 3CI"])
def test_normalise_gb_postcode_rejects_anything_but_a_full_postcode(text):
    assert normalise_gb_postcode(text) is None


def test_normalise_gb_postcode_rejects_non_strings():
    assert normalise_gb_postcode(None) is None


def test_normalise_gb_postcode_folds_full_width_characters():
    assert normalise_gb_postcode("ｅ８ ３ｒｈ") == "E8 3RH"


@pytest.mark.parametrize(
    "text, expected", [("11216", "11216"), ("11216-1234", "11216-1234"), ("112161234", "11216-1234")]
)
def test_normalise_us_zip_accepts_zip_and_zip_plus_four(text, expected):
    assert normalise_us_zip(text) == expected


def test_normalise_us_zip_rejects_four_digits():
    assert normalise_us_zip("2024") is None


# GB full postcodes in free text


def test_full_postcode_is_found_after_a_street_address_with_house_numbers():
    assert values("flat 2, 14 Mare St E8 3RH") == [("gb_full", "E8 3RH")]


@pytest.mark.parametrize(
    "text, expected", [("ls62ab", "LS6 2AB"), ("SW1A 1AA", "SW1A 1AA"), ("e8 3rh", "E8 3RH")]
)
def test_full_postcode_is_found_with_or_without_space_in_any_case(text, expected):
    assert values(text) == [("gb_full", expected)]


def test_full_postcode_is_found_after_the_word_postcode():
    assert values("postcode LS6 2AB") == [("gb_full", "LS6 2AB")]


def test_full_postcode_span_points_into_the_original_text():
    text = "flat 2, 14 Mare St E8 3RH please"
    (match,) = find_postcodes(text)
    assert text[match.span[0]:match.span[1]] == "E8 3RH"


def test_unknown_but_well_formed_postcode_is_still_recognised():
    assert values("ZZ9 9ZZ") == [("gb_full", "ZZ9 9ZZ")]


def test_ordinal_floor_is_not_a_postcode():
    assert values("room b2 3rd floor") == []


def test_postcode_inside_a_longer_word_is_not_found():
    assert values("codeXE83RHY") == []


# GB sectors and outward codes


def test_sector_alone_is_found():
    assert values("E8 3") == [("gb_sector", "E8 3")]


def test_sector_followed_by_a_comma_is_found():
    assert values("E8 3, Hackney") == [("gb_sector", "E8 3")]


def test_sector_followed_by_a_distance_is_not_found():
    assert values("take the M6 4 miles north") == []


@pytest.mark.parametrize("text", ["E8", "LS6", "  e8  ", "E8."])
def test_outward_code_alone_is_found(text):
    assert values(text) == [("gb_outward", text.strip(" .").upper())]


def test_outward_code_followed_by_area_is_found():
    assert values("anyone in the E8 area?") == [("gb_outward", "E8")]


def test_outward_code_ending_the_message_is_found():
    assert values("need shopping picked up in E8") == [("gb_outward", "E8")]


def test_outward_code_after_postcode_cue_is_found_mid_sentence():
    assert values("my postcode is E8 and I need bread") == [("gb_outward", "E8")]


def test_outward_code_on_a_line_of_its_own_is_found():
    assert values("Mary\nE8\nneeds bread") == [("gb_outward", "E8")]


def test_outward_code_mid_sentence_without_a_cue_is_not_found():
    assert values("E8 is where I grew up but I live elsewhere now") == []


@pytest.mark.parametrize("text", ["stuck on the M6", "I need vitamin B12", "Flat B2"])
def test_motorways_vitamins_and_flat_numbers_are_not_outward_codes(text):
    assert values(text) == []


def test_outward_code_with_unknown_area_is_not_found():
    assert values("A1") == []


# US ZIP codes


@pytest.mark.parametrize(
    "text, expected", [("11216", "11216"), ("11216-1234", "11216-1234"), ("Brooklyn NY 11216", "11216")]
)
def test_zip_and_zip_plus_four_are_found(text, expected):
    assert values(text) == [("us_zip", expected)]


def test_zip_after_state_code_is_preferred_over_a_five_digit_house_number():
    assert values("12345 Main St, Brooklyn, NY 11216") == [("us_zip", "11216")]


def test_zip_after_the_word_zip_is_found_mid_sentence():
    assert values("zip 11216 please hurry") == [("us_zip", "11216")]


@pytest.mark.parametrize(
    "text",
    ["flat 2, 14 Mare St", "moved here in 2024", "call 07700 900123", "call 555-12345", "costs $12345",
     "need 12000 calories a day", "3.12345", "11216-12"],
)
def test_house_numbers_years_phone_numbers_and_money_are_not_zips(text):
    assert values(text) == []


def test_unknown_zip_is_still_recognised():
    assert values("00000") == [("us_zip", "00000")]


# several matches, countries


def test_matches_are_in_order_of_appearance():
    assert values("LS6 2AB or E8 3RH") == [("gb_full", "LS6 2AB"), ("gb_full", "E8 3RH")]


def test_the_same_postcode_written_twice_is_found_once():
    assert values("E8 3RH, that is e83rh") == [("gb_full", "E8 3RH")]


def test_countries_restricts_what_is_recognised():
    assert values("E8 3RH or 11216", countries=("US",)) == [("us_zip", "11216")]


def test_most_precise_drops_a_sector_and_outward_code_covered_by_a_full_postcode():
    matches = find_postcodes("E8 3RH (E8 3)")
    assert [m.value for m in most_precise(matches)] == ["E8 3RH"]


def test_most_precise_drops_a_zip_covered_by_its_zip_plus_four():
    matches = find_postcodes("NY 11216 / NY 11216-1234")
    assert [m.value for m in most_precise(matches)] == ["11216-1234"]


def test_most_precise_keeps_two_different_places():
    matches = find_postcodes("E8 3RH and LS6 2AB")
    assert len(most_precise(matches)) == 2


# labels


def test_approximate_label_of_a_full_postcode_is_its_sector():
    assert approximate_label(PostcodeMatch("gb_full", "E8 3RH", (0, 6))) == "E8 3"


def test_approximate_label_of_a_zip_plus_four_is_the_five_digit_zip():
    assert approximate_label(PostcodeMatch("us_zip", "11216-1234", (0, 10))) == "11216"


def test_sector_and_outward_of_a_postcode():
    assert (gb_sector("SW1A 1AA"), gb_outward("SW1A 1AA")) == ("SW1A 1", "SW1A")


# hostile input


@pytest.mark.parametrize(
    "text",
    ["🆘 E8 3RH 🙏", "مرحبا E8 3RH شكرا", "E8\u200f 3RH", "\u202eE8 3RH\u202c", "E8 3RH\x00", "Ｅ８ ３ＲＨ"],
)
def test_emoji_right_to_left_text_and_control_characters_do_not_hide_a_postcode(text):
    assert values(text) == [("gb_full", "E8 3RH")]


def test_nul_inside_a_postcode_reads_as_a_space():
    assert values("E8\x003RH") == [("gb_full", "E8 3RH")]


def test_span_of_a_postcode_after_emoji_points_into_the_original_text():
    text = "👩‍👧 help at E8 3RH"
    (match,) = find_postcodes(text)
    assert text[match.span[0]:match.span[1]] == "E8 3RH"


@pytest.mark.parametrize("text", ["\x00" * 50, "😀" * 100, "\u202e\u202d", "", "   "])
def test_text_with_no_postcode_gives_no_matches(text):
    assert values(text) == []


@pytest.mark.parametrize(
    "text",
    ["E8 " * 3333, "1" * 10000, "a" * 10000, "E8 3RH " * 1428, "E8 3" * 2500, "!" * 5000 + "E8" + "!" * 5000,
     "12345 " * 1666, "SW1A" * 2500, "E8\u200f" * 3333, "😀" * 10000],
)
def test_ten_thousand_character_text_is_scanned_quickly(text):
    started = time.perf_counter()
    find_postcodes(text)
    assert time.perf_counter() - started < 0.5
