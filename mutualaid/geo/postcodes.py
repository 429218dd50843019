"""Find GB postcodes and US ZIP codes in free text (pure functions, no I/O).

Requests arrive as SMS and web forms typed by anyone ("flat 2, 14 mare st
e83rh", "Brooklyn NY 11216"), so the recognisers favour precision: a house
number, phone number, vitamin or motorway must not turn into a place. Every
pattern is a bounded regular expression plus small look-around checks, so the
work is linear in the length of the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GB_FULL, GB_SECTOR, GB_OUTWARD, US_ZIP = "gb_full", "gb_sector", "gb_outward", "us_zip"
KINDS = (GB_FULL, GB_SECTOR, GB_OUTWARD, US_ZIP)
COUNTRY_OF_KIND = {GB_FULL: "GB", GB_SECTOR: "GB", GB_OUTWARD: "GB", US_ZIP: "US"}

# The 120 areas in Code-Point Open, plus Northern Ireland and the Crown
# dependencies (real postcodes, though the GB data does not cover them).
GB_AREAS = frozenset(
    "AB AL B BA BB BD BH BL BN BR BS CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH"
    " DL DN DT DY E EC EH EN EX FK FY G GL GU HA HD HG HP HR HS HU HX IG IP IV KA"
    " KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE"
    " PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN"
    " TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE BT GY IM JE".split()
)
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO"
    " MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
    " PR VI GU AS MP FM MH PW AA AE AP".split()
)

_FLAGS = re.ASCII | re.IGNORECASE
_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"  # inward letters never use C I K M O V
_FULL_RE = re.compile(
    rf"(?<![A-Z0-9])(?P<outward>{_OUTWARD})[ \t]{{0,3}}(?P<inward>{_INWARD})(?![A-Z0-9])", _FLAGS
)
_SECTOR_RE = re.compile(
    rf"(?<![A-Z0-9])(?P<outward>{_OUTWARD})[ \t]{{1,3}}(?P<sector>[0-9])(?![A-Z0-9]|[.,][0-9])",
    _FLAGS,
)
_OUTWARD_RE = re.compile(rf"(?<![A-Z0-9])(?P<outward>{_OUTWARD})(?![A-Z0-9])", _FLAGS)
_ZIP_RE = re.compile(
    r"(?<![A-Z0-9$£€#+.\-])(?P<zip>[0-9]{5})(?:-(?P<plus4>[0-9]{4}))?(?![A-Z0-9\-]|[.,][0-9])",
    _FLAGS,
)
_WHOLE_GB_RE = re.compile(rf"(?P<outward>{_OUTWARD})(?P<inward>{_INWARD})", _FLAGS)
_WHOLE_ZIP_RE = re.compile(r"(?P<zip>[0-9]{5})(?:[ -]?(?P<plus4>[0-9]{4}))?", _FLAGS)

_POSTCODE_CUE_RE = re.compile(r"(?:post\s?code|postal\s+code|zip(?:\s?code)?)\W{0,3}(?:is\W{1,3})?$", _FLAGS)
_AREA_WORD_RE = re.compile(r"[ \t]{0,3}(?:area|district|sector)(?![A-Z0-9])", _FLAGS)
_PREVIOUS_WORD_RE = re.compile(r"([A-Z]+)[^A-Z0-9\r\n]{0,3}$", _FLAGS)
_STATE_BEFORE_RE = re.compile(r"(?<![A-Za-z])([A-Z]{2})[ \t]{0,3},?[ \t]{0,3}$")
_ORDINAL_RE = re.compile(r"1st|2nd|3rd|[04-9]th")
_PUNCTUATION = frozenset(".,;:!?)]}\"'*-")
_LINE_BREAKS = frozenset("\r\n")
_LOOKBACK = 40

# Words that, just before an outward code or sector, mean it is something else:
# "on the M6", "vitamin B12", "flat B2", "junction M1 3".
_NOT_A_PLACE_BEFORE = frozenset(
    "the vitamin junction j bus route room flat apt apartment unit block no number"
    " seat gate platform size type model version page".split()
)


@dataclass(frozen=True)
class PostcodeMatch:
    """A postcode found in text: its kind, normalised value and span in the original text."""

    kind: str
    value: str
    span: tuple[int, int]

    @property
    def country(self) -> str:
        """The ISO country code the postcode belongs to ("GB" or "US")."""
        return COUNTRY_OF_KIND[self.kind]


def normalise_gb_postcode(text: str) -> str | None:
    """Return a full GB postcode in canonical form ("e83rh" -> "E8 3RH"), or None."""
    if not isinstance(text, str):
        return None
    compact = "".join(_clean(text)[0].split()).upper()
    match = _WHOLE_GB_RE.fullmatch(compact)
    return f"{match['outward']} {match['inward']}" if match else None


def normalise_us_zip(text: str) -> str | None:
    """Return a US ZIP ("11216") or ZIP+4 ("11216-1234") in canonical form, or None."""
    if not isinstance(text, str):
        return None
    match = _WHOLE_ZIP_RE.fullmatch(_clean(text)[0].strip())
    if match is None:
        return None
    return f"{match['zip']}-{match['plus4']}" if match["plus4"] else match["zip"]


def gb_sector(value: str) -> str | None:
    """Return the sector ("E8 3") of a normalised GB full postcode or sector."""
    outward, _, inward = value.partition(" ")
    return f"{outward} {inward[0]}" if inward else None


def gb_outward(value: str) -> str:
    """Return the outward code ("E8") of a normalised GB postcode, sector or outward code."""
    return value.partition(" ")[0]


def zip5(value: str) -> str:
    """Return the five-digit ZIP of a normalised ZIP or ZIP+4."""
    return value[:5]


def approximate_label(match: PostcodeMatch) -> str:
    """Return a public label that never reveals more than a sector or a five-digit ZIP."""
    if match.kind == GB_OUTWARD:
        return gb_outward(match.value)
    if match.kind == US_ZIP:
        return zip5(match.value)
    return gb_sector(match.value) or match.value


def refines(precise: PostcodeMatch, general: PostcodeMatch) -> bool:
    """Tell whether `precise` names a place inside `general` (E8 3RH inside E8 3 and E8)."""
    if precise.kind == general.kind or precise.country != general.country:
        return False
    if general.kind == GB_OUTWARD:
        return gb_outward(precise.value) == general.value
    if general.kind == GB_SECTOR:
        return precise.kind == GB_FULL and gb_sector(precise.value) == general.value
    return False


def most_precise(matches: Sequence[PostcodeMatch]) -> list[PostcodeMatch]:
    """Drop matches that a more precise match in the same text already covers."""
    kept = []
    for match in matches:
        if any(other is not match and (refines(other, match) or _zip_refines(other, match))
               for other in matches):
            continue
        kept.append(match)
    return kept


def find_postcodes(text: str, countries: Iterable[str] = ("GB", "US")) -> list[PostcodeMatch]:
    """Find every distinct postcode in `text`, in order of appearance."""
    if not isinstance(text, str) or not text:
        return []
    wanted = {c.upper() for c in countries}
    clean, origin = _clean(text)
    found: list[tuple[int, int, str, str]] = []
    if "GB" in wanted:
        found += _gb_full(clean)
    if "US" in wanted:
        found += _us_zips(clean)
    if "GB" in wanted:
        found += _gb_partial(clean, _SECTOR_RE, GB_SECTOR, found)
        found += _gb_partial(clean, _OUTWARD_RE, GB_OUTWARD, found)
    matches, seen = [], set()
    for start, end, kind, value in sorted(found):
        if value not in seen:
            seen.add(value)
            matches.append(PostcodeMatch(kind, value, _original_span(start, end, origin)))
    return matches


def _zip_refines(precise: PostcodeMatch, general: PostcodeMatch) -> bool:
    """Tell whether a ZIP+4 sits inside a plain ZIP found in the same text."""
    return (precise.kind == general.kind == US_ZIP and len(precise.value) > len(general.value)
            and zip5(precise.value) == general.value)


def _gb_full(text: str) -> list[tuple[int, int, str, str]]:
    """Find full GB postcodes, skipping lowercase ordinals followed by a word ("b2 3rd floor")."""
    found = []
    for m in _FULL_RE.finditer(text):
        inward = m["inward"]
        if _ORDINAL_RE.fullmatch(inward) and _word_follows(text, m.end()):
            continue
        found.append((m.start(), m.end(), GB_FULL, f"{m['outward'].upper()} {inward.upper()}"))
    return found


def _gb_partial(text: str, pattern: re.Pattern[str], kind: str,
                taken: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Find sectors or outward codes that stand clearly as postcodes and overlap nothing found."""
    found, mask = [], _taken_mask(len(text), taken)
    for m in pattern.finditer(text):
        outward = m["outward"].upper()
        area = outward[:2] if outward[1].isalpha() else outward[:1]
        if area not in GB_AREAS or any(mask[m.start():m.end()]):
            continue
        if not _stands_as_postcode(text, m.start(), m.end(), loose=kind == GB_SECTOR):
            continue
        value = f"{outward} {m['sector']}" if kind == GB_SECTOR else outward
        found.append((m.start(), m.end(), kind, value))
    return found


