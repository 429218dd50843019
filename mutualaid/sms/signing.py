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


class SignedFields(dict):
    """The posted fields as RequestValidator reads them: through `getall`, the first method it tries.

    Given a plain dict, its get_values raises and catches two AttributeErrors for every field
    (looking for a MultiDict's `getall`, then a QueryDict's `getlist`) before indexing it: 40 or so
    exceptions per Twilio webhook, most of the signature check's CPU time (bench/README.md).
    """

    def getall(self, name: str) -> list[str]:
        """The field's one value (the webhooks read the form with one value per field)."""
        return [self[name]]


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
    check, fields = validator(), SignedFields(form)
    exact = hmac.compare_digest(check.compute_signature(url, fields).encode(), signature.encode())  # bytes: any header
    return exact or check.validate(url, fields, signature)


def sign(url: str, form: dict) -> str:
    """The signature Twilio would send for `url` and `form` (used by the simulator)."""
    return validator().compute_signature(url, SignedFields(form))
