"""The email check: connect to MAIL_SERVER as the app would (STARTTLS, login), send nothing, hang up."""
from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping

from mutualaid.doctor.findings import Finding, fail, ok, warn
from mutualaid.doctor.service_checks import TIMEOUT, first_line
from mutualaid.doctor.settings_checks import production


def check_email(config: Mapping) -> list[Finding]:
    """EMAIL_BACKEND and, for smtp, a login to MAIL_SERVER without sending anything."""
    backend = config.get("EMAIL_BACKEND")
    if backend == "console":
        if production(config):
            return [warn("email", "EMAIL_BACKEND is console: emails are only written to the log, so volunteers "
                                  "who chose email hear nothing. Set EMAIL_BACKEND=smtp and the MAIL_ settings.")]
        return [ok("email", "EMAIL_BACKEND is console: emails are written to the log, not sent.")]
    if backend != "smtp":
        return [fail("email", f"EMAIL_BACKEND is {backend!r}; use console or smtp.")]
    host, port = config.get("MAIL_SERVER"), int(config.get("MAIL_PORT") or 25)
    where = f"{host}:{port}"
    if port == 465:
        return [fail("email", "MAIL_PORT is 465, which needs TLS from the first byte; the app speaks STARTTLS. "
                              "Use port 587 with MAIL_USE_TLS=true (every provider offers it).")]
    findings = []
    sender = config.get("MAIL_FROM") or ""
    if production(config) and (not sender or sender.endswith("@localhost")):
        findings.append(warn("email", f"MAIL_FROM is {sender!r}: mail from a made-up address is usually thrown "
                                      "away as spam. Use an address at your own domain."))
    try:
        with smtplib.SMTP(host, port, timeout=TIMEOUT) as smtp:
            smtp.ehlo()
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except smtplib.SMTPAuthenticationError:
        return findings + [fail("email", f"{where} refused MAIL_USERNAME and MAIL_PASSWORD.")]
    except smtplib.SMTPNotSupportedError:
        return findings + [fail("email", f"{where} does not offer STARTTLS (MAIL_USE_TLS=true), or does not take "
                                         "a login; check the port your provider gives for sending.")]
    except (smtplib.SMTPException, OSError) as exc:
        return findings + [fail("email", f"Cannot talk to the mail server {where} ({first_line(exc)}). Check "
                                         "MAIL_SERVER and MAIL_PORT.")]
    how = ", ".join(filter(None, ["STARTTLS" if config.get("MAIL_USE_TLS") else "no encryption",
                                  "logged in" if config.get("MAIL_USERNAME") else ""]))
    if not config.get("MAIL_USE_TLS") and host not in ("localhost", "127.0.0.1", "::1"):
        findings.append(warn("email", f"Mail to {where} goes unencrypted (MAIL_USE_TLS is off): set MAIL_USE_TLS=true."))
    return findings + [ok("email", f"The mail server {where} accepted a connection ({how}); no mail was sent.")]
