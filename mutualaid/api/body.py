"""Reading an API request's body and headers: refused with a 400 (or 413) saying why, before anything is stored."""
from __future__ import annotations

import json

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge

from mutualaid.access import client_tag
from mutualaid.api.auth import api_person
from mutualaid.core.errors import ServiceError
from mutualaid.domain.json_text import nests_deeper_than
from mutualaid.input_limits import has_nul
from mutualaid.needs.intake import MAX_SUBMISSION_KEY, Contact

# The longest text any one API field may hold (details are held to MAX_DETAILS_LENGTH by the intake).
MAX_TEXT_FIELD = 5000


class BadRequest(ServiceError):
    """The JSON itself was not what the API takes."""


def json_body() -> dict:
    """The request's JSON object, or a 400 (413 when too large) saying why not."""
    if not request.is_json:
        raise BadRequest(_l("Send a JSON object with Content-Type: application/json."))
    limit = current_app.config["API_MAX_BODY_BYTES"]
    request.max_content_length = min(limit, current_app.config["MAX_CONTENT_LENGTH"] or limit)
    raw = request.get_data(cache=True)
    if len(raw) > limit:  # in case the body's stream was opened before the smaller limit was set
        raise RequestEntityTooLarge()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(_l("The body must be JSON in UTF-8."))
    depth = current_app.config["API_MAX_JSON_DEPTH"]
    if nests_deeper_than(text, depth):
        raise BadRequest(_l("The JSON is nested too deeply (at most %(limit)d levels).", limit=depth))
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise BadRequest(_l("Send a JSON object with Content-Type: application/json."))
    if has_nul(data):
        raise BadRequest(_l("The JSON contains a character that cannot be stored (a zero byte, \\u0000)."))
    return data


def text_field(data: dict, name: str, required: bool = False, limit: int = MAX_TEXT_FIELD) -> str:
    """A string field (absent -> empty) of at most `limit` characters; other types are refused."""
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadRequest(_l("'%(name)s' must be a string.", name=name), field=name)
    if required and not value.strip():
        raise BadRequest(_l("'%(name)s' is required.", name=name), field=name)
    if len(value) > limit:
        raise BadRequest(_l("'%(name)s' must be at most %(limit)d characters.", name=name, limit=limit), field=name)
    return value


def contact_field(data: dict) -> Contact:
    """The `contact` object of a request."""
    contact = data.get("contact") or {}
    if not isinstance(contact, dict):
        raise BadRequest(_l("'contact' must be an object."), field="contact")
    language = text_field(contact, "language", limit=8) or "en"
    return Contact(text_field(contact, "name", limit=120), text_field(contact, "phone", limit=40),
                   text_field(contact, "email", limit=254), language, contact.get("sms_consent") is True)


def idempotency_key() -> str | None:
    """The caller's Idempotency-Key header (a retried POST creates nothing new), checked."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > MAX_SUBMISSION_KEY or not key.isprintable():
        raise BadRequest(_l("Idempotency-Key must be at most %(limit)d printable characters.",
                            limit=MAX_SUBMISSION_KEY), field="Idempotency-Key")
    return key or None


def caller() -> str:
    """Whose keys these are: the API token's holder, or else (no account needed) the client's address,
    as its keyed digest."""
    person = api_person()
    return f"person:{person.id}" if person is not None else f"address:{client_tag()}"
