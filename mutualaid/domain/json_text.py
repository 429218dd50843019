"""How deeply a JSON text nests, counted without parsing it (a parser recurses, and a deep text exhausts it)."""
from __future__ import annotations

import re

# A JSON string (with its escapes; written so that a long string is one fast run): brackets inside one do
# not nest anything.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def nesting_depth(text: str, *, stop_above: int | None = None) -> int:
    """The deepest nesting of arrays and objects in `text` (counting stops once past `stop_above`, if given);
    a malformed text may be over-counted, never under."""
    depth = deepest = 0
    for bracket in _BRACKETS.finditer(_STRING.sub("", text)):
        if bracket.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if stop_above is not None and deepest > stop_above:
                break
        else:
            depth -= 1
    return deepest


def nests_deeper_than(text: str, limit: int) -> bool:
    """Whether `text` nests deeper than `limit`; a text with no more opening brackets than that is not counted."""
    return text.count("[") + text.count("{") > limit and nesting_depth(text, stop_above=limit) > limit
