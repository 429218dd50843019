"""Outbound SMS providers behind one small interface: console (outbox only) or Twilio."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from mutualaid.core.clients import per_app

log = logging.getLogger(__name__)

# Twilio error codes that will never succeed on retry.
OPTED_OUT_CODES = frozenset({21610})
# 21xxx come back when sending; 30005 (unknown number) and 30006 (landline) in delivery reports.
INVALID_NUMBER_CODES = frozenset({21211, 21214, 21217, 21401, 21407, 21408, 21612, 21614, 21659, 30005, 30006})
# Seconds to wait for Twilio: far below the outbox's STALE_SENDING, or a hung call and its retry both send.
TWILIO_TIMEOUT = 30


class TemporaryFailure(Exception):
    """Try again later (network error, 5xx, 429)."""


class PermanentFailure(Exception):
    """Never retry; `code` is the provider's error code."""

    def __init__(self, code: int | None, message: str = ""):
        super().__init__(message or f"permanent failure {code}")
        self.code = code


@dataclass(frozen=True)
class SendResult:
    """What the provider said: its id for the message and its status."""

    sid: str
    status: str


class SMSBackend:
    """Sends one SMS; raises TemporaryFailure or PermanentFailure."""

    name = "base"

    def send(self, *, to: str, body: str, from_: str | None, status_callback: str | None) -> SendResult:
        """Hand the message to the provider."""
        raise NotImplementedError

    def sender(self, from_: str | None) -> str | None:
        """What the provider's sending rate counts against for a text from `from_` (None: not paced)."""
        return None


class ConsoleBackend(SMSBackend):
    """Development and training: the message stays in the outbox, visible to coordinators."""

    name = "console"

    def send(self, *, to, body, from_, status_callback) -> SendResult:
        """Nothing leaves the machine; the outbox row is the message."""
        log.info("console SMS to …%s (%d characters)", to[-2:], len(body))
        return SendResult(f"CONSOLE{uuid.uuid4().hex}", "delivered")


class TwilioBackend(SMSBackend):
    """Sends through twilio's REST client (the transport is swappable for tests)."""

    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str, from_number: str | None,
                 messaging_service_sid: str | None, http_client=None):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        transport = http_client or TwilioHttpClient(timeout=TWILIO_TIMEOUT)
        self.client = Client(account_sid, auth_token, http_client=transport)
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid

    def sender(self, from_):
        """The Messaging Service when there is one (Twilio paces it as a whole), else the number."""
        return self.messaging_service_sid or from_ or self.from_number

    def send(self, *, to, body, from_, status_callback) -> SendResult:
        """Create the message; sort Twilio's errors into temporary and permanent."""
        from requests.exceptions import RequestException
        from twilio.base.exceptions import TwilioException, TwilioRestException

        kwargs = {"to": to, "body": body}
        if self.messaging_service_sid:
            kwargs["messaging_service_sid"] = self.messaging_service_sid
        else:
            kwargs["from_"] = from_ or self.from_number
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            if exc.status == 429 or exc.status >= 500:
                raise TemporaryFailure(f"twilio {exc.status}") from exc
            raise PermanentFailure(exc.code, f"twilio {exc.status} code {exc.code}") from exc
        except (RequestException, TwilioException, OSError) as exc:
            raise TemporaryFailure(type(exc).__name__) from exc
        return SendResult(message.sid, message.status or "queued")


BACKENDS = {"console": ConsoleBackend, "twilio": TwilioBackend}


def build_backend(config) -> SMSBackend:
    """The backend named by SMS_BACKEND."""
    name = config["SMS_BACKEND"]
    if name not in BACKENDS:
        raise ValueError(f"Unknown SMS_BACKEND {name!r}; use one of {', '.join(BACKENDS)}.")
    if name == "console":
        return ConsoleBackend()
    return TwilioBackend(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                         config.get("TWILIO_FROM_NUMBER"), config.get("TWILIO_MESSAGING_SERVICE_SID"),
                         http_client=config.get("TWILIO_HTTP_CLIENT"))


def get_backend(simulated: bool = False) -> SMSBackend:
    """This app's SMS backend, built on first use; simulated conversations always use the console."""
    return ConsoleBackend() if simulated else per_app("mutualaid.sms", build_backend)


def webhook_auth_token(config) -> str:
    """The token webhooks are signed with: Twilio's, or (console only) one derived from SECRET_KEY."""
    if config.get("TWILIO_AUTH_TOKEN"):
        return config["TWILIO_AUTH_TOKEN"]
    if config["SMS_BACKEND"] == "console":
        import hashlib
        import hmac

        return hmac.new(config["SECRET_KEY"].encode(), b"sms-simulator", hashlib.sha256).hexdigest()
    raise RuntimeError("TWILIO_AUTH_TOKEN is required with SMS_BACKEND=twilio.")
