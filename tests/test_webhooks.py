"""Twilio's webhooks skip the work browser-facing extensions do on every request."""
from __future__ import annotations

import functools

import pytest
from flask import Flask, request

from mutualaid.extensions import limiter
from mutualaid.webhooks import skip_extension_hooks
from tests.sms_helpers import sms_config


class Recorder:
    """A stand-in extension with the three kinds of app-wide hooks Flask-Limiter registers."""

    def __init__(self):
        self.calls: list[tuple[str, str]] = []

    def before(self):
        self.calls.append(("before", request.path))

    def after(self, response):
        self.calls.append(("after", request.path))
        response.headers["X-Recorded"] = "yes"
        return response

    def teardown(self, error):
        self.calls.append(("teardown", request.path))


def recording_app() -> tuple[Flask, Recorder, list[str]]:
    app = Flask(__name__)
    recorder, others = Recorder(), []
    app.before_request(recorder.before)
    app.before_request(lambda: others.append(request.path))  # someone else's hook: left alone
    app.after_request(functools.partial(Recorder.after, recorder))  # as Flask-Limiter registers it
    app.teardown_request(recorder.teardown)
    app.add_url_rule("/page", "page", lambda: "page")
    app.add_url_rule("/sms/inbound", "inbound", lambda: "twiml", methods=["POST"])
    return app, recorder, others


def test_the_extensions_hooks_run_for_pages_but_not_for_webhooks():
    app, recorder, others = recording_app()
    assert skip_extension_hooks(app, recorder) == 3
    client = app.test_client()

    page = client.get("/page")
    assert recorder.calls == [("before", "/page"), ("after", "/page"), ("teardown", "/page")]
    assert page.headers["X-Recorded"] == "yes"

    recorder.calls.clear()
    webhook = client.post("/sms/inbound")
    assert webhook.status_code == 200 and webhook.text == "twiml"
    assert recorder.calls == [] and "X-Recorded" not in webhook.headers
    assert others == ["/page", "/sms/inbound"]


def test_a_missing_webhook_route_also_skips_them():
    app, recorder, _ = recording_app()
    skip_extension_hooks(app, recorder)
    assert app.test_client().post("/sms/nowhere").status_code == 404
    assert recorder.calls == []


class TestInTheApp:
    """With the limiter on, as deployed (it registers no hooks when disabled, as in most tests)."""

    @pytest.fixture
    def config_overrides(self):
        return sms_config(RATELIMIT_ENABLED=True)

    def test_flask_limiters_own_hooks_are_the_ones_wrapped(self, app):
        """If a Flask-Limiter release registers its hooks differently, this fails (the request filter still exempts)."""
        wrapped = {kind: [hook for hook in registry.get(None, []) if getattr(hook, "skips_twilio_webhooks", False)]
                   for kind, registry in (("before", app.before_request_funcs), ("after", app.after_request_funcs),
                                          ("teardown", app.teardown_request_funcs))}
        assert {kind: len(hooks) for kind, hooks in wrapped.items()} == {"before": 1, "after": 1, "teardown": 1}
        assert wrapped["before"][0].__wrapped__ == limiter._check_request_limit
