"""Every SMS reply is short (aim: one GSM segment; never over three) in every language."""
from pathlib import Path

import pytest

from mutualaid.messaging.limits import is_gsm, segments
from mutualaid.messaging.outbox import render_sms

TEMPLATES = sorted(p.stem for p in Path(__file__).resolve().parents[2].joinpath("templates/sms").glob("*.txt"))
PARAMS = {"ref": "K7Q4M", "group": "Hackney Mutual Aid", "contact": "", "status": "cancelled",
          "items": [{"ref": "K7Q4M", "status": "open"}, {"ref": "P6H5G", "status": "claimed"}],
          "text": "On my way, 10 minutes"}


def test_there_are_templates():
    assert {"ask_what", "ask_where", "need_received", "help", "opted_out"} <= set(TEMPLATES)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_reply_is_never_over_three_segments(app, template, language):
    text = render_sms(template, language, **PARAMS)
    assert text and "{{" not in text and "_(" not in text
    assert segments(text) <= 3, (template, language, len(text))


@pytest.mark.parametrize("template", [t for t in TEMPLATES if not t.startswith("relay_")])
def test_spanish_replies_stay_in_the_gsm_alphabet(app, template):
    assert is_gsm(render_sms(template, "es", **PARAMS)), template


def test_spanish_reply_is_really_spanish(app):
    assert render_sms("ask_where", "es") != render_sms("ask_where", "en")
    assert "codigo postal" in render_sms("ask_where", "es")


def test_most_replies_fit_one_segment_in_english(app):
    single = [t for t in TEMPLATES if segments(render_sms(t, "en", **PARAMS)) == 1]
    assert len(single) >= len(TEMPLATES) * 0.6, sorted(set(TEMPLATES) - set(single))


def test_overlong_relayed_text_is_cut_to_three_segments(app):
    text = render_sms("relay_to_volunteer", "en", ref="K7Q4M", text="word " * 200)
    assert segments(text) == 3 and text.endswith("...") and is_gsm(text)
