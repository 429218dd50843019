"""Helpers for SMS tests: sign webhooks like Twilio does, and stand in for Twilio's HTTP transport."""
from __future__ import annotations

import itertools
import json
from urllib.parse import urlencode

from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ReadTimeout
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "0" * 32
GROUP_NUMBER = "+442071234567"
BASE_URL = "https://aid.example.org"
_sids = itertools.count(1)


def sms_config(**extra) -> dict:
    """App config for SMS tests: console backend, a known auth token, a public URL."""
    return {"TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "PUBLIC_BASE_URL": BASE_URL,
            **extra}


def signed_post(client, path: str, form: dict, *, url: str | None = None, token: str = AUTH_TOKEN,
                headers: dict | None = None, algorithm: str | None = None):
    """POST `form` to `path` with the X-Twilio-Signature Twilio would compute for `url` (HMAC-SHA1 by default)."""
    url = url or BASE_URL + path
    signature = RequestValidator(token).compute_signature(url, form, algorithm)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature, **(headers or {})})


def text_in(client, body: str, *, sender: str = "+447911123456", sid: str | None = None,
            to: str = GROUP_NUMBER, **fields):
    """A neighbour texts `body` to the group's number."""
    form = {"MessageSid": sid or f"SMin{next(_sids):030d}", "AccountSid": ACCOUNT_SID, "From": sender,
            "To": to, "Body": body, "NumMedia": "0", **fields}
    return signed_post(client, "/sms/inbound", form)


class FakeTwilio(HttpClient):
    """Twilio's transport, replaced: records every request and answers from a script.

    Script items: "ok", an HTTP status (500, 429), ("error", status, code), or "down"/"timeout"
    to raise the network errors requests would raise. When the script runs out: "ok".
    """

    def __init__(self, script=()):
        super().__init__(logger=None, is_async=False)
        self.script = list(script)
        self.requests: list[dict] = []
        self.accepted: list[dict] = []

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        """Answer one API call like Twilio (or like Twilio being down)."""
        record = {"method": method, "url": url, "data": dict(data or {})}
        self.requests.append(record)
        step = self.script.pop(0) if self.script else "ok"
        if step == "down":
            raise RequestsConnectionError("connection refused")
        if step == "timeout":
            raise ReadTimeout("read timed out")
        if isinstance(step, int):
            return Response(step, json.dumps({"code": 20500, "message": "Server error", "status": step}))
        if isinstance(step, tuple):
            _, status, code = step
            return Response(status, json.dumps({"code": code, "message": f"error {code}", "status": status}))
        sid = f"SM{len(self.requests):032x}"
        self.accepted.append(record)
        return Response(201, json.dumps({"sid": sid, "status": "queued", "to": record["data"].get("To"),
                                         "body": record["data"].get("Body"), "account_sid": ACCOUNT_SID}))


def form_body(form: dict) -> str:
    """URL-encode a form (for debugging signatures)."""
    return urlencode(form)
