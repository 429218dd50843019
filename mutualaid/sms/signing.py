"""Webhook signatures: twilio's RequestValidator over the exact public URL and every posted field."""
from __future__ import annotations

import hmac

from flask import current_app, request
from twilio.request_validator import RequestValidator

from mutualaid.gateways.sms import webhook_auth_token


def public_url() -> str:
    """The URL Twilio called: PUBLIC_BASE_URL + path + query, else the URL as seen (after ProxyFix)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        path = request.full_path[:-1] if request.full_path.endswith("?") else request.full_path
        return base.rstrip("/") + path
    return request.url


def validator() -> RequestValidator:
    """A validator keyed with this deployment's webhook token."""
    return RequestValidator(webhook_auth_token(current_app.config))


def is_signed(url: str, form: dict, signature: str | None) -> bool:
    """Whether `signature` is Twilio's signature of `url` and `form`.

    The signature of exactly this URL is checked first (the usual case: one HMAC); only when it
    does not match does RequestValidator.validate try the URL with and without its port.
    """
    if not signature:
        return False
    check = validator()
    exact = hmac.compare_digest(check.compute_signature(url, form).encode(), signature.encode())  # bytes: any header
    return exact or check.validate(url, form, signature)


def sign(url: str, form: dict) -> str:
    """The signature Twilio would send for `url` and `form` (used by the simulator)."""
    return validator().compute_signature(url, form)
