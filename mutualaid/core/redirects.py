"""Where a `next` parameter may send a browser: only to a path on this site."""
from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

MAX_TARGET = 2048


def _unsafe_character(char: str) -> bool:
    """Control and format characters (browsers drop tabs and newlines), backslashes (read as slashes)."""
    return char == "\\" or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")


def local_path(target: str | None, default: str) -> str:
    """`target` when a browser would stay on this site following it, else `default`.

    Only a path that starts with exactly one slash is followed: no scheme, no host, no `//` or `/\\`,
    no control characters anywhere (a tab in `/\\t/evil.example` is dropped by browsers and by the
    header, leaving `//evil.example`).
    """
    if not isinstance(target, str) or not target or len(target) > MAX_TARGET:
        return default
    if not target.startswith("/") or target.startswith("//") or any(map(_unsafe_character, target)):
        return default
    try:
        parts = urlsplit(target)
    except ValueError:
        return default
    if parts.scheme or parts.netloc:
        return default
    return target
