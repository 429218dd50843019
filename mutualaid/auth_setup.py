"""How a browser request says who it is: the login session cookie (API tokens: see api.auth)."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, current_app, flash, g, redirect, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_url

from mutualaid import plain_http
from mutualaid.core.redirects import local_path
from mutualaid.extensions import login_manager
from mutualaid.models import Person
from mutualaid.people.login import resume_login, session_limits
from mutualaid.sms.hooks import is_twilio_webhook

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Configure Flask-Login for sessions and bearer tokens."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see that page.")
    login_manager.localize_callback = login_message
    login_manager.session_protection = "basic"
    login_manager.unauthorized_handler(ask_to_log_in)
    app.session_interface = BrowserSessions()
    warn_of_per_process_limits(app)
    plain_http.init_app(app)


def warn_of_per_process_limits(app: Flask) -> None:
    """In production, say once at start-up when login limits are counted per process (memory://): each
    web worker then allows the full number of tries."""
    if app.config.get("ENV_NAME") == "production" and app.config.get("RATELIMIT_ENABLED") and \
            str(app.config.get("RATELIMIT_STORAGE_URI", "memory://")).startswith("memory://"):
        app.logger.warning("RATELIMIT_STORAGE_URI is memory://: each web worker counts login and form limits "
                           "on its own. With more than one worker, set it to a shared store such as "
                           "redis://localhost:6379/0.")


def login_message(message) -> str:
    """The message on the login page when a page needs a login: says so when a login has just run out."""
    if g.get("login_ended") == "idle":
        return gettext("You were logged out after a while without using the site. Please log in again.")
    if g.get("login_ended") == "absolute":
        return gettext("You have been logged in for a long time, so you were logged out. Please log in again.")
    return str(message)


def ask_to_log_in():
    """Send the browser to log in, then back where it was: after a form (a login that ran out while it
    was being sent) that is the page the form was on, since the form's own address only takes a POST."""
    flash(login_message(login_manager.login_message), "message")
    if request.method == "GET":
        back = request.full_path.rstrip("?")
    else:
        referrer = urlsplit(request.referrer or "")
        same_site = referrer.netloc in ("", request.host)
        back = local_path(urlunsplit(("", "", referrer.path, referrer.query, "")) if same_site else "", "")
    return redirect(login_url(login_manager.login_view, next_url=back or None))


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
    """The person whose login a session or remember cookie names, while that login lasts."""
    person, ended = resume_login(user_id, now=datetime.now(timezone.utc), limits=session_limits(current_app.config))
    if ended:
        g.login_ended = ended
    return person
