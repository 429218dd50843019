"""Reading one cell of an imported row in the app's vocabulary (DESIGN.md §3). Pure."""
from __future__ import annotations

import re

from mutualaid.domain.categories import CATEGORY_CODES, guess_category
from mutualaid.imports.headers import normalise

YES = {"yes", "y", "si", "s", "true", "1", "x", "ok", "vale", "checked", "agree", "i agree", "acepto", "de acuerdo",
       "yes please", "si por favor", "claro"}
NO_WORDS = {"no", "not", "dont", "don t", "never", "nunca", "false", "0", "n"}
AGREE_WORDS = ("agree", "acepto", "consent", "autorizo", "yes", "si")
# English and Spanish names of each kind of help, as a form's choices may spell them.
CATEGORY_NAMES = {
    "groceries": ("groceries", "groceries and food", "food", "shopping", "compras", "comida", "compras y comida"),
    "medicine": ("medicine", "medicine or prescription pickup", "prescriptions", "medicinas", "medicina",
                 "recoger medicinas", "farmacia"),
    "transport": ("transport", "a ride", "lifts", "driving", "transporte", "un viaje", "llevar en coche"),
    "errand": ("errand", "errands", "an errand", "recados", "un recado", "mandados"),
    "company": ("company", "a phone call or a visit", "phone calls", "befriending", "visits", "compania",
                "una llamada o una visita", "llamadas", "visitas"),
    "childcare": ("childcare", "cuidado de ninos", "ninos"),
    "household": ("household", "household items", "articulos del hogar", "cosas de casa", "muebles"),
    "paperwork": ("paperwork", "help with forms or paperwork", "forms", "tramites", "papeles",
                  "ayuda con formularios o tramites"),
    "pets": ("pets", "pet care", "dog walking", "mascotas", "cuidado de mascotas"),
    "other": ("other", "something else", "otro", "otra cosa", "algo mas"),
}
NAME_TO_CODE = {normalise(name): code for code, names in CATEGORY_NAMES.items() for name in names}
URGENCY_NAMES = {
    "today": ("today", "now", "urgent", "asap", "hoy", "ahora", "urgente", "ya"),
    "soon": ("soon", "in the next 2 3 days", "next few days", "pronto", "en los proximos 2 3 dias", "this week or sooner"),
    "this_week": ("this week", "within a week", "not urgent", "esta semana", "no es urgente", "en una semana"),
}
NAME_TO_URGENCY = {normalise(name): code for code, names in URGENCY_NAMES.items() for name in names}
LANGUAGE_NAMES = {"en": ("en", "english", "ingles"), "es": ("es", "spanish", "espanol", "castellano")}
NAME_TO_LANGUAGE = {normalise(name): code for code, names in LANGUAGE_NAMES.items() for name in names}
LIST_SPLIT = re.compile(r"[,;/\n|]+|\s+(?:and|y|&)\s+")


def says_yes(text: str) -> bool:
    """Whether a consent cell says yes: "Yes", "Sí", "x", or a ticked form choice such as
    "I agree to be contacted by text"; anything with a no in it, or blank, is not consent."""
    key = normalise(text)
    if not key:
        return False
    if key in YES:
        return True
    words = set(key.split())
    if words & NO_WORDS or "don t" in key or "do not" in key:
        return False
    return any(word in words for word in AGREE_WORDS) or key.startswith(("i agree", "acepto", "yes", "si "))


def category_of(text: str) -> str | None:
    """The kind of help one answer names, by code, English or Spanish name, or its words; None if unknown."""
    key = normalise(text)
    if not key:
        return None
    if key in CATEGORY_CODES:
        return key
    if key in NAME_TO_CODE:
        return NAME_TO_CODE[key]
    return guess_category(text) or guess_category(key)


def categories_of(text: str) -> tuple[list[str], list[str]]:
    """The kinds of help a list answer names ("Shopping, dog walking"), and the answers not understood."""
    known, unknown = [], []
    for part in LIST_SPLIT.split(text or ""):
        if not part.strip():
            continue
        code = category_of(part)
        if code is None:
            unknown.append(part.strip())
        elif code not in known:
            known.append(code)
    return known, unknown


def urgency_of(text: str) -> str | None:
    """today | soon | this_week from an answer, or None when blank or not understood."""
    key = normalise(text)
    return NAME_TO_URGENCY.get(key) if key else None


def language_of(text: str) -> str | None:
    """en | es from an answer such as "Spanish" or "Español", or None."""
    return NAME_TO_LANGUAGE.get(normalise(text))


def languages_of(text: str) -> list[str]:
    """The languages a list answer names (unknown ones are kept as written, lower case, if short)."""
    codes = []
    for part in LIST_SPLIT.split(text or ""):
        key = normalise(part)
        if not key:
            continue
        code = NAME_TO_LANGUAGE.get(key) or (key if len(key) <= 8 else None)
        if code and code not in codes:
            codes.append(code)
    return codes


def number_of(text: str) -> float | None:
    """The first number in an answer ("5 km", "3,5"), or None."""
    match = re.search(r"\d+(?:[.,]\d+)?", text or "")
    return float(match.group().replace(",", ".")) if match else None


def offer_kind_of(text: str) -> str:
    """item | service: time, a service, help and their Spanish are a service, anything else a thing."""
    key = normalise(text)
    return "service" if any(word in key.split() for word in ("time", "service", "help", "tiempo", "servicio",
                                                              "ayuda")) else "item"
