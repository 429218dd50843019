"""How a claimer finds the place: the address as given and a maps link, or that only a postcode was given
(pure: plain text in, plain values out)."""
from __future__ import annotations

import re
from urllib.parse import quote

from mutualaid.geo.postcodes import find_postcodes

# Google's documented cross-platform Maps URL: an Android or iOS phone with Google Maps opens it in
# the app, and any other browser gets the web search. It searches the address as written.
MAPS_SEARCH = "https://www.google.com/maps/search/?api=1&query="
# Words that can sit beside a postcode without making it an address ("postcode E8 3RH, London").
_FILLER = frozenset("postcode post code zip zipcode postal my is area near uk gb usa london".split())
_WORD = re.compile(r"\w+")


def only_a_postcode(address: str) -> bool:
    """Whether the place given is a postcode or ZIP (or part of one) and nothing that finds a door."""
    rest = address or ""
    for match in find_postcodes(rest):
        start, end = match.span
        rest = rest[:start] + " " + rest[end:]
    return not [w for w in _WORD.findall(rest.lower()) if w not in _FILLER]


def directions(address: str) -> dict:
    """What the claimer is shown: the address, a maps link for it, and whether to ask for more."""
    address = (address or "").strip()
    if not address:
        return {"address": "", "maps_url": None, "ask": "none"}
    if only_a_postcode(address):
        return {"address": address, "maps_url": None, "ask": "postcode"}
    return {"address": address, "maps_url": MAPS_SEARCH + quote(address, safe=""), "ask": ""}
