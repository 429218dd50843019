"""How long a need has waited, measured against how soon it was wanted (pure: no Flask, no database).

A "today" request twenty hours old is overdue, while a "this week" one is still new at two
days. Each urgency has two thresholds in hours: below the first it is green ("new"), below
the second amber ("waiting"), from the second red ("overdue").
"""
from __future__ import annotations

from collections.abc import Mapping

COLOURS = ("green", "amber", "red")  # fresher first
URGENCIES = ("today", "soon", "this_week")  # most urgent first
DEFAULT_URGENCY = "soon"  # what intake stores when nobody said
# urgency -> (amber from, red from), in hours since the request was made
DEFAULT_WAIT_HOURS: dict[str, tuple[float, float]] = {
    "today": (4, 12),
    "soon": (24, 72),
    "this_week": (72, 168),
}


def wait_table(configured: object = None) -> dict[str, tuple[float, float]]:
    """The thresholds to use, from a group's `settings["age_colours"]` laid over the defaults.

    `configured` may map urgencies to [amber, red] hours, or be the older [amber, red] pair in
    days, which sets "soon". Whatever is given, red never comes before amber, and a more urgent
    request never turns amber or red later than a less urgent one of the same age.
    """
    table = dict(DEFAULT_WAIT_HOURS)
    if isinstance(configured, Mapping):
        for urgency, pair in configured.items():
            if urgency in table and _pair(pair) is not None:
                table[urgency] = _pair(pair)
    elif _pair(configured) is not None:
        amber, red = _pair(configured)
        table[DEFAULT_URGENCY] = (amber * 24, red * 24)
    ordered: dict[str, tuple[float, float]] = {}
    later = (float("inf"), float("inf"))
    for urgency in reversed(URGENCIES):
        amber, red = table[urgency]
        amber, red = min(amber, later[0]), min(max(amber, red), later[1])
        ordered[urgency] = later = (amber, red)
    return {urgency: ordered[urgency] for urgency in URGENCIES}


def _pair(value: object) -> tuple[float, float] | None:
    """Two non-negative numbers, or None for anything else."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in value):
        return None
    return float(value[0]), float(value[1])


def wait_colour(hours: float, urgency: str | None, table: Mapping[str, tuple[float, float]] = DEFAULT_WAIT_HOURS
                ) -> str:
    """green, amber or red for a need of this urgency that has waited `hours` (unknown urgency: "soon")."""
    amber, red = table.get(urgency or DEFAULT_URGENCY) or table[DEFAULT_URGENCY]
    return "green" if hours < amber else "amber" if hours < red else "red"


def pressing(colour: str) -> int:
    """How pressing a colour is: 0 for green, 2 for red (to pick the most pressing of several)."""
    return COLOURS.index(colour) if colour in COLOURS else 0
