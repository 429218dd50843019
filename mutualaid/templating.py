"""Template filters and globals: labels for codes, ages, the language switch."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from mutualaid.domain.categories import BY_CODE, LANGUAGE_NAMES
from mutualaid.domain.lifecycle import TRANSITIONS
from mutualaid.main.forms import LanguageForm

CATEGORY_LABELS = {
    "groceries": _l("Groceries and food"),
    "medicine": _l("Medicine or prescription pickup"),
    "transport": _l("A ride"),
    "errand": _l("An errand"),
    "company": _l("A phone call or a visit"),
    "childcare": _l("Childcare"),
    "household": _l("Household items"),
    "paperwork": _l("Help with forms or paperwork"),
    "pets": _l("Pet care"),
    "other": _l("Something else"),
}
URGENCY_LABELS = {"today": _l("Today"), "soon": _l("In the next 2–3 days"), "this_week": _l("This week")}
STATUS_LABELS = {
    "draft": _l("not finished"), "open": _l("open"), "claimed": _l("someone is helping"),
    "fulfilled": _l("done"), "cancelled": _l("cancelled"), "expired": _l("expired"),
    "referred": _l("referred to another group"), "reserved": _l("reserved"), "given": _l("given"),
    "withdrawn": _l("withdrawn"), "pending": _l("awaiting approval"), "approved": _l("approved"),
    "paused": _l("paused"), "rejected": _l("not approved"),
}
LOCATION_LABELS = {
    "located": _l("found"), "approximate": _l("found (approximate)"), "unknown": _l("location unknown"),
    "not_found": _l("place not found"), "ambiguous": _l("more than one place given"),
    "out_of_area": _l("outside our area"),
}

assert set(CATEGORY_LABELS) == set(BY_CODE), "every category needs a translatable label"


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


def init_app(app: Flask) -> None:
    """Register filters and globals."""
    app.jinja_env.filters["category_label"] = lambda code: CATEGORY_LABELS.get(code, code)
    app.jinja_env.filters["urgency_label"] = lambda code: URGENCY_LABELS.get(code, code)
    app.jinja_env.filters["status_label"] = lambda code: STATUS_LABELS.get(code, code)
    app.jinja_env.filters["location_label"] = lambda code: LOCATION_LABELS.get(code, code)
    app.jinja_env.filters["age"] = age
    app.jinja_env.globals["allowed_vetting"] = lambda status: TRANSITIONS["volunteer"].get(status, ())

    @app.context_processor
    def shared():
        """Values every page uses (the language switch, current locale)."""
        return {
            "language_names": LANGUAGE_NAMES,
            "current_language": str(get_locale() or "en"),
            "language_form": LanguageForm(),
        }
