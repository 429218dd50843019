"""Which numbers a group may text: only its allowed countries, never costly number types (pure functions).

Texting a premium-rate or far-away number is how SMS pumping works: someone types such numbers into
our forms, or texts us from them, and the group pays for every reply.
"""
from __future__ import annotations

from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberType

# Number types no reply may go to: premium rate and shared cost (the caller's carrier pays the range's
# owner), personal numbers (UK 070: forwarded at premium prices) and numbers whose type is unknown.
REFUSED_TYPES = frozenset({PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST,
                           PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.UNKNOWN})
# Reasons stored on a suppressed message (Message.last_error); the coordinators' pages translate them.
NOT_A_NUMBER = "not a phone number"
COSTLY_TYPE = "premium or unknown number type"
COUNTRY_PREFIX = "country not allowed"
# Places inside a country's own numbering plan, texted at home rates by default: the Crown Dependencies
# use UK numbers (+44 7911 12… is Guernsey, for one), and people there and in the UK carry each other's.
SAME_PLAN = {"GB": frozenset({"GG", "IM", "JE"})}
# The highest daily cap a group may set, in segments.
MAX_DAILY_CAP = 100_000


def allowed_regions(settings: dict | None, home: str) -> frozenset[str]:
    """The countries (ISO codes) a group may text: its setting, or when none is set its own country (with the
    places that share its numbering plan)."""
    codes = (settings or {}).get("sms_countries") or []
    if codes:
        return frozenset(code.upper() for code in codes)
    home = (home or "").upper()
    return frozenset({home}) | SAME_PLAN.get(home, frozenset())


def parse_regions(text: str) -> list[str]:
    """ISO country codes typed as "GB, es IE" -> ["GB", "ES", "IE"]; ValueError naming any we do not know."""
    codes = [part.upper() for part in text.replace(",", " ").replace(";", " ").split()]
    unknown = [code for code in codes if code not in phonenumbers.SUPPORTED_REGIONS]
    if unknown:
        raise ValueError(", ".join(unknown))
    return list(dict.fromkeys(codes))


@lru_cache(maxsize=65536)
def destination_refusal(number: str, allowed: frozenset[str]) -> str | None:
    """Why `number` (E.164) may not be texted, as a reason for coordinators; None when it may.

    Remembered: working out a number's type takes phonenumbers about 0.1 ms, volunteers' numbers
    come back all day, and a chase of a large backlog texts tens of thousands of requesters."""
    try:
        parsed = phonenumbers.parse(number or "", None)
    except phonenumbers.NumberParseException:
        return NOT_A_NUMBER
    if phonenumbers.number_type(parsed) in REFUSED_TYPES:
        return COSTLY_TYPE
    region = phonenumbers.region_code_for_number(parsed)
    if region not in allowed:
        return f"{COUNTRY_PREFIX} ({region})"
    return None


def refused_country(reason: str | None) -> str | None:
    """The country code inside a "country not allowed (XX)" reason, else None."""
    if reason and reason.startswith(COUNTRY_PREFIX):
        return reason[len(COUNTRY_PREFIX):].strip(" ()")
    return None
