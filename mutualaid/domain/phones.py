"""Phone numbers: parse whatever people type into E.164, refusing what is not a number."""
from __future__ import annotations

import phonenumbers


class InvalidPhone(ValueError):
    """The text is not a phone number we could ever text."""


def normalise_phone(raw: str | None, default_region: str = "GB") -> str:
    """Return the E.164 form of `raw` (e.g. "07911 123456" -> "+447911123456")."""
    if raw is None or not raw.strip():
        raise InvalidPhone("Please give a phone number.")
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone("That does not look like a phone number.") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("That phone number is not valid; please check the digits.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str | None) -> str:
    """A stored number as people write it in its own country ("+442071234567" -> "020 7123 4567")."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
