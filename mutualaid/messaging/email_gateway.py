"""Outbound email behind one small interface: console (outbox only) or SMTP."""
from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from email.message import EmailMessage

from mutualaid.core.clients import per_app
from mutualaid.messaging.sms_gateway import PermanentFailure, SendResult, TemporaryFailure

log = logging.getLogger(__name__)


class EmailBackend:
    """Sends one email; raises TemporaryFailure or PermanentFailure."""

    name = "base"

    def send(self, *, to: str, subject: str, body: str) -> SendResult:
        """Hand the email over."""
        raise NotImplementedError


class ConsoleEmail(EmailBackend):
    """Development: the email stays in the outbox, readable by coordinators."""

    name = "console"

    def send(self, *, to, subject, body) -> SendResult:
        """Nothing leaves the machine."""
        log.info("console email (%d characters)", len(body))
        return SendResult(f"CONSOLE{uuid.uuid4().hex}", "delivered")


class SMTPEmail(EmailBackend):
    """Sends through an SMTP server (STARTTLS when configured)."""

    name = "smtp"

    def __init__(self, host: str, port: int, sender: str, username: str | None = None,
                 password: str | None = None, use_tls: bool = False, timeout: float = 10.0):
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.use_tls, self.timeout = username, password, use_tls, timeout

    def send(self, *, to, subject, body) -> SendResult:
        """Deliver one message; refused recipients are permanent, connection trouble temporary."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message["Message-ID"] = f"<{uuid.uuid4().hex}@mutualaid>"
        message.set_content(body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.use_tls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(None, "recipient refused") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(exc.smtp_code, f"smtp {exc.smtp_code}") from exc
            raise TemporaryFailure(f"smtp {exc.smtp_code}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(type(exc).__name__) from exc
        return SendResult(message["Message-ID"], "sent")


def build_email_backend(config) -> EmailBackend:
    """The backend named by EMAIL_BACKEND."""
    if config["EMAIL_BACKEND"] == "smtp":
        return SMTPEmail(config["MAIL_SERVER"], int(config["MAIL_PORT"]), config["MAIL_FROM"],
                         config.get("MAIL_USERNAME"), config.get("MAIL_PASSWORD"), bool(config.get("MAIL_USE_TLS")))
    if config["EMAIL_BACKEND"] == "console":
        return ConsoleEmail()
    raise ValueError(f"Unknown EMAIL_BACKEND {config['EMAIL_BACKEND']!r}; use console or smtp.")


def get_email_backend(simulated: bool = False) -> EmailBackend:
    """This app's email backend, built on first use."""
    return ConsoleEmail() if simulated else per_app("mutualaid.email", build_email_backend)
