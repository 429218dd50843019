"""How a browser request says who it is: the login session cookie (API tokens: see api.auth)."""
from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l

from mutualaid.extensions import db, login_manager
from mutualaid.models import Person
from mutualaid.sms.hooks import is_twilio_webhook


def init_app(app: Flask) -> None:
    """Configure Flask-Login for sessions and bearer tokens."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see that page.")
    login_manager.session_protection = "basic"
    app.session_interface = BrowserSessions()


class BrowserSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, for browsers only: Twilio's webhooks (/sms/) send no cookie.

    Giving them Flask's null session skips building a signing serializer and saving a session on
    every text, a measurable part of the webhook's CPU time (bench/sms_inbound.py).
    """

    def open_session(self, app, request):
        """No session under /sms/ (Flask then uses its read-only null session)."""
        if is_twilio_webhook(request):
            return None
        return super().open_session(app, request)


@login_manager.user_loader
def load_user(user_id: str) -> Person | None:
    """Find the person in a session cookie; a rotated session token ends old sessions."""
    person_id, _, token = user_id.partition(":")
    if not person_id.isdigit():
        return None
    person = db.session.get(Person, int(person_id))
    if person is None or person.erased_at is not None or person.session_token != token:
        return None
    return person
