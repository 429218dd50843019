"""Reading a request out of free text: what kind of help, where, how soon, which language."""
from __future__ import annotations

import re

from mutualaid.domain.categories import guess_category
from mutualaid.geo.postcodes import find_postcodes
from mutualaid.sms.keywords import fold

URGENT_WORDS = ("URGENT", "ASAP", "TODAY", "TONIGHT", "NOW", "EMERGENCY", "HOY", "URGENTE", "AHORA", "YA ")
SOON_WORDS = ("TOMORROW", "SOON", "MANANA", "PRONTO", "THIS WEEKEND")
WEEK_WORDS = ("THIS WEEK", "NEXT WEEK", "ESTA SEMANA", "PROXIMA SEMANA", "NO RUSH", "SIN PRISA")
SPANISH_WORDS = ("NECESITO", "AYUDA", "HOLA", "POR FAVOR", "COMIDA", "MEDICINA", "GRACIAS", "QUIERO",
                 "PUEDE", "ALGUIEN", "MANANA", "CODIGO", "TENGO", "SOY ", " MI ", " PARA ", "NECESITAMOS")

URGENCY_ANSWERS = {"1": "today", "2": "soon", "3": "this_week"}


def find_where(text: str) -> str | None:
    """The postcode or ZIP in the text (normalised), if exactly one place is named."""
    values = {m.value for m in find_postcodes(text)}
    return values.pop() if len(values) == 1 else None


def names_several_places(text: str) -> bool:
    """Whether the text names more than one postcode (so we must ask which)."""
    return len({m.value for m in find_postcodes(text)}) > 1


def find_urgency(text: str) -> str | None:
    """today / soon / this_week when the text says so, else None."""
    padded = f" {fold(text)} "
    if any(re.search(rf"\b{w.strip()}\b", padded) for w in WEEK_WORDS):
        return "this_week"
    if any(re.search(rf"\b{w.strip()}\b", padded) for w in URGENT_WORDS):
        return "today"
    if any(re.search(rf"\b{w.strip()}\b", padded) for w in SOON_WORDS):
        return "soon"
    return None


def urgency_answer(text: str) -> str | None:
    """An answer to "how soon?": 1/2/3 or words."""
    stripped = fold(text).strip().rstrip(".!")
    return URGENCY_ANSWERS.get(stripped) or find_urgency(text)


def find_category(text: str) -> str | None:
    """The kind of help the text asks for, if recognisable."""
    return guess_category(text)


def guess_language(text: str, default: str = "en") -> str:
    """Spanish when the text uses common Spanish words, else `default`."""
    padded = f" {fold(text)} "
    return "es" if any(word in padded for word in SPANISH_WORDS) else default


def has_words(text: str) -> bool:
    """Whether the text says anything beyond a postcode and filler."""
    letters = re.sub(r"[^A-Za-zÀ-ÿ]+", " ", text).split()
    return len([w for w in letters if len(w) > 2]) >= 1
