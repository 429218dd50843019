"""Twilio's webhooks skip the work browser-facing extensions do on every request."""
from __future__ import annotations

import functools

import pytest
from flask import Flask, request

from mutualaid.extensions import limiter, login_manager
from mutualaid.input_limits import check_submitted
from mutualaid.sms.hooks import skip_extension_hooks
from tests.builders import csrf_from
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

    def test_the_limiters_csrfs_and_logins_own_hooks_are_the_ones_wrapped(self, app):
        """If a release of one of them registers its hooks differently, this fails (the webhooks still work)."""
        wrapped = {kind: [hook.__wrapped__ for hook in registry.get(None, []) if getattr(hook, "skips_twilio_webhooks", False)]
                   for kind, registry in (("before", app.before_request_funcs), ("after", app.after_request_funcs),
                                          ("teardown", app.teardown_request_funcs))}
        assert {kind: len(hooks) for kind, hooks in wrapped.items()} == {"before": 2, "after": 2, "teardown": 1}
        assert limiter._check_request_limit in wrapped["before"]
        assert any(hook.__qualname__.startswith("CSRFProtect.") for hook in wrapped["before"])
        assert login_manager._update_remember_cookie in wrapped["after"]
        unwrapped = [hook for registry in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
                     for hook in registry.get(None, []) if not getattr(hook, "skips_twilio_webhooks", False)]
        # Every other app-wide hook is the app's own and returns at once for a webhook: the check of
        # submitted forms (whose signed body it must not change) and the security headers
        # (mutualaid/security_headers.py). A new one needs a decision.
        assert [hook.__qualname__ for hook in unwrapped] == [
            check_submitted.__qualname__, "init_app.<locals>.add_security_headers"]

    def test_pages_still_refuse_a_post_without_a_csrf_token(self, app):
        """Flask-WTF's app-wide check still guards every page, forms or not (here a plain POST view)."""
        app.config["WTF_CSRF_ENABLED"] = True
        app.add_url_rule("/plain-post", "plain_post", lambda: "done", methods=["POST"])
        client = app.test_client()
        token = csrf_from(client.get("/auth/login").text)
        assert client.post("/plain-post").status_code == 400
        assert client.post("/plain-post", data={"csrf_token": token}).text == "done"


def test_a_closure_over_the_extension_is_its_hook_too():
    """Flask-WTF registers its CSRF check as a function defined inside init_app, closing over the extension."""
    app, recorder, others = recording_app()

    def register(extension):
        @app.before_request
        def check():
            extension.calls.append(("closure", request.path))

    register(recorder)
    assert skip_extension_hooks(app, recorder) == 4
    client = app.test_client()
    client.get("/page")
    client.post("/sms/inbound")
    assert ("closure", "/page") in recorder.calls and ("closure", "/sms/inbound") not in recorder.calls
    assert others == ["/page", "/sms/inbound"]
