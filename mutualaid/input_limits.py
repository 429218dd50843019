"""The safety net under every form and query, checked before anything else reads them: too many fields or
too long a field is refused with a 413, and NUL characters are taken out.

Nobody types a NUL, and PostgreSQL cannot store one, but text pasted from another program can carry
one the person cannot see and could not remove: taking it out keeps their request (refusing it would
lose it). The API refuses a NUL instead (see api/body.py): a program sent it and is told what to fix.
Twilio's webhooks are left to their own path: their body is signed as sent, and the SMS path cleans
control characters out of a text before storing it.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, current_app, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from mutualaid.sms.hooks import is_twilio_webhook

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def has_nul(value) -> bool:
    """Whether a string, or any key or string inside a JSON value, holds a NUL character."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def without_nul(pairs: Iterable[tuple[str, str]]) -> ImmutableMultiDict | None:
    """The pairs with NUL characters taken out of names and values, or None when there were none."""
    pairs = list(pairs)
    if not any(NUL in name or NUL in value for name, value in pairs):
        return None
    return ImmutableMultiDict([(name.replace(NUL, ""), value.replace(NUL, "")) for name, value in pairs])


def check_submitted() -> None:
    """Before any view: refuse a form with too many or too long fields (multipart forms are refused so by
    Werkzeug while parsing; this catches the url-encoded kind), and take NULs out of a form and a query."""
    if is_twilio_webhook(request):
        return
    if request.mimetype in FORM_TYPES:
        fields = list(request.form.items(multi=True))
        longest = max((len(value) for name, value in fields), default=0)
        if len(fields) > current_app.config["MAX_FORM_PARTS"] or longest > current_app.config["MAX_FORM_MEMORY_SIZE"]:
            raise RequestEntityTooLarge()
        if (cleaned := without_nul(fields)) is not None:
            request.form = cleaned
    if (cleaned := without_nul(request.args.items(multi=True))) is not None:
        request.args = cleaned


def init_app(app: Flask) -> None:
    """Run the check before every other hook (the CSRF check reads the form too)."""
    app.before_request_funcs.setdefault(None, []).insert(0, check_submitted)
