"""Choosing the language a person sees: their choice, remembered; else their browser's."""
from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user

LANGUAGE_COOKIE = "lang"


def supported(code: str | None) -> str | None:
    """Return `code` if the app speaks it, else None."""
    return code if code in current_app.config["LANGUAGES"] else None


def select_locale() -> str:
    """Explicit choice (session/cookie/account) first, then Accept-Language, then English."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    for code in (
        session.get("lang"),
        request.cookies.get(LANGUAGE_COOKIE),
        getattr(current_user, "language", None) if current_user and current_user.is_authenticated else None,
    ):
        if supported(code):
            return code
    return request.accept_languages.best_match(current_app.config["LANGUAGES"]) or "en"


def N_(text: str) -> str:
    """Mark a string for translation without translating it yet (for domain labels)."""
    return text
