"""Small servers on 127.0.0.1 for the doctor's tests: a mail server that takes a login, a map tile server,
and Twilio's account, numbers and Messaging Service resources. Nothing reaches the internet."""
from __future__ import annotations

import base64
import re
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from twilio.http.http_client import TwilioHttpClient

from tests.fake_twilio_api import send_json

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def serve(server) -> str:
    """Run a server in a daemon thread; its host:port."""
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    return f"{host}:{port}"


class MailServer(socketserver.ThreadingTCPServer):
    """Speaks enough SMTP for a client to greet it, log in and leave; records every command it hears."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, username="aid", password="right"):
        self.username, self.password, self.commands = username, password, []
        super().__init__(("127.0.0.1", 0), _MailHandler)


class _MailHandler(socketserver.StreamRequestHandler):
    def handle(self):
        """Greet, answer EHLO with AUTH PLAIN, check the login, say goodbye on QUIT."""
        server: MailServer = self.server
        self.wfile.write(b"220 loopback ESMTP\r\n")
        for raw in self.rfile:
            line = raw.decode().strip()
            server.commands.append(line.split(" ")[0].upper())
            verb = line.split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250-loopback\r\n250 AUTH PLAIN\r\n")
            elif verb == "AUTH":
                plain = base64.b64decode(line.split(" ")[2]).split(b"\0")
                good = plain[1:] == [server.username.encode(), server.password.encode()]
                self.wfile.write(b"235 ok\r\n" if good else b"535 authentication failed\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"502 not here\r\n")


def tile_server(content_type="image/png") -> ThreadingHTTPServer:
    """Answers /0/0/0.png with a picture (or whatever `content_type` says) and anything else with 404."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            """The zoom-0 tile only."""
            found = self.path == "/0/0/0.png"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", content_type if found else "text/plain")
            body = PNG if found else b"no"
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server


class FakeTwilioAccount:
    """Twilio's REST resources the doctor reads: the account, incoming numbers and a Messaging Service."""

    def __init__(self, sid="AC" + "1" * 32, token="token", status="active"):
        self.sid, self.token, self.status = sid, token, status
        self.numbers: dict[str, dict] = {}
        self.service: dict | None = None
        self.requests: list[str] = []

    def add_number(self, number, sms_url, sms_method="POST"):
        """A number on the account with its incoming-message webhook."""
        self.numbers[number] = {"phone_number": number, "sms_url": sms_url, "sms_method": sms_method,
                                "sid": "PN" + "2" * 32, "account_sid": self.sid}

    def start(self) -> str:
        """Listen on loopback; the base URL the transport sends to."""
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _twilio_handler(self))
        self.server.daemon_threads = True
        return "http://" + serve(self.server)

    def answer(self, method, path, query, authorised) -> tuple[int, dict]:
        """The JSON Twilio would send for one request."""
        self.requests.append(f"{method} {path}")
        if not authorised:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        if path == f"/api/2010-04-01/Accounts/{self.sid}.json":
            return 200, {"sid": self.sid, "status": self.status, "friendly_name": "Our group"}
        if path == f"/api/2010-04-01/Accounts/{self.sid}/IncomingPhoneNumbers.json":
            wanted = query.get("PhoneNumber", [None])[0]
            found = [n for number, n in self.numbers.items() if wanted in (None, number)]
            return 200, {"incoming_phone_numbers": found, "next_page_uri": None, "page": 0, "page_size": 50,
                         "uri": path}
        if self.service and path == f"/messaging/v1/Services/{self.service['sid']}":
            return 200, self.service
        return 404, {"code": 20404, "message": "Not found", "status": 404}


def _twilio_handler(api: FakeTwilioAccount):
    """A request handler bound to `api`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            """Answer as Twilio would, checking HTTP basic auth."""
            parts = urlsplit(self.path)
            expected = "Basic " + base64.b64encode(f"{api.sid}:{api.token}".encode()).decode()
            status, answer = api.answer("GET", parts.path, parse_qs(parts.query),
                                        self.headers.get("Authorization") == expected)
            send_json(self, status, answer)

        def log_message(self, *args):
            """Quiet."""

    return Handler


class LoopbackTwilio(TwilioHttpClient):
    """Twilio's own transport, sending https://<domain>.twilio.com/... to <base>/<domain>/...; refuses anything else."""

    def __init__(self, base_url: str):
        super().__init__(timeout=10)
        self.base_url = base_url

    def request(self, method, url, *args, **kwargs):
        """The same request, to the loopback server."""
        match = re.match(r"^https://(\w+)\.twilio\.com(/.*)$", url)
        if not match:
            raise AssertionError(f"unexpected address {url}")
        return super().request(method, f"{self.base_url}/{match[1]}{match[2]}", *args, **kwargs)