def _us_zips(text: str) -> list[tuple[int, int, str, str]]:
    """Find ZIP / ZIP+4 codes after a state or "zip", or ending a line; never in a phone number."""
    found = []
    for m in _ZIP_RE.finditer(text):
        start, end = m.span()
        before = text[max(0, start - _LOOKBACK):start]
        if re.search(r"[0-9)][ .]?$", before) or re.match(r"[ .]?[0-9]", text[end:end + 2]):
            continue  # a digit group next to it: a phone or account number
        state = _STATE_BEFORE_RE.search(before)
        after_state = state is not None and state[1] in US_STATES
        if after_state or _POSTCODE_CUE_RE.search(before) or _line_ends_after(text, end):
            value = f"{m['zip']}-{m['plus4']}" if m["plus4"] else m["zip"]
            found.append((start, end, US_ZIP, value))
    return found


def _stands_as_postcode(text: str, start: int, end: int, *, loose: bool) -> bool:
    """Tell whether an outward code or sector is clearly meant as a postcode here."""
    before = text[max(0, start - _LOOKBACK):start]
    if _line_starts_before(text, start) and _line_ends_after(text, end):
        return True
    if _POSTCODE_CUE_RE.search(before) or _AREA_WORD_RE.match(text, end):
        return True
    previous = _PREVIOUS_WORD_RE.search(before)
    if previous and previous[1].lower() in _NOT_A_PLACE_BEFORE:
        return False
    if _line_ends_after(text, end):
        return True
    return loose and text[end:end + 1] in {",", ";", ")"}


