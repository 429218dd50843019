"""Error pages that never echo what was posted, in HTML, (under /api) JSON or (to Twilio) plain text."""
from __future__ import annotations

import logging

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug import exceptions as werkzeug_exceptions
from werkzeug.exceptions import HTTPException

from mutualaid.core.errors import Forbidden, NotFound, NotSetUp
from mutualaid.extensions import db
from mutualaid.first_run.token import announce as announce_setup_link
from mutualaid.sms.hooks import is_twilio_webhook
from mutualaid.tracebacks import frames

log = logging.getLogger(__name__)

RESUBMITTABLE_ATTR = "keeps_input_on_csrf_failure"


def keeps_input_on_csrf_failure(view):
    """Mark a form view that re-renders its form (with what was typed) when the CSRF token is stale."""
    setattr(view, RESUBMITTABLE_ATTR, True)
    return view


def _wants_json() -> bool:
    """API callers get JSON errors."""
    return request.path.startswith("/api/")


def _page(status: int, title: str, message: str):
    """Render an error as JSON, plain text or HTML."""
    if _wants_json():
        return jsonify(error={"status": status, "message": message}), status
    if is_twilio_webhook(request):  # plain text, shown in Twilio's debugger; no page, no session
        return Response(f"{title}: {message}", status=status, mimetype="text/plain")
    return render_template("error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        """A stale or missing CSRF token: give the form back with its contents, or explain."""
        view = current_app.view_functions.get(request.endpoint or "")
        if view is not None and getattr(view, RESUBMITTABLE_ATTR, False):
            body = view(**(request.view_args or {}))
            return (body if isinstance(body, tuple) else (body, 400))
        return _page(400, _("Please try again"),
                     _("This page had been open a long time, so for your safety nothing was sent. "
                       "Please go back, reload the page and send it again."))

    @app.errorhandler(NotSetUp)
    def not_set_up(exc: NotSetUp):
        """No group yet: a plain 503 saying so and naming the command to run (never a 500)."""
        db.session.rollback()
        title = _("Not set up yet")
        if _wants_json() or is_twilio_webhook(request):
            return _page(503, title, f"{exc.message} {exc.command}")
        announce_setup_link(current_app, current_app.config.get("PUBLIC_BASE_URL") or request.url_root)
        return render_template("main/not_set_up.html", title=title, message=exc.message, command=exc.command), 503

    @app.errorhandler(NotFound)
    def not_found(exc):
        """A record that does not exist, or that this person may not know exists."""
        return http_error(werkzeug_exceptions.NotFound())

    @app.errorhandler(Forbidden)
    def forbidden(exc):
        """A record this person may not act on."""
        return http_error(werkzeug_exceptions.Forbidden())

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        """Known HTTP errors with short, kind explanations."""
        messages = {
            403: _("You do not have access to this page."),
            404: _("We could not find that page."),
            405: _("That action is not available here."),
            413: _("That was too much text to send at once."),
            429: _("Too many attempts. Please wait a little and try again."),
        }
        titles = {403: _("Not allowed"), 404: _("Not found"), 405: _("Not available"),
                  413: _("Too long"), 429: _("Please slow down"), 400: _("Please try again")}
        response = current_app.make_response(_page(exc.code or 500, titles.get(exc.code, exc.name),
                                                   messages.get(exc.code, exc.description or exc.name)))
        if getattr(exc, "valid_methods", None):  # a 405 names the methods that are allowed (RFC 9110)
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        """Anything else: log the type and where, never the request body or the exception's text."""
        if isinstance(exc, HTTPException):
            return http_error(exc)
        log.error("unhandled %s on %s %s\n%s", type(exc).__name__, request.method, request.path, frames(exc))
        db.session.rollback()
        return _page(500, _("Something went wrong"),
                     _("Something went wrong on our side. Nothing you sent has been shared. "
                       "Please try again in a moment."))
