"""The Secure-cookie trap: where login cookies are sent only over HTTPS, a site reached over plain http
can show its login form but never keep anyone logged in. Say so loudly at start-up and on the login page,
rather than refuse to start: the request forms and texts work over http, and must keep working."""
from __future__ import annotations

from flask import Flask, current_app, request

WARNING = ("PUBLIC_BASE_URL starts with http://, but login cookies are sent only over HTTPS (production), so "
           "NOBODY CAN LOG IN over plain http. Put Caddy (or nginx with a certificate) in front, set "
           "PUBLIC_BASE_URL=https://... and TRUSTED_PROXIES=1. Check with: flask --app wsgi doctor")


def init_app(app: Flask) -> None:
    """Warn once at start-up, and give the login page `login_needs_https()`."""
    if configured_for_plain_http(app.config):
        app.logger.warning(WARNING)
    app.jinja_env.globals["login_needs_https"] = login_needs_https


def configured_for_plain_http(config) -> bool:
    """Secure-only cookies, and a public address that is plain http."""
    return bool(config.get("SESSION_COOKIE_SECURE")) and \
        str(config.get("PUBLIC_BASE_URL") or "").lower().startswith("http://")


def login_needs_https() -> bool:
    """Whether this visit cannot keep a login: plain http by the settings, or by what a trusted proxy says."""
    config = current_app.config
    if not config.get("SESSION_COOKIE_SECURE"):
        return False
    return configured_for_plain_http(config) or (bool(config.get("TRUSTED_PROXIES")) and not request.is_secure)
