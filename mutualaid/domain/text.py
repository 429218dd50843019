"""Cleaning of text people type: keep every meaningful character, drop what breaks storage."""
from __future__ import annotations

import unicodedata

# Control characters are dropped (PostgreSQL refuses NUL), except newlines and tabs in
# long text. Format characters (Cf) such as right-to-left marks and emoji joiners stay.
_KEEP_CONTROLS_MULTILINE = {"\n", "\t"}


def clean_text(value: str | None, *, multiline: bool = False) -> str:
    """Return text without control characters, with normalised line ends, stripped."""
    if value is None:
        return ""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    keep = _KEEP_CONTROLS_MULTILINE if multiline else set()
    cleaned = "".join(
        ch for ch in value
        if ch in keep or unicodedata.category(ch) != "Cc"
    )
    if not multiline:
        cleaned = " ".join(cleaned.split())
    return cleaned.strip()


def is_blank(value: str | None) -> bool:
    """Whether text has nothing in it once cleaned (spaces, controls, invisible marks)."""
    cleaned = clean_text(value, multiline=True)
    return not any(unicodedata.category(ch)[0] in "LNPSM" for ch in cleaned)
