"""A fake Twilio REST API on 127.0.0.1, for the outbox's tests and bench: the real twilio Client and its
real HTTP transport send to it, and it records every Messages.json POST.

It can take `latency` seconds to answer, answer 500 to every `fail_every`-th call (a 1 % failure rate is fail_every=100) or 503 to
every call while `down` is set (an outage).
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from twilio.http.http_client import TwilioHttpClient

TWILIO_API = "https://api.twilio.com"


@dataclass(frozen=True)
class Call:
    """One POST to Messages.json: when it arrived, to whom, what, and what it was answered."""

    at: float
    to: str
    body: str
    sender: str
    status: int


class FakeTwilioAPI:
    """A threaded HTTP server answering Messages.json like Twilio; start() returns its base URL."""

    def __init__(self, fail_every: int = 0, latency: float = 0.0):
        self.fail_every, self.down, self.latency = fail_every, False, latency
        self.calls: list[Call] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        """Listen on a free loopback port in a background thread."""
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        """Stop listening."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def answer(self, form: dict[str, str]) -> tuple[int, dict]:
        """Record one call and choose its answer."""
        with self.lock:
            number = len(self.calls) + 1
            status = 503 if self.down else 500 if self.fail_every and number % self.fail_every == 0 else 201
            self.calls.append(Call(time.monotonic(), form.get("To", ""), form.get("Body", ""),
                                   form.get("MessagingServiceSid") or form.get("From", ""), status))
        if status != 201:
            return status, {"code": 20500 if status == 500 else 20503, "message": "Service unavailable",
                            "status": status}
        return 201, {"sid": f"SM{number:032x}", "status": "queued", "to": form.get("To"), "body": form.get("Body")}

    @property
    def accepted(self) -> list[Call]:
        """The calls answered 201, in the order they arrived."""
        with self.lock:
            return [call for call in self.calls if call.status == 201]


def _handler(api: FakeTwilioAPI):
    """A request handler class bound to `api`."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802 - http.server's name
            """Messages.json: record and answer."""
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if api.latency:
                time.sleep(api.latency)  # as long as a call to the real API takes
            status, answer = api.answer(form) if self.path.endswith("/Messages.json") else (404, {})
            send_json(self, status, answer)

        def log_message(self, *args):
            """Quiet."""

    return Handler



def send_json(handler: BaseHTTPRequestHandler, status: int, answer) -> None:
    """Answer an http.server request with `answer` as JSON, as Twilio's API does."""
    payload = json.dumps(answer).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


class LoopbackTransport(TwilioHttpClient):
    """Twilio's own HTTP transport (requests), pointed at the fake API instead of api.twilio.com."""

    def __init__(self, base_url: str, **kwargs):
        super().__init__(timeout=10, **kwargs)
        self.base_url = base_url

    def request(self, method, url, *args, **kwargs):
        """The same request, to the loopback server."""
        return super().request(method, url.replace(TWILIO_API, self.base_url), *args, **kwargs)