def _line_starts_before(text: str, start: int) -> bool:
    """Tell whether only spaces and punctuation lie between the line start and `start`."""
    i = start - 1
    while i >= 0 and text[i] not in _LINE_BREAKS:
        if not (text[i].isspace() or text[i] in _PUNCTUATION):
            return False
        i -= 1
    return True


def _line_ends_after(text: str, end: int) -> bool:
    """Tell whether only spaces and punctuation lie between `end` and the end of its line."""
    i = end
    while i < len(text) and text[i] not in _LINE_BREAKS:
        if not (text[i].isspace() or text[i] in _PUNCTUATION):
            return False
        i += 1
    return True


def _word_follows(text: str, end: int) -> bool:
    """Tell whether another word follows on the same line ("3rd floor")."""
    return re.match(r"[ \t]+[A-Za-z]", text[end:end + 4]) is not None


def _taken_mask(length: int, taken: list[tuple[int, int, str, str]]) -> bytearray:
    """Mark the characters already claimed by a more specific match."""
    mask = bytearray(length)
    for start, end, _, _ in taken:
        mask[start:end] = b"\x01" * (end - start)
    return mask


def _clean(text: str) -> tuple[str, list[int] | None]:
    """Fold full-width forms (NFKC), drop format marks, blank control codes; map back to `text`."""
    if text.isascii():
        return text.translate(_ASCII_CONTROLS), None
    pieces, origin = [], []
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if category == "Cf":
            continue  # bidi marks, zero-width joiners, BOM
        if category == "Cc" and char not in "\t\r\n":
            piece = " "
        elif category in ("Zl", "Zp"):
            piece = "\n"
        else:
            piece = char if char.isascii() else unicodedata.normalize("NFKC", char)
        pieces.append(piece)
        origin.extend([index] * len(piece))
    return "".join(pieces), origin


def _original_span(start: int, end: int, origin: list[int] | None) -> tuple[int, int]:
    """Map a span in the cleaned text back onto the caller's text."""
    if origin is None:
        return (start, end)
    return (origin[start], origin[end - 1] + 1)


_ASCII_CONTROLS = {c: " " for c in range(32) if chr(c) not in "\t\r\n"} | {127: " "}
