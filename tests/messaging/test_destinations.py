"""Which numbers a group may text: its allowed countries only, never premium-rate or unknown numbers (pure)."""
from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

from mutualaid.messaging.destinations import (
    COSTLY_TYPE,
    NOT_A_NUMBER,
    allowed_regions,
    destination_refusal,
    parse_regions,
    refused_country,
)

REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
TYPES = [value for name, value in vars(PhoneNumberType).items() if name.isupper()]
UK_MOBILE = "+447400123456"
GUERNSEY_MOBILE = "+447911123456"
UK_PREMIUM = "+449012345678"
SPANISH_MOBILE = "+34612345678"


def example(region: str, kind: int) -> str | None:
    """phonenumbers' example number of that type in that region, as E.164 (None when it has none)."""
    number = phonenumbers.example_number_for_type(region, kind)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if number else None


def reference_may_text(number: str, settings: dict | None, home: str) -> bool:
    """The rule written out plainly: the number's country is allowed and its type is not a costly one."""
    chosen = {code.upper() for code in (settings or {}).get("sms_countries") or []}
    allowed = chosen or ({home} | ({"GG", "IM", "JE"} if home == "GB" else set()))
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    costly = {PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST, PhoneNumberType.PERSONAL_NUMBER,
              PhoneNumberType.UNKNOWN}
    return phonenumbers.region_code_for_number(parsed) in allowed and phonenumbers.number_type(parsed) not in costly


numbers = st.one_of(
    st.builds(example, st.sampled_from(REGIONS), st.sampled_from(TYPES)).filter(bool),
    st.builds(lambda digits: "+" + digits, st.text("0123456789", min_size=4, max_size=16)),
    st.text(max_size=20),
)
settings = st.one_of(
    st.none(), st.just({}), st.just({"sms_countries": []}),
    st.builds(lambda codes: {"sms_countries": codes}, st.lists(st.sampled_from(REGIONS), max_size=4)),
    st.builds(lambda codes: {"sms_countries": [code.lower() for code in codes]},
              st.lists(st.sampled_from(REGIONS), min_size=1, max_size=3)),
)


@given(number=numbers, chosen=settings, home=st.sampled_from(["GB", "ES", "US", "IE"] + REGIONS))
def test_the_destination_rule_agrees_with_the_plain_reference(number, chosen, home):
    refusal = destination_refusal(number, allowed_regions(chosen, home))
    assert (refusal is None) == reference_may_text(number, chosen, home)


def test_with_no_setting_a_group_texts_its_own_country():
    assert destination_refusal(UK_MOBILE, allowed_regions({}, "GB")) is None
    assert destination_refusal(SPANISH_MOBILE, allowed_regions({}, "GB")) == "country not allowed (ES)"


def test_a_uk_group_texts_the_crown_dependencies_that_share_its_numbers_by_default():
    assert allowed_regions(None, "GB") == {"GB", "GG", "IM", "JE"}
    assert destination_refusal(GUERNSEY_MOBILE, allowed_regions(None, "GB")) is None


def test_a_country_the_group_added_is_texted():
    assert destination_refusal(SPANISH_MOBILE, allowed_regions({"sms_countries": ["GB", "ES"]}, "GB")) is None


def test_a_premium_rate_number_is_refused_even_in_an_allowed_country():
    assert destination_refusal(UK_PREMIUM, allowed_regions({}, "GB")) == COSTLY_TYPE


@pytest.mark.parametrize("region, kind", [("GB", PhoneNumberType.PREMIUM_RATE), ("FR", PhoneNumberType.SHARED_COST),
                                          ("GB", PhoneNumberType.PERSONAL_NUMBER)])
def test_costly_number_types_are_refused(region, kind):
    assert destination_refusal(example(region, kind), frozenset({region})) == COSTLY_TYPE


def test_what_is_not_a_number_is_refused():
    assert destination_refusal("", frozenset({"GB"})) == NOT_A_NUMBER
    assert destination_refusal("call me", frozenset({"GB"})) == NOT_A_NUMBER


def test_typed_country_codes_are_read_in_any_case_and_separator():
    assert parse_regions("gb, es;IE  es") == ["GB", "ES", "IE"]
    assert parse_regions("  ") == []


def test_unknown_country_codes_are_named():
    with pytest.raises(ValueError, match="XX, UK"):
        parse_regions("GB XX UK")


def test_the_country_is_read_back_from_the_reason():
    assert refused_country("country not allowed (ES)") == "ES"
    assert refused_country(COSTLY_TYPE) is None and refused_country(None) is None
