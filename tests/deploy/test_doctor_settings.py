"""`flask doctor`'s checks of the settings alone: each passes on a good value and says what to fix on a bad one."""
import os

import pytest

from mutualaid.doctor import settings_checks as checks

GOOD_SECRET = "9f" * 32
PRODUCTION = {"ENV_NAME": "production", "SECRET_KEY": GOOD_SECRET, "TRUSTED_PROXIES": 1,
              "SMS_BACKEND": "console", "RATELIMIT_ENABLED": True}


def statuses(findings):
    """The statuses in order."""
    return [finding.status for finding in findings]


def test_production_environment_is_ok_and_development_is_a_warning():
    assert statuses(checks.check_environment(PRODUCTION)) == ["OK"]
    assert statuses(checks.check_environment({"ENV_NAME": "development"})) == ["WARN"]


@pytest.mark.parametrize("secret, status", [
    (GOOD_SECRET, "OK"), ("", "FAIL"), ("short", "FAIL"), ("development-only-not-secret", "FAIL"),
    ("replace-me-with-a-long-random-value", "FAIL")])
def test_secret_key_must_be_long_and_not_a_known_value(secret, status):
    findings = checks.check_secret_key({**PRODUCTION, "SECRET_KEY": secret})
    assert statuses(findings) == [status]
    if status == "FAIL":
        assert "secrets.token_hex" in findings[0].message


@pytest.mark.parametrize("url, status", [
    ("https://aid.example.org", ["OK"]), ("https://aid.example.org/", ["OK"]),
    ("http://aid.example.org", ["FAIL"]), ("aid.example.org", ["FAIL"]), ("https://aid.example.org/?x=1", ["FAIL"]),
    ("https://aid.example.org/aid", ["WARN"]), ("https://127.0.0.1", ["WARN"]), ("https://192.168.1.5", ["WARN"])])
def test_public_base_url_must_be_a_public_https_address(url, status):
    assert statuses(checks.check_public_base_url({**PRODUCTION, "PUBLIC_BASE_URL": url})) == status


def test_plain_http_public_address_says_nobody_can_log_in():
    (finding,) = checks.check_public_base_url({**PRODUCTION, "PUBLIC_BASE_URL": "http://aid.example.org"})
    assert "nobody can log in" in finding.message


def test_missing_public_base_url_fails_with_twilio_and_warns_without():
    assert statuses(checks.check_public_base_url({**PRODUCTION, "SMS_BACKEND": "twilio"})) == ["FAIL"]
    assert statuses(checks.check_public_base_url(PRODUCTION)) == ["WARN"]


def test_https_without_trusted_proxies_warns_in_production():
    findings = checks.check_public_base_url({**PRODUCTION, "TRUSTED_PROXIES": 0,
                                             "PUBLIC_BASE_URL": "https://aid.example.org"})
    assert statuses(findings) == ["WARN"] and "TRUSTED_PROXIES=1" in findings[0].message


@pytest.mark.parametrize("url, status", [
    ("postgresql+psycopg://aid:hunter2@db:5432/mutualaid", "OK"), ("sqlite:////srv/aid/aid.sqlite3", "WARN"),
    ("sqlite://", "FAIL"), ("not a url", "FAIL")])
def test_database_url(url, status):
    findings = checks.check_database_url({**PRODUCTION, "SQLALCHEMY_DATABASE_URI": url})
    assert statuses(findings) == [status]
    assert "hunter2" not in findings[0].message


def test_memory_rate_limits_warn_in_production_only():
    assert statuses(checks.check_rate_limit_kind({**PRODUCTION, "RATELIMIT_STORAGE_URI": "memory://"})) == ["WARN"]
    assert statuses(checks.check_rate_limit_kind({"ENV_NAME": "development", "RATELIMIT_ENABLED": True,
                                                  "RATELIMIT_STORAGE_URI": "memory://"})) == ["OK"]
    assert checks.check_rate_limit_kind({**PRODUCTION, "RATELIMIT_STORAGE_URI": "redis://r:6379/0"}) == []


@pytest.mark.parametrize("url, attribution, status", [
    ("https://tiles.example.org/{z}/{x}/{y}.png", "© OpenStreetMap contributors", ["OK"]),
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap contributors", ["WARN"]),
    ("https://tiles.example.org/{z}/{x}/{y}.png", "", ["FAIL"]),
    ("https://tiles.example.org/tiles.png", "credit", ["FAIL"]),
    ("http://tiles.example.org/{z}/{x}/{y}.png", "credit", ["WARN"]),
    ("/tiles/{z}/{x}/{y}.png", "credit", ["OK"])])
def test_map_tile_url_and_attribution(url, attribution, status):
    assert statuses(checks.check_map_tile_url({"MAP_TILE_URL": url, "MAP_TILE_ATTRIBUTION": attribution})) == status


def make_catalogue(root, compiled: bool, older: bool = False):
    """A translations folder with one Spanish catalogue, compiled or not."""
    folder = root / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text("")
    if compiled:
        (folder / "messages.mo").write_bytes(b"")
        if older:
            os.utime(folder / "messages.mo", (1, 1))


def test_compiled_translations_are_ok(tmp_path):
    make_catalogue(tmp_path, compiled=True)
    assert statuses(checks.check_translations(tmp_path)) == ["OK"]


def test_uncompiled_translations_fail(tmp_path):
    make_catalogue(tmp_path, compiled=False)
    (finding,) = checks.check_translations(tmp_path)
    assert finding.status == "FAIL" and "pybabel compile" in finding.message


def test_translations_compiled_before_their_last_change_warn(tmp_path):
    make_catalogue(tmp_path, compiled=True, older=True)
    assert statuses(checks.check_translations(tmp_path)) == ["WARN"]
