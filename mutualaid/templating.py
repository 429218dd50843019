"""Template filters and globals: labels for codes, ages, the language switch."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Flask, has_request_context
from jinja2 import pass_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from mutualaid.domain.categories import LANGUAGE_NAMES
from mutualaid.domain.transitions import TRANSITIONS
from mutualaid.domain.phones import display_phone
from mutualaid.labels import (
    AGE_WORDS,
    CATEGORY_LABELS,
    CLAIM_LABELS,
    LOCATION_LABELS,
    MESSAGE_STATUS_LABELS,
    REASON_LABELS,
    STATUS_ACTION_LABELS,
    STATUS_LABELS,
    STEP_LABELS,
    URGENCY_LABELS,
    VIA_LABELS,
    action_label,
    country_name,
    detail_text,
    readable,
    texting_refusal_label,
)
from mutualaid.messaging.costs import texting_refusal
from mutualaid.messaging.outbox import may_text


def age(value: datetime | None, now: datetime | None = None) -> str:
    """How long ago, in the largest sensible unit ("3 h", "2 d")."""
    if value is None:
        return ""
    seconds = ((now or datetime.now(timezone.utc)) - value).total_seconds()
    if seconds < 3600:
        return f"{max(int(seconds // 60), 0)} min"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"


def when(value: datetime | None, zone: str | None = None) -> str:
    """A moment in words for the reader's language, in the group's time zone ("Fri 4 Dec, 14:05")."""
    if value is None:
        return ""
    return format_datetime(value, "EEE d MMM, HH:mm", tzinfo=ZoneInfo(zone or "Europe/London"),
                           locale=str(get_locale() or "en"))


def hours(value: float | None) -> str:
    """An age given in hours, in the largest sensible unit ("40 min", "3 h", "2 d")."""
    if value is None:
        return ""
    if value < 1:
        return f"{int(value * 60)} min"
    if value < 48:
        return f"{int(value)} h"
    return f"{int(value // 24)} d"


def reasons_text(reasons) -> str:
    """The matcher's reasons in words: "0.5 km, speaks Spanish, has a car, 1 on the go"."""
    words = []
    for code, value in reasons:
        if code == "distance_km":
            words.append(_l("%(km)s km", km=value))
        elif code == "speaks":
            words.append(_l("speaks %(language)s", language=LANGUAGE_NAMES.get(value, value)))
        elif code == "has_car" and value:
            words.append(_l("has a car"))
        elif code == "workload":
            words.append(_l("%(n)s on the go", n=value))
    return ", ".join(str(w) for w in words)


# Filters whose words depend on the reader's language. Jinja works out a filter on a constant (such as
# `"green"|age_word`) once, when it compiles the template, so those words would stay in the language of
# whoever opened the page first; marked as needing the render's context, they are worked out per page.
WORD_FILTERS = ("category_label", "urgency_label", "status_label", "status_action", "location_label", "hours",
                "claim_label", "reason_label", "reasons_text", "age_word", "step_label", "message_status_label",
                "via_label", "action_label", "readable", "texting_refusal_label", "country_name")


def per_render(fn):
    """The filter `fn`, worked out each time a page is rendered (never folded in at compile time)."""
    @pass_context
    def filter_(_context, *args, **kwargs):
        return fn(*args, **kwargs)
    return filter_


def init_app(app: Flask) -> None:
    """Register filters and globals; a missing value prints as nothing, never as "None"."""
    app.jinja_env.finalize = lambda value: "" if value is None else value
    app.jinja_env.filters["category_label"] = lambda code: CATEGORY_LABELS.get(code) or readable(code)
    app.jinja_env.filters["urgency_label"] = lambda code: URGENCY_LABELS.get(code) or readable(code)
    app.jinja_env.filters["status_label"] = lambda code: STATUS_LABELS.get(code) or readable(code)
    app.jinja_env.filters["status_action"] = lambda code: STATUS_ACTION_LABELS.get(code) or readable(code)
    app.jinja_env.filters["location_label"] = lambda code: LOCATION_LABELS.get(code) or readable(code)
    app.jinja_env.filters["age"] = age
    app.jinja_env.filters["hours"] = hours
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["claim_label"] = lambda code: CLAIM_LABELS.get(code) or readable(code)
    app.jinja_env.filters["reason_label"] = lambda code: REASON_LABELS.get(code) or readable(code)
    app.jinja_env.filters["reasons_text"] = reasons_text
    app.jinja_env.filters["age_word"] = lambda colour: AGE_WORDS.get(colour, colour)
    app.jinja_env.filters["step_label"] = lambda step: STEP_LABELS.get(step, step)
    app.jinja_env.filters["phone"] = display_phone
    app.jinja_env.filters["reject_page"] = lambda args: {k: v for k, v in args.items() if k != "page"}
    app.jinja_env.filters["message_status_label"] = lambda code: MESSAGE_STATUS_LABELS.get(code) or readable(code)
    app.jinja_env.filters["via_label"] = lambda code: VIA_LABELS.get(code) or readable(code)
    app.jinja_env.filters["action_label"] = action_label
    app.jinja_env.filters["readable"] = readable
    app.jinja_env.globals["detail_text"] = detail_text
    app.jinja_env.globals["allowed_vetting"] = lambda status: TRANSITIONS["volunteer"].get(status, ())
    app.jinja_env.globals["may_text"] = may_text
    app.jinja_env.filters["texting_refusal_label"] = texting_refusal_label
    app.jinja_env.filters["country_name"] = country_name
    app.jinja_env.globals["texting_refusal"] = texting_refusal
    for name in WORD_FILTERS:
        app.jinja_env.filters[name] = per_render(app.jinja_env.filters[name])

    @app.context_processor
    def shared():
        """Values every page uses (the language switch, current locale); none outside requests."""
        if not has_request_context():
            return {}
        return {
            "language_names": LANGUAGE_NAMES,
            "current_language": str(get_locale() or "en"),
        }
