"""Privacy rules: what a volunteer may see of a need before claiming it (DESIGN.md §4)."""
from __future__ import annotations

import functools
import math
import re

import phonenumbers

# Public points are snapped to a grid of about this many metres, so distances shown
# to volunteers cannot be used to triangulate a requester's door.
PUBLIC_GRID_METRES = 400.0
METRES_PER_DEGREE_LAT = 111_320.0


def approximate_point(lat: float, lon: float, grid_m: float = PUBLIC_GRID_METRES) -> tuple[float, float]:
    """Snap a point to the centre of its grid cell (about `grid_m` metres square)."""
    lat_step = grid_m / METRES_PER_DEGREE_LAT
    snapped_lat = (math.floor(lat / lat_step) + 0.5) * lat_step
    lon_step = grid_m / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(snapped_lat)), 0.01))
    snapped_lon = (math.floor(lon / lon_step) + 0.5) * lon_step
    return round(snapped_lat, 5), round(snapped_lon, 5)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points."""
    rlat1, rlat2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = rlat2 - rlat1, math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(rlat1) * math.cos(rlat2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def rounded_distance_km(km: float) -> float:
    """Distances shown before a claim are coarse: 0.5 km steps (at least 0.5)."""
    return max(0.5, round(km * 2) / 2)


def mask_phone(e164: str | None) -> str:
    """Show only the last two digits of a phone number (for coordinator lists)."""
    if not e164:
        return ""
    return "•" * max(len(e164) - 2, 0) + e164[-2:]


_HIDDEN = "[hidden]"
_MIN_SECRET = 3
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b", re.IGNORECASE)


def private_fragments(*, name: str = "", address: str = "", phone: str = "", email: str = "") -> tuple[str, ...]:
    """The pieces of a person's data worth hiding: each address part, each word of the name."""
    parts = [p.strip() for p in re.split(r"[,;\n]", address or "")]
    parts += (name or "").split() + [name or "", phone or "", email or ""]
    if phone and phone.startswith("+44"):
        parts.append("0" + phone[3:])
    return tuple(p for p in parts if len(p.strip()) >= _MIN_SECRET)


def redact_details(details: str, *, secrets: tuple[str, ...] = (), region: str = "GB") -> str:
    """Hide phone numbers, emails, full postcodes and given private strings in free text.

    People sometimes type their number or address into the details box; before a claim,
    volunteers must not see them (DESIGN.md §4). A pure function of its arguments, so the last
    few thousand answers are remembered: the same open needs are listed again and again.
    """
    return _redact(details, tuple(secrets), region)


@functools.lru_cache(maxsize=8192)
def _redact(details: str, secrets: tuple[str, ...], region: str) -> str:
    """redact_details, remembered."""
    text = details
    for secret in sorted({s.strip() for s in secrets if len(s.strip()) >= _MIN_SECRET}, key=len, reverse=True):
        text = _hide_whole_words(text, secret)
    matches = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE)
    for match in reversed(list(matches)):
        text = text[:match.start] + _HIDDEN + text[match.end:]
    text = _EMAIL.sub(_HIDDEN, text)
    return _POSTCODE.sub(_HIDDEN, text)


def _is_word_char(char: str) -> bool:
    """What the regex `\\w` matches, for an ASCII character."""
    return char.isalnum() or char == "_"


def _hide_whole_words(text: str, secret: str) -> str:
    """`text` with every case-insensitive, whole-word occurrence of `secret` replaced by [hidden].

    For ASCII text and secret this is a plain search on lower-cased copies (same positions), so no
    pattern is compiled: every need has different secrets, and compiling one per need and per
    secret was most of the cost of listing needs. Otherwise the equivalent regular expression.
    """
    if not (text.isascii() and secret.isascii()):
        return re.sub(rf"(?<!\w){re.escape(secret)}(?!\w)", _HIDDEN, text, flags=re.IGNORECASE)
    low, needle = text.lower(), secret.lower()
    pieces, kept_from, at = [], 0, low.find(needle)
    while at != -1:
        end = at + len(needle)
        if (at == 0 or not _is_word_char(low[at - 1])) and (end == len(low) or not _is_word_char(low[end])):
            pieces += [text[kept_from:at], _HIDDEN]
            kept_from = end
            at = low.find(needle, end)
        else:
            at = low.find(needle, at + 1)
    return "".join(pieces + [text[kept_from:]]) if pieces else text
