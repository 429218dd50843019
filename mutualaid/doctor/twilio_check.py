"""The Twilio check, through the real twilio Client: the account answers, each number the app texts from is
on it, and each number's (or the Messaging Service's) incoming-message webhook is our /sms/inbound."""
from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from mutualaid.doctor.findings import Finding, fail, ok, warn
from mutualaid.doctor.service_checks import TIMEOUT, first_line
from mutualaid.extensions import db
from mutualaid.models import Group


def twilio_client(config: Mapping):
    """The twilio Client as the app builds it (TWILIO_HTTP_CLIENT swaps its transport in tests)."""
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    transport = config.get("TWILIO_HTTP_CLIENT") or TwilioHttpClient(timeout=TIMEOUT)
    return Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], http_client=transport)


def check_sms(config: Mapping) -> list[Finding]:
    """SMS_BACKEND, and for twilio everything Twilio must know about us."""
    if config.get("SMS_BACKEND") != "twilio":
        return [ok("sms", "SMS_BACKEND is console: texts stay in the outbox coordinators can read; none is sent. "
                          "Set SMS_BACKEND=twilio (see the README) to send real texts.")]
    missing = [name for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not config.get(name)]
    if not (config.get("TWILIO_FROM_NUMBER") or config.get("TWILIO_MESSAGING_SERVICE_SID")):
        missing.append("TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
    if missing:
        return [fail("sms", f"SMS_BACKEND is twilio but {', '.join(missing)} is not set.")]
    base = (config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base:
        return [fail("sms", "PUBLIC_BASE_URL is not set, so Twilio's signatures cannot be checked.")]
    from requests.exceptions import RequestException
    from twilio.base.exceptions import TwilioException, TwilioRestException

    try:
        return _check_account(twilio_client(config), config, base)
    except TwilioRestException as exc:
        if exc.status in (401, 403):
            return [fail("sms", "Twilio refused TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN: copy both again from "
                                "the Twilio Console's front page.")]
        return [fail("sms", f"Twilio answered {exc.status} (code {exc.code}) while checking the account.")]
    except (RequestException, TwilioException, OSError) as exc:
        return [fail("sms", f"Cannot reach Twilio ({first_line(exc)}).")]


def _check_account(client, config: Mapping, base: str) -> list[Finding]:
    """The account's state, the Messaging Service's webhook, and every number's."""
    inbound = f"{base}/sms/inbound"
    account = client.api.v2010.accounts(config["TWILIO_ACCOUNT_SID"]).fetch()
    if account.status != "active":
        return [fail("sms", f"The Twilio account is {account.status}: it sends no texts until it is active again.")]
    findings = [ok("sms", "Twilio accepted the account SID and auth token.")]
    numbers_answer = True
    if sid := config.get("TWILIO_MESSAGING_SERVICE_SID"):
        service = client.messaging.v1.services(sid).fetch()
        numbers_answer = bool(service.use_inbound_webhook_on_number)
        if not numbers_answer:
            if (service.inbound_request_url or "") != inbound:
                findings.append(fail("sms", f"The Messaging Service sends incoming texts to "
                                            f"{service.inbound_request_url or 'nowhere'}; set its incoming-message "
                                            f"webhook to {inbound} (HTTP POST), or let its numbers use their own."))
            else:
                findings.append(ok("sms", f"The Messaging Service sends incoming texts to {inbound}."))
    for number in _numbers(config):
        found = client.incoming_phone_numbers.list(phone_number=number, limit=1)
        if not found:
            findings.append(fail("sms", f"{number} is not a number on this Twilio account: texts to it never reach "
                                        "the app. Check TWILIO_FROM_NUMBER and the groups' numbers."))
        elif numbers_answer and (found[0].sms_url or "") != inbound:
            findings.append(fail("sms", f"{number} sends incoming texts to {found[0].sms_url or 'nowhere'}. In the "
                                        f"Twilio Console set its \"A message comes in\" webhook to {inbound} (HTTP POST)."))
        elif numbers_answer and (found[0].sms_method or "POST").upper() != "POST":
            findings.append(fail("sms", f"{number}'s incoming-message webhook uses {found[0].sms_method}; choose HTTP POST."))
        elif numbers_answer:
            findings.append(ok("sms", f"{number} sends incoming texts to {inbound}."))
        else:
            findings.append(ok("sms", f"{number} is on the account."))
    if base.startswith("https://"):
        findings.append(ok("sms", f"Each text asks Twilio to report its delivery to {base}/sms/status."))
    else:
        findings.append(warn("sms", f"Delivery reports go to {base}/sms/status over plain http; Twilio recommends https."))
    return findings


def _numbers(config: Mapping) -> list[str]:
    """TWILIO_FROM_NUMBER and every group's own number (a group's number is public, never personal data)."""
    numbers = [config["TWILIO_FROM_NUMBER"]] if config.get("TWILIO_FROM_NUMBER") else []
    for number in db.session.execute(select(Group.phone_number).where(Group.phone_number.is_not(None))).scalars():
        if number not in numbers:
            numbers.append(number)
    return numbers
