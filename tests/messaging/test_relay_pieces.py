"""A person's words passed on through the group's number arrive whole, in as many texts as they need."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutualaid.extensions import db
from mutualaid.messaging.limits import MAX_SEGMENTS, segments, split_to_fit
from mutualaid.models import Message
from tests.builders import make_group, make_need, make_volunteer
from tests.sms_helpers import GROUP_NUMBER, sms_config, text_in


REQUESTER, HELPER = "+447911123456", "+447911123460"
words = st.lists(st.one_of(st.text("abcdefghij", min_size=1, max_size=12), st.sampled_from(["🙂", "ñ", "€", "é"]),
                           st.text("x", min_size=60, max_size=200)), max_size=150)


@given(st.sampled_from(["From your volunteer (K7Q4M):", "De K7Q4M:"]), words)
def test_every_piece_fits_and_together_they_are_the_whole_text(prefix, parts):
    text = " ".join(parts)
    pieces = split_to_fit(prefix, text)
    assert all(segments(f"{prefix} {piece}") <= MAX_SEGMENTS for piece in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")
    assert all(pieces) or pieces == [""]
    if segments(f"{prefix} {text}") <= MAX_SEGMENTS:
        assert pieces == [text]


@pytest.fixture
def config_overrides():
    """Console SMS, with a known webhook token."""
    return sms_config()


def test_a_long_reply_with_an_emoji_reaches_the_volunteer_whole(client, app):
    group = make_group(phone_number=GROUP_NUMBER)
    volunteer = make_volunteer(group, phone=HELPER)
    need = make_need(phone=REQUESTER)
    from mutualaid.claims.actions import claim_need

    claim_need(volunteer, need.ref)
    reply = ("Thank you so much 🙏 the door is round the back past the bins, ring twice and wait, I am slow "
             "on the stairs. Please get semi-skimmed milk, brown bread, six eggs, two tins of soup (not "
             "tomato), bananas and the small jar of instant coffee. I will pay you back in cash at the door.")
    text_in(client, reply, sender=REQUESTER)
    texts = [m.body for m in db.session.execute(db.select(Message).where(
        Message.to_number == HELPER, Message.template == "relay_to_volunteer").order_by(Message.id)).scalars()]
    assert len(texts) == 2 and all(segments(t) <= MAX_SEGMENTS for t in texts)
    prefix = f"From {need.ref}: "
    assert all(t.startswith(prefix) for t in texts)
    assert " ".join(t.removeprefix(prefix) for t in texts) == reply
