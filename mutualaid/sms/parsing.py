"""Reading a request out of free text: what kind of help, where, how soon, which language."""
from __future__ import annotations

import functools
import re

import zipcodes

from mutualaid.domain.categories import guess_category
from mutualaid.geo.postcodes import find_postcodes
from mutualaid.sms.keywords import fold

URGENT_WORDS = ("URGENT", "ASAP", "TODAY", "TONIGHT", "NOW", "EMERGENCY", "HOY", "URGENTE", "AHORA", "YA ")
SOON_WORDS = ("TOMORROW", "SOON", "MANANA", "PRONTO", "THIS WEEKEND")
WEEK_WORDS = ("THIS WEEK", "NEXT WEEK", "ESTA SEMANA", "PROXIMA SEMANA", "NO RUSH", "SIN PRISA")
# Words that tell the language of a first text (keywords included: "AYUDA" alone is Spanish).
SPANISH_WORDS = frozenset("""
    NECESITO NECESITAMOS NECESITA AYUDA AYUDAME AYUDENME HOLA BUENAS BUENOS DIAS TARDES NOCHES POR FAVOR
    COMIDA MEDICINA MEDICINAS MEDICAMENTO FARMACIA RECETA COMPRAS MERCADO GRACIAS QUIERO PUEDE PUEDEN
    ALGUIEN MANANA HOY URGENTE PRONTO SEMANA CODIGO POSTAL TENGO SOY ESTOY MI MIS PARA CON SIN UNA UNOS
    QUE YO ES EL LOS LAS DEL ESTADO CANCELAR LISTO HECHO OFREZCO NUEVO NUEVA PARAR BAJA ALTA SALTAR IDIOMA
    ESPANOL SENORA SENOR VIVO CASA LLEVAR CITA ROPA CUNA SI
""".split())
ENGLISH_WORDS = frozenset("""
    HI HELLO HEY HELP NEED NEEDS PLEASE FOOD GROCERIES SHOPPING MEDICINE PRESCRIPTION PHARMACY THANKS
    THANK YOU SOMEONE ANYONE CAN COULD I IM MY ME WE OUR THE AND FOR WITH IS TODAY TOMORROW WEEK SOON
    URGENT STATUS NEW OFFER DONE SKIP INFO START STOP LIFT RIDE LIVE HOME
""".split())

URGENCY_ANSWERS = {"1": "today", "2": "soon", "3": "this_week"}


# A number with one of these among the three words after it is a house number, not a ZIP ("12345 Oak Ave").
STREET_WORDS = frozenset("""
    ST STREET AVE AVENUE AV RD ROAD BLVD BOULEVARD LN LANE DR DRIVE WAY CT COURT PL PLACE PKWY PARKWAY HWY
    HIGHWAY TER TERRACE CIR CIRCLE SQ SQUARE N S E W NE NW SE SW NORTH SOUTH EAST WEST CALLE APT UNIT
""".split())
_LOOSE_ZIP_RE = re.compile(r"(?<![\w$£€#+./:-])([0-9]{5})(?![\w/:-]|[.,][0-9])")


def places(text: str) -> list[str]:
    """The distinct postcodes and ZIPs the text names, normalised, in order.

    The recogniser in geo.postcodes takes a ZIP only after a state or "zip", or ending a line;
    a text message puts it anywhere ("90210 please", "11216 need food"), so a five-digit
    number standing alone also counts when it is a real ZIP, is not part of a longer figure
    (a phone number) and is not a house number ("12345 Oak Ave"). A full GB postcode wins
    over any five-digit number beside it.
    """
    matches = find_postcodes(text)
    if any(m.kind == "gb_full" for m in matches):
        matches = [m for m in matches if m.kind != "us_zip"]
    found = [m.value for m in matches]
    if not any(m.kind == "gb_full" for m in matches):
        found += [z for z in _loose_zips(text) if not any(v.startswith(z) for v in found)]
    return list(dict.fromkeys(found))


def _loose_zips(text: str) -> list[str]:
    """Five-digit numbers that stand alone as real US ZIPs."""
    found = []
    for m in _LOOSE_ZIP_RE.finditer(text):
        before, after = text[:m.start()], text[m.end():]
        if re.search(r"[0-9]{3}[ .)-]?$", before) or re.match(r"[ .(-]?[0-9]{3}", after):
            continue  # next to another group of digits: a phone or account number
        if any(word.upper() in STREET_WORDS for word in re.findall(r"[A-Za-z]+", after)[:3]):
            continue  # "12345 Oak Ave", "12345 N Main St"
        if m[1] in _real_zips():
            found.append(m[1])
    return found


@functools.cache
def _real_zips() -> frozenset[str]:
    """Every five-digit ZIP in the zipcodes package (built once)."""
    return frozenset(record["zip_code"] for record in zipcodes.list_all())


def find_where(text: str) -> str | None:
    """The postcode or ZIP in the text (normalised), if exactly one place is named."""
    found = places(text)
    return found[0] if len(found) == 1 else None


def names_several_places(text: str) -> bool:
    """Whether the text names more than one postcode (so we must ask which)."""
    return len(places(text)) > 1


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


def guess_language(text: str, default: str | None = None) -> str | None:
    """"es" or "en" when the text's words say which (more of one than the other), else `default`."""
    words = re.findall(r"[A-Z]+", fold(text))
    spanish = sum(word in SPANISH_WORDS for word in words)
    english = sum(word in ENGLISH_WORDS for word in words)
    if spanish > english:
        return "es"
    if english > spanish:
        return "en"
    return default


def has_words(text: str) -> bool:
    """Whether the text says anything beyond a postcode and filler."""
    letters = re.sub(r"[^A-Za-zÀ-ÿ]+", " ", text).split()
    return len([w for w in letters if len(w) > 2]) >= 1
