"""SMS arithmetic: segments, quiet hours, retry backoff, rate caps (pure functions)."""
from __future__ import annotations

from datetime import datetime, timedelta

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€")
_GSM = frozenset(GSM_BASIC | GSM_EXTENDED)
MAX_SEGMENTS = 3
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(minutes=15)


def is_gsm(text: str) -> bool:
    """Whether the text fits the GSM 7-bit alphabet (else it is sent as UCS-2)."""
    return _GSM.issuperset(text)


_LOOKALIKES = str.maketrans({"á": "a", "í": "i", "ó": "o", "ú": "u", "Á": "A", "Í": "I", "Ó": "O", "Ú": "U",
                             "‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."})


def gsm_lookalikes(text: str) -> str:
    """Swap characters outside the GSM alphabet for close look-alikes (á -> a, curly quotes -> straight).

    One such character would make the whole message UCS-2: 70 characters a segment, not 160.
    """
    return text.translate(_LOOKALIKES)


def segments(text: str) -> int:
    """How many SMS segments the text takes (160/153 GSM-7, 70/67 UCS-2)."""
    if is_gsm(text):
        units = len(text) + sum(text.count(ch) for ch in GSM_EXTENDED)  # extended characters take two
        single, multi = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
    if units <= single:
        return 1
    return -(-units // multi)


def fit(text: str, max_segments: int = MAX_SEGMENTS) -> str:
    """Shorten text (with an ellipsis) so it never takes more than `max_segments` segments."""
    if segments(text) <= max_segments:
        return text
    ellipsis = "..." if is_gsm(text) else "…"  # "…" itself would make a GSM text UCS-2
    while text and segments(text + ellipsis) > max_segments:
        text = text[:-1]
    return text.rstrip() + ellipsis


def split_to_fit(prefix: str, text: str, max_segments: int = MAX_SEGMENTS) -> list[str]:
    """`text` in pieces, each of which fits `max_segments` after `prefix` and a space, cut between words
    where a word boundary lies in the second half of a piece; all of it, in order.

    A person's own words passed on (the relay) are never shortened: a long one goes in several texts.
    """
    text = " ".join(text.split())
    pieces = []
    while segments(f"{prefix} {text}") > max_segments:
        low, high = 1, len(text)  # the longest start of `text` that fits (at least one character)
        while low < high:
            middle = (low + high + 1) // 2
            if segments(f"{prefix} {text[:middle]}") <= max_segments:
                low = middle
            else:
                high = middle - 1
        cut = text.rfind(" ", 0, low + 1)
        cut = cut if cut > low // 2 else low
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*pieces, text] if text or not pieces else pieces


def in_quiet_hours(local: datetime, start: int, end: int) -> bool:
    """Whether a local time falls in quiet hours [start, end) (which may wrap midnight)."""
    if start == end:
        return False
    hour = local.hour
    return start <= hour < end if start < end else hour >= start or hour < end


def quiet_hours_end(local: datetime, start: int, end: int) -> datetime:
    """The first moment after `local` outside quiet hours (aware, same zone)."""
    if not in_quiet_hours(local, start, end):
        return local
    candidate = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate += timedelta(days=1)
    return candidate


def retry_delay(attempts: int) -> timedelta:
    """Capped exponential backoff: 30 s, 1 min, 2 min, … at most 15 min."""
    return min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_CAP)
