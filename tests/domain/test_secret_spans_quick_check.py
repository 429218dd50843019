"""Looking for a person's own contact values first with a plain search finds exactly what the
patterns alone find (hypothesis, against the patterns run on every value)."""
from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from mutualaid.domain.privacy import _MIN_SECRET, _secret_spans


def every_pattern(text: str, secrets) -> list[tuple[int, int, str]]:
    """The spans as found before the quick check: every value's pattern run on the text."""
    spans = []
    for kind, value in secrets:
        value = value.strip()
        if len(value) < _MIN_SECRET:
            continue
        pattern = rf"(?<!\w){re.escape(value)}(?!\w)"
        if kind == "phone":
            digits = re.sub(r"\D", "", value)
            pattern = r"(?<!\d)\+?" + r"[\s().-]*".join(digits) + r"(?!\d)"
        spans += [(m.start(), m.end(), kind) for m in re.finditer(pattern, text, re.IGNORECASE)]
    return spans


pieces = st.sampled_from(["Ada", "ADA", "ada", "Lovelace", "12 Mare Street", "mare street", "07911 123 456",
                          "+44 7911 123456", "(0)7911-123-456", "ada@example.org", "Ñoño", "ñOÑO", "straße",
                          "STRASSE", "ſtreet", "K", "\u212a", "İstanbul", "istanbul", "٠٧٩١١", " ", ", ", "-", "."])
texts = st.lists(st.one_of(pieces, st.text(max_size=6)), max_size=12).map("".join)
values = st.one_of(pieces, st.text(min_size=0, max_size=8))
secrets_ = st.lists(st.tuples(st.sampled_from(["name", "address", "phone", "email"]), values), max_size=5)


@settings(max_examples=500, deadline=None)
@given(text=texts, secrets=secrets_)
@example(text="Call 07911 123 456 please", secrets=[("phone", "+447911123456"), ("phone", "07911 123456")])
@example(text="ſtreet party", secrets=[("address", "street")])
@example(text="\u212aate", secrets=[("name", "Kate")])
@example(text="Ask for ADA at 12 MARE STREET", secrets=[("name", "Ada"), ("address", "12 Mare Street")])
@example(text="no digits", secrets=[("phone", "---")])
def test_the_quick_check_changes_nothing(text, secrets):
    assert _secret_spans(text, tuple(secrets)) == every_pattern(text, tuple(secrets))
