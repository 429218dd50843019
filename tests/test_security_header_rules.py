"""The pure rules behind the security headers: the tile host in the CSP, what may be cached, the HSTS settings."""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.settings import ConfigError, load_config
from mutualaid.security_headers import (
    content_security_policy,
    fixed_headers,
    may_be_cached,
    tile_source,
)

# A CSP host source with nothing that could end the directive or start another (`;`, `,`, quotes, spaces).
SAFE_SOURCE = re.compile(r"^https?://(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d+)?$")
LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
PRODUCTION = {"SECRET_KEY": "s", "DATABASE_URL": "postgresql://db/x"}


@pytest.mark.parametrize("url, source", [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
    ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
    ("https://tiles-{s}.example.org:8443/{z}/{x}/{y}.png", "https://*.example.org:8443"),
    ("HTTP://Tiles.Example.org/{z}/{x}/{y}.png", "http://tiles.example.org"),
    ("/tiles/{z}/{x}/{y}.png", None),  # our own server: 'self' covers it
    ("https://{s}.org/{z}.png", None),  # a wildcard that would allow a whole top-level domain
    ("https://user:pw@tiles.example.org/{z}.png", None),
    ("javascript:alert(1)", None),
    ("https://tiles.example.org;script-src *", None),
])
def test_tile_source(url, source):
    assert tile_source(url) == source


@given(st.text())
def test_any_tile_url_gives_a_safe_source_or_none(url):
    source = tile_source(url)
    assert source is None or SAFE_SOURCE.match(source), source


@given(st.sampled_from(["http", "https"]), st.lists(LABEL, min_size=2, max_size=4),
       st.one_of(st.none(), st.integers(1, 65535)), st.booleans())
def test_a_plain_tile_host_is_allowed_as_it_is(scheme, labels, port, templated):
    host = ".".join(labels)
    netloc = ("{s}." if templated else "") + host + (f":{port}" if port else "")
    expected = f"{scheme}://" + ("*." if templated else "") + host + (f":{port}" if port else "")
    assert tile_source(f"{scheme}://{netloc}/{{z}}/{{x}}/{{y}}.png") == expected


def test_the_policy_allows_no_inline_code_and_no_framing():
    policy = content_security_policy("https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    assert "unsafe" not in policy and "nonce" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy and "base-uri 'none'" in policy
    assert "img-src 'self' data: https://tile.openstreetmap.org" in policy


@pytest.mark.parametrize("endpoint, logged_in, cached", [
    ("static", True, True),
    ("main.vendor", True, True),
    ("main.index", False, True),
    ("public.group", False, True),
    ("main.index", True, False),
    ("public.group", True, False),
    ("intake.need_done", False, False),
    ("coordinator.home", True, False),
    (None, False, False),  # no route: a 404 or 405
])
def test_only_public_files_and_anonymous_public_pages_may_be_cached(endpoint, logged_in, cached):
    assert may_be_cached(endpoint, lambda: logged_in) is cached


def test_files_never_look_up_who_is_logged_in():
    def refuse():
        raise AssertionError("looked up the person for a file")

    assert may_be_cached("static", refuse)


def test_production_sends_hsts_for_a_year_by_default():
    settings = load_config("production", PRODUCTION)
    assert fixed_headers(settings)["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize("environ, header", [
    ({"HSTS_SECONDS": "0"}, None),
    ({"HSTS_SECONDS": "600", "HSTS_INCLUDE_SUBDOMAINS": "no"}, "max-age=600"),
])
def test_an_operator_can_shorten_or_turn_off_hsts(environ, header):
    settings = load_config("production", PRODUCTION | environ)
    assert fixed_headers(settings).get("Strict-Transport-Security") == header


def test_other_environments_send_no_hsts():
    assert "Strict-Transport-Security" not in fixed_headers(load_config("development", {}))


@pytest.mark.parametrize("value", ["a year", "-1", "1.5"])
def test_a_bad_hsts_setting_stops_start_up(value):
    with pytest.raises(ConfigError, match="HSTS_SECONDS"):
        load_config("production", PRODUCTION | {"HSTS_SECONDS": value})
