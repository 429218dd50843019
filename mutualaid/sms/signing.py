"""Webhook signatures: twilio's RequestValidator over the exact public URL and every posted field.

Twilio signs with the account's auth token and HMAC-SHA1, unless a Webhook Setting signs the
webhook's URL with one of the account's shared keys: the request then says which key and
algorithm in X-Twilio-Webhooks-Signature-Settings (`key=<id>,algorithm=HMAC_SHA256`), and the
secret of that key (TWILIO_WEBHOOK_SHARED_KEYS) checks it. The signed text is the same.
"""
from __future__ import annotations

import hmac
import logging

from flask import abort, current_app, request
from twilio.request_validator import HMAC_SHA1, SIGNATURE_SETTINGS_HEADER, RequestValidator, get_signature_algorithm

from mutualaid.messaging.sms_gateway import webhook_auth_token
from mutualaid.sms.actions import record_inbound_sms

log = logging.getLogger(__name__)
SUPPORTED_ALGORITHMS = ("HMAC_SHA1", "HMAC_SHA256")


class UnknownSigningKey(Exception):
    """The webhook names a shared key this deployment was not given (a rotation not yet configured)."""

    def __init__(self, key_id: str):
        super().__init__(f"signed with shared key {key_id!r}, which is not in TWILIO_WEBHOOK_SHARED_KEYS")
        self.key_id = key_id


def public_url() -> str:
    """The URL Twilio called: PUBLIC_BASE_URL + path + query, else the URL as seen (after ProxyFix)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        full_path = request.full_path  # a property computed afresh on each read
        return base.rstrip("/") + (full_path[:-1] if full_path.endswith("?") else full_path)
    return request.url


def signature_headers() -> tuple[str | None, str | None]:
    """This request's X-Twilio-Signature and X-Twilio-Webhooks-Signature-Settings."""
    return request.headers.get("X-Twilio-Signature"), request.headers.get(SIGNATURE_SETTINGS_HEADER)


class SignedFields(dict):
    """The posted fields as RequestValidator reads them: through `getall`, the first method it tries.

    Given a plain dict, its get_values raises and catches two AttributeErrors for every field
    (looking for a MultiDict's `getall`, then a QueryDict's `getlist`) before indexing it: 40 or so
    exceptions per Twilio webhook, most of the signature check's CPU time (bench/README.md).
    """

    def getall(self, name: str) -> list[str]:
        """The field's one value (the webhooks read the form with one value per field)."""
        return [self[name]]


def shared_key_id(settings: str) -> str:
    """The `key=` of an X-Twilio-Webhooks-Signature-Settings header ('' when it names none)."""
    for part in settings.split(","):
        name, separator, value = part.partition("=")
        if separator and name.strip() == "key":
            return value.strip()
    return ""


def _secret_and_algorithm(settings: str | None) -> tuple[str, str]:
    """Which secret and algorithm signed a webhook with these signature settings."""
    if not settings:
        return webhook_auth_token(current_app.config), HMAC_SHA1
    key_id = shared_key_id(settings)
    secret = current_app.config.get("TWILIO_WEBHOOK_SHARED_KEYS", {}).get(key_id)
    if secret is None:
        raise UnknownSigningKey(key_id)
    return secret, get_signature_algorithm(settings).upper()


def is_signed(url: str, form: dict, signature: str | None, settings: str | None = None) -> bool:
    """Whether `signature` is Twilio's signature of `url` and `form` (with the key `settings` names, if any).

    The signature of exactly this URL is checked first (the usual case: one HMAC); only when it
    does not match does RequestValidator.validate try the URL with and without its port. Raises
    UnknownSigningKey when `settings` names a shared key this deployment does not have.
    """
    if not signature:
        return False
    secret, algorithm = _secret_and_algorithm(settings)
    if algorithm not in SUPPORTED_ALGORITHMS:
        log.warning("Webhook refused: signature algorithm %r is not supported.", algorithm[:40])
        return False
    check, fields = RequestValidator(secret), SignedFields(form)
    exact = hmac.compare_digest(check.compute_signature(url, fields, algorithm).encode(),
                                signature.encode())  # bytes: any header
    return exact or check.validate(url, fields, signature, algorithm)


def sign(url: str, form: dict) -> str:
    """The signature Twilio would send for `url` and `form` with the auth token (used by the simulator)."""
    return RequestValidator(webhook_auth_token(current_app.config)).compute_signature(url, SignedFields(form))


def check_signature(url: str, form: dict, signature: str | None, settings: str | None = None) -> None:
    """403 when the signature does not match; 500 when it names a shared key we were not given.

    The 500 is our configuration's fault, not the sender's: Twilio reports it in its debugger
    and retries as the Webhook Setting says, and the log tells the operator which key to add.
    """
    try:
        signed = is_signed(url, form, signature, settings)
    except UnknownSigningKey as exc:
        log.error("Webhook not stored: %s.", exc)
        abort(500)
    if not signed:
        abort(403)


def verified_form() -> dict:
    """The posted fields, once their Twilio signature matches them and the URL (else 403 or 500)."""
    form = request.form.to_dict(flat=True)
    check_signature(public_url(), form, *signature_headers())
    return form


def accept_inbound(url: str, form: dict, signature: str | None, *, settings: str | None = None,
                   simulated: bool = False, inline: bool | None = None):
    """The one inbound path, for Twilio and the simulator alike: verify, then record."""
    check_signature(url, form, signature, settings)
    return record_inbound_sms(form, simulated=simulated, inline=inline)
