"""Security headers on every answer, and `Cache-Control: no-store` on everything that may show private data.

One after-request hook, its fixed headers built once from the settings. Twilio's webhooks (/sms/)
are skipped: their callers are no browser, and they stay as fast as they are.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_login import current_user

from mutualaid.sms.hooks import is_twilio_webhook

# Pages anyone may see and a shared cache may keep, as long as nobody is logged in.
PUBLIC_PAGES = frozenset({"main.index", "public.group", "api.openapi"})
# Files that are the same for everyone (our stylesheet and scripts, Leaflet): cached as they say.
PUBLIC_FILES = frozenset({"static", "main.vendor"})

# Browser features no page of ours uses, turned off for our pages and anything they could embed.
UNUSED_FEATURES = ("accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
                   "microphone", "midi", "payment", "usb")

_LABEL = re.compile(r"^[a-z0-9-]+$")


def tile_source(tile_url: str) -> str | None:
    """The CSP source for a map tile URL template (`{s}.host` becomes `*.host`); None if it is ours or unusable."""
    parts = urlsplit(tile_url.strip())
    try:
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.username is not None or not parts.hostname:
        return None
    labels = parts.hostname.split(".")
    templated = [index for index, label in enumerate(labels) if "{" in label or "}" in label]
    fixed = labels[templated[-1] + 1:] if templated else labels
    if len(fixed) < (2 if templated else 1) or not all(_LABEL.match(label) for label in fixed):
        return None
    host = ("*." if templated else "") + ".".join(fixed)
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def content_security_policy(tile_url: str) -> str:
    """Our own files only: no inline script or style, no plugins, never framed; map tiles from their host."""
    images = ["'self'", "data:"]  # data: only for Leaflet's blank image when it cancels a tile
    if source := tile_source(tile_url):
        images.append(source)
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": " ".join(images),
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def fixed_headers(config: Mapping) -> dict[str, str]:
    """The headers every answer carries, from the settings (HSTS only where HSTS_SECONDS is set)."""
    headers = {
        "Content-Security-Policy": content_security_policy(config["MAP_TILE_URL"]),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Permissions-Policy": ", ".join(f"{feature}=()" for feature in UNUSED_FEATURES),
    }
    if config["HSTS_SECONDS"] > 0:
        subdomains = "; includeSubDomains" if config["HSTS_INCLUDE_SUBDOMAINS"] else ""
        headers["Strict-Transport-Security"] = f"max-age={config['HSTS_SECONDS']}{subdomains}"
    return headers


def may_be_cached(endpoint: str | None, logged_in) -> bool:
    """Whether an answer may be kept by browsers and proxies: public files, and public pages for anonymous people.

    `logged_in` is called only for public pages, so files never load the person behind a cookie.
    Anything else (a private page, an unknown address, an error with no route) is never stored.
    """
    if endpoint in PUBLIC_FILES:
        return True
    return endpoint in PUBLIC_PAGES and not logged_in()


def init_app(app: Flask) -> None:
    """Add the headers to every answer except Twilio's webhooks, error pages included."""
    headers = fixed_headers(app.config)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        """Set the fixed headers, and no-store unless the answer is public."""
        if is_twilio_webhook(request):
            return response
        response.headers.update(headers)
        if not may_be_cached(request.endpoint, _logged_in):
            response.headers["Cache-Control"] = "no-store"
        return response


def _logged_in() -> bool:
    """Whether a browser is logged in (API answers to a token are never public pages)."""
    return current_user.is_authenticated
