"""A group's public page: what it did for its neighbours, in numbers that name nobody."""
from __future__ import annotations

from datetime import date

from babel.dates import format_skeleton
from flask import render_template
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from mutualaid.coordination.public_figures import SMALLEST_SHOWN, group_figures
from mutualaid.public import bp


def describe_hours(hours: float | None) -> str:
    """A waiting time in words: under an hour, in hours up to two days, else in days."""
    if hours is None:
        return ""
    if hours < 1:
        return _("less than an hour")
    if hours < 47.5:
        return ngettext("%(num)d hour", "%(num)d hours", round(hours))
    return ngettext("%(num)d day", "%(num)d days", round(hours / 24))


def day_month(day: date, short: bool = False) -> str:
    """A day and month as the reader's language writes them ("November 1", "1 de noviembre")."""
    return format_skeleton("MMMd" if short else "MMMMd", day, locale=get_locale() or "en")


@bp.route("/groups/<slug>")
def group(slug):
    """The group's figures: requests met this month, time to help, what is waiting, weekly requests."""
    figures = group_figures(slug)
    return render_template("public/group.html", figures=figures, waited=describe_hours(figures.median_hours_to_help),
                           smallest=SMALLEST_SHOWN, day_month=day_month)
