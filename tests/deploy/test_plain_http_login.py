"""The Secure-cookie trap: with HTTPS-only cookies and a plain-http site, the log and the login page say
that nobody can log in, instead of a login that silently never sticks."""
import logging

import pytest

from tests.conftest import make_app

SECURE = {"SESSION_COOKIE_SECURE": True, "REMEMBER_COOKIE_SECURE": True}


def login_page(app, **request):
    """The login page's HTML."""
    return app.test_client().get("/auth/login", **request).get_data(as_text=True)


def test_a_plain_http_public_address_is_a_loud_warning_at_start_up(_schema, caplog):
    with caplog.at_level(logging.WARNING):
        make_app(_schema, PUBLIC_BASE_URL="http://aid.example.org", **SECURE)
    assert any("NOBODY CAN LOG IN" in record.getMessage() for record in caplog.records)


def test_the_login_page_says_logins_need_https(_schema):
    app = make_app(_schema, PUBLIC_BASE_URL="http://aid.example.org", **SECURE)
    assert 'data-testid="login-needs-https"' in login_page(app)


def test_behind_a_proxy_that_says_plain_http_the_login_page_says_so_too(_schema):
    app = make_app(_schema, PUBLIC_BASE_URL="", TRUSTED_PROXIES=1, **SECURE)
    assert 'data-testid="login-needs-https"' in login_page(app, headers={"X-Forwarded-Proto": "http"})
    assert 'data-testid="login-needs-https"' not in login_page(app, headers={"X-Forwarded-Proto": "https"})


@pytest.mark.parametrize("settings", [
    {"PUBLIC_BASE_URL": "https://aid.example.org", **SECURE},
    {"PUBLIC_BASE_URL": "http://127.0.0.1:5000"},  # development: cookies are not HTTPS-only
])
def test_no_notice_when_logins_work(_schema, settings, caplog):
    with caplog.at_level(logging.WARNING):
        app = make_app(_schema, **settings)
    assert 'data-testid="login-needs-https"' not in login_page(app)
    assert not any("NOBODY CAN LOG IN" in record.getMessage() for record in caplog.records)


def test_production_builds_https_links_outside_requests():
    from config import load_config

    settings = load_config("production", {"SECRET_KEY": "s" * 64, "DATABASE_URL": "postgresql://u@h/d"})
    assert settings["PREFERRED_URL_SCHEME"] == "https"
