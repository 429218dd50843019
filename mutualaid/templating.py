"""Template filters and globals: labels for codes, ages, the language switch."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask, has_request_context
from flask_babel import get_locale

from mutualaid.domain.categories import LANGUAGE_NAMES
from mutualaid.domain.lifecycle import TRANSITIONS
from mutualaid.labels import CATEGORY_LABELS, CLAIM_LABELS, REASON_LABELS, LOCATION_LABELS, STATUS_LABELS, URGENCY_LABELS
from mutualaid.main.forms import LanguageForm



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


def hours(value: float | None) -> str:
    """An age given in hours, in the largest sensible unit ("40 min", "3 h", "2 d")."""
    if value is None:
        return ""
    if value < 1:
        return f"{int(value * 60)} min"
    if value < 48:
        return f"{int(value)} h"
    return f"{int(value // 24)} d"


def init_app(app: Flask) -> None:
    """Register filters and globals."""
    app.jinja_env.filters["category_label"] = lambda code: CATEGORY_LABELS.get(code, code)
    app.jinja_env.filters["urgency_label"] = lambda code: URGENCY_LABELS.get(code, code)
    app.jinja_env.filters["status_label"] = lambda code: STATUS_LABELS.get(code, code)
    app.jinja_env.filters["location_label"] = lambda code: LOCATION_LABELS.get(code, code)
    app.jinja_env.filters["age"] = age
    app.jinja_env.filters["hours"] = hours
    app.jinja_env.filters["claim_label"] = lambda code: CLAIM_LABELS.get(code, code)
    app.jinja_env.filters["reason_label"] = lambda code: REASON_LABELS.get(code, code)
    app.jinja_env.globals["allowed_vetting"] = lambda status: TRANSITIONS["volunteer"].get(status, ())

    @app.context_processor
    def shared():
        """Values every page uses (the language switch, current locale); none outside requests."""
        if not has_request_context():
            return {}
        return {
            "language_names": LANGUAGE_NAMES,
            "current_language": str(get_locale() or "en"),
            "language_form": LanguageForm(),
        }
