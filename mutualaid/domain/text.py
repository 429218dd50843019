"""Cleaning of text people type: keep every meaningful character, drop what breaks storage."""
from __future__ import annotations

import re
import unicodedata

# Control characters (Unicode's category Cc: U+0000-U+001F and U+007F-U+009F) are dropped, as
# PostgreSQL refuses NUL, except newlines and tabs in long text. Format characters (Cf) such as
# right-to-left marks and emoji joiners stay. One compiled class rather than a category lookup
# per character: every inbound text goes through here.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROLS_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # all but \t and \n


def clean_text(value: str | None, *, multiline: bool = False) -> str:
    """Return text without control characters, with normalised line ends, stripped."""
    if value is None:
        return ""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    cleaned = (_CONTROLS_MULTILINE if multiline else _CONTROLS).sub("", value)
    if not multiline:
        cleaned = " ".join(cleaned.split())
    return cleaned.strip()


def is_blank(value: str | None) -> bool:
    """Whether text has nothing in it once cleaned (spaces, controls, invisible marks)."""
    cleaned = clean_text(value, multiline=True)
    return not any(unicodedata.category(ch)[0] in "LNPSM" for ch in cleaned)
