"""Counting how deeply a JSON text nests, without parsing it."""
from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from mutualaid.domain.json_text import nesting_depth, nests_deeper_than

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(alphabet="[]{}\\\"ab,: \x00é"),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet="[]{}\\\"a"), inner,
                                                                                 max_size=3), max_leaves=20)


def depth(value) -> int:
    """The nesting depth of a Python value as JSON would write it."""
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    return 0


@given(JSON, st.booleans())
def test_the_count_matches_the_values_nesting_whatever_its_strings_hold(value, ascii_only):
    assert nesting_depth(json.dumps(value, ensure_ascii=ascii_only)) == depth(value)


@given(st.integers(min_value=0, max_value=3000))
def test_unclosed_brackets_are_counted_without_recursion(n):
    assert nesting_depth("[" * n) == n
    assert nesting_depth('{"a": ' * n) == n


@given(JSON, st.integers(min_value=0, max_value=6))
def test_deeper_than_agrees_with_the_count(value, limit):
    text = json.dumps(value)
    assert nests_deeper_than(text, limit) == (depth(value) > limit)
