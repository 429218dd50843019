"""Recognising SMS keywords in English and Spanish, as carriers and people use them."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from mutualaid.domain.refs import normalise_ref

# Twilio's own opt-out / opt-in / help words: matched only when they are the whole message, and
# answered by Twilio itself unless the number's Opt-Out handling is off (SMS_TWILIO_ANSWERS_KEYWORDS).
CARRIER_OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "CANCEL", "REVOKE", "OPTOUT"})
CARRIER_OPT_IN = frozenset({"START", "UNSTOP", "YES"})
CARRIER_HELP = frozenset({"HELP", "INFO"})
# Spanish opt-out words the carrier does not handle: we must confirm these ourselves.
OWN_OPT_OUT = frozenset({"PARAR", "BAJA", "DETENER"})
OWN_OPT_IN = frozenset({"ALTA", "EMPEZAR", "INICIAR", "REANUDAR"})

HELP = frozenset({"HELP", "AYUDA", "INFO"})
STATUS = frozenset({"STATUS", "ESTADO"})
CANCEL = frozenset({"CANCEL", "CANCELAR"})
DONE = frozenset({"DONE", "LISTO", "HECHO"})
LANG = frozenset({"LANG", "LANGUAGE", "IDIOMA"})
OFFER = frozenset({"OFFER", "OFREZCO", "OFRECER", "OFERTA"})
CLAIM = frozenset({"YES", "SI", "TAKE", "TOMO"})
SKIP = frozenset({"SKIP", "SALTAR", "OMITIR", "PASO"})
NEW = frozenset({"NEW", "NUEVO", "NUEVA"})
KEEP = frozenset({"KEEP", "SIGO"})
REFER = frozenset({"OTHER", "OTRO"})
FORGET = frozenset({"FORGET", "OLVIDAR", "OLVIDARME", "OLVIDAME"})
CONFIRM = frozenset({"YES", "SI"})

LANGUAGE_WORDS = {"EN": "en", "ENGLISH": "en", "INGLES": "en", "ES": "es", "ESPANOL": "es", "SPANISH": "es"}


@dataclass(frozen=True)
class Command:
    """A recognised keyword: its name, an optional reference, and any text after it."""

    # opt_out | opt_in | help | status | cancel | done | lang | offer | claim | skip | new | keep | refer | forget
    name: str
    ref: str | None = None
    rest: str = ""
    carrier_handled: bool = False


def fold(text: str) -> str:
    """Upper-case without accents, for matching keywords ("Sí" -> "SI", "Español" -> "ESPANOL")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).upper()


def parse_command(text: str) -> Command | None:
    """The keyword this message is, or None when it is ordinary text."""
    folded = fold(text).strip()
    bare = re.sub(r"[.!¡?¿\s]+$", "", folded)
    if bare in CARRIER_OPT_OUT:
        return Command("opt_out", carrier_handled=True)
    if bare in OWN_OPT_OUT:
        return Command("opt_out")
    if bare in CARRIER_OPT_IN:
        # A bare YES is also an answer ("did you get it?"); the dialogue opts in only the opted out.
        return Command("opt_in", rest=bare, carrier_handled=True)
    if bare in OWN_OPT_IN:
        return Command("opt_in")
    words = bare.split()
    if not words:
        return None
    head, tail = words[0], words[1:]
    original_rest = text.strip().split(None, 1)[1] if len(text.strip().split(None, 1)) > 1 else ""
    if head in FORGET and not tail:
        return Command("forget")
    if head in FORGET and len(tail) == 1 and tail[0] in CONFIRM:
        return Command("forget", rest="confirmed")
    if head in HELP and not tail:
        return Command("help", carrier_handled=head in CARRIER_HELP)
    if head in STATUS and not tail:
        return Command("status")
    if head in SKIP and not tail:
        return Command("skip")
    if head in LANG and len(tail) <= 1:
        return Command("lang", rest=LANGUAGE_WORDS.get(tail[0], "") if tail else "")
    if head in OFFER:
        return Command("offer", rest=original_rest)
    if head in NEW:
        return Command("new", rest=original_rest)
    if head in (CANCEL | DONE | CLAIM | KEEP | REFER) and len(tail) == 1 and (ref := normalise_ref(tail[0])):
        name = ("cancel" if head in CANCEL else "done" if head in DONE else "claim" if head in CLAIM
                else "keep" if head in KEEP else "refer")
        return Command(name, ref=ref)
    return None
