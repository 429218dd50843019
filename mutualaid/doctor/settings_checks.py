"""Checks of the settings alone (no network): the secret, the public address, the database URL, the
map tiles' address, the rate-limit store's kind, and the compiled translations."""
from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from mutualaid.doctor.findings import Finding, fail, ok, warn
from mutualaid.security_headers import tile_source

KNOWN_SECRETS = {"development-only-not-secret", "testing-only-not-secret", "change-me", "changeme", "secret",
                 "replace-me-with-a-long-random-value"}
MAKE_SECRET = "python3 -c 'import secrets; print(secrets.token_hex(32))'"
MIN_SECRET_LENGTH = 32


def production(config: Mapping) -> bool:
    """Whether these are a real deployment's settings."""
    return config.get("ENV_NAME") == "production"


def check_environment(config: Mapping) -> list[Finding]:
    """MUTUALAID_ENV: production for a real deployment."""
    if production(config):
        return [ok("config", "MUTUALAID_ENV is production.")]
    return [warn("config", f"MUTUALAID_ENV is {config.get('ENV_NAME')}: fine for trying it out; a real "
                           "deployment needs MUTUALAID_ENV=production (secure cookies, required secrets).")]


def check_secret_key(config: Mapping) -> list[Finding]:
    """SECRET_KEY: set, not a known default, long enough to be unguessable."""
    secret = config.get("SECRET_KEY") or ""
    serious = fail if production(config) else warn
    if not secret:
        return [fail("config", f"SECRET_KEY is not set. Make one with: {MAKE_SECRET}")]
    if secret in KNOWN_SECRETS:
        return [serious("config", "SECRET_KEY is a value everyone can read in the code or the example file, so "
                                  f"anyone could forge a login. Make a new one with: {MAKE_SECRET}")]
    if len(secret) < MIN_SECRET_LENGTH:
        return [serious("config", f"SECRET_KEY is only {len(secret)} characters; use at least {MIN_SECRET_LENGTH} "
                                  f"random ones. Make one with: {MAKE_SECRET}")]
    return [ok("config", "SECRET_KEY is set and long.")]


def check_public_base_url(config: Mapping) -> list[Finding]:
    """PUBLIC_BASE_URL: https, just an address, a public name; the proxy setting that goes with it."""
    url = (config.get("PUBLIC_BASE_URL") or "").strip()
    if not url:
        if config.get("SMS_BACKEND") == "twilio":
            return [fail("config", "PUBLIC_BASE_URL is not set: Twilio's signatures cannot be checked and texts "
                                   "get no delivery reports. Set it to your site's address, like https://aid.example.org")]
        return [warn("config", "PUBLIC_BASE_URL is not set: links in texts and emails cannot point at the site. "
                               "Set it to your site's address, like https://aid.example.org")]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.query or parts.fragment:
        return [fail("config", f"PUBLIC_BASE_URL {url!r} is not a plain web address. Give just the address, "
                               "like https://aid.example.org")]
    findings = []
    if parts.path not in ("", "/"):
        findings.append(warn("config", f"PUBLIC_BASE_URL has a path ({parts.path}); the app expects to be at the "
                                       "root of its address, like https://aid.example.org"))
    if parts.scheme == "http":
        findings.append((fail if production(config) else warn)(
            "config", "PUBLIC_BASE_URL starts with http://. In production the login cookies are sent only over "
                      "HTTPS, so nobody can log in over plain http. Put Caddy (or nginx with a certificate) in "
                      "front and set PUBLIC_BASE_URL=https://…"))
    if _local_host(parts.hostname):
        findings.append(warn("config", f"PUBLIC_BASE_URL names {parts.hostname}, which Twilio and other people's "
                                       "browsers cannot reach, and no certificate can be issued for. Use the "
                                       "site's public domain name."))
    if production(config) and parts.scheme == "https" and not config.get("TRUSTED_PROXIES"):
        findings.append(warn("config", "TRUSTED_PROXIES is 0. If Caddy or nginx is in front of the app (the usual "
                                       "way to get HTTPS), set TRUSTED_PROXIES=1 so the app sees each visitor's "
                                       "address and that the visit was over HTTPS."))
    return findings or [ok("config", f"PUBLIC_BASE_URL is {url}.")]


def _local_host(host: str) -> bool:
    """Whether a host name is this machine or a private network address."""
    if host == "localhost" or host.endswith(".localhost") or host.endswith(".local"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


def check_database_url(config: Mapping) -> list[Finding]:
    """DATABASE_URL: PostgreSQL for a real deployment; SQLite is for one machine."""
    try:
        url = make_url(config.get("SQLALCHEMY_DATABASE_URI") or "")
    except Exception:
        return [fail("config", "DATABASE_URL is not a database address, like "
                               "postgresql://mutualaid:PASSWORD@localhost/mutualaid")]
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return [fail("config", "DATABASE_URL is an in-memory SQLite database: everything is lost when the "
                                   "app stops. Give a file or, better, PostgreSQL.")]
        if production(config):
            return [warn("config", "DATABASE_URL is a SQLite file: fine for a small group on one machine with one "
                                   "web process; PostgreSQL is safer for more (see the README).")]
        return [ok("config", "DATABASE_URL is a SQLite file.")]
    if url.get_backend_name() != "postgresql":
        return [warn("config", f"DATABASE_URL uses {url.get_backend_name()}; only PostgreSQL and SQLite are tested.")]
    where = f"{url.host or 'local socket'}{':' + str(url.port) if url.port else ''}/{url.database}"
    return [ok("config", f"DATABASE_URL is PostgreSQL at {where}.")]  # never the password


def check_rate_limit_kind(config: Mapping) -> list[Finding]:
    """RATELIMIT_STORAGE_URI: memory:// counts per web worker, so production should share a store."""
    uri = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if production(config) and not config.get("RATELIMIT_ENABLED"):
        return [warn("rate-limits", "RATELIMIT_ENABLED is off: logins and forms can be tried without limit.")]
    if uri.startswith("memory://"):
        if production(config):
            return [warn("rate-limits", "RATELIMIT_STORAGE_URI is memory://: each web worker counts login and "
                                        "form tries on its own, so with several workers an attacker gets several "
                                        "times the tries. Run Redis and set RATELIMIT_STORAGE_URI=redis://…")]
        return [ok("rate-limits", "Limits are counted in memory (fine with one web process).")]
    return []  # a shared store: the services check connects to it


def check_map_tile_url(config: Mapping) -> list[Finding]:
    """MAP_TILE_URL's form and MAP_TILE_ATTRIBUTION; openstreetmap.org's own servers are for light use."""
    url = (config.get("MAP_TILE_URL") or "").strip()
    attribution = (config.get("MAP_TILE_ATTRIBUTION") or "").strip()
    findings = []
    if not all(part in url for part in ("{z}", "{x}", "{y}")):
        return [fail("map", f"MAP_TILE_URL {url!r} must contain {{z}}, {{x}} and {{y}}, like "
                            "https://tile.example.org/{z}/{x}/{y}.png")]
    if not url.startswith("/") and tile_source(url) is None:
        return [fail("map", f"MAP_TILE_URL {url!r} is not a usable address for tiles.")]
    if url.startswith("http://"):
        findings.append(warn("map", "MAP_TILE_URL starts with http://: browsers refuse plain-http pictures on an "
                                    "HTTPS site, so the map would be blank. Use an https:// tile server."))
    host = urlsplit(url).hostname or ""
    if host == "openstreetmap.org" or host.endswith(".openstreetmap.org"):
        findings.append(warn("map", "MAP_TILE_URL is OpenStreetMap's own tile server, run by volunteers for light "
                                    "use. Fine for a small group; for heavy use pick a tile provider (its usage "
                                    "policy: https://operations.osmfoundation.org/policies/tiles/)."))
    if not attribution:
        findings.append(fail("map", "MAP_TILE_ATTRIBUTION is empty: map data licences require a credit on the "
                                    "map, such as \"© OpenStreetMap contributors\"."))
    return findings or [ok("map", f"MAP_TILE_URL is {url}, credited \"{attribution}\".")]


def check_translations(root: Path) -> list[Finding]:
    """Every .po catalogue compiled, and not older than its .po (else Spanish falls back to English)."""
    findings = []
    for po in sorted(root.glob("*/LC_MESSAGES/messages.po")):
        language, mo = po.parent.parent.name, po.with_suffix(".mo")
        if not mo.exists():
            findings.append(fail("translations", f"The {language} translation is not compiled, so every {language} "
                                                 "page and text shows English. Run: pybabel compile -d translations"))
        elif mo.stat().st_mtime < po.stat().st_mtime:
            findings.append(warn("translations", f"The {language} translation was compiled before its last change. "
                                                 "Run: pybabel compile -d translations"))
    return findings or [ok("translations", "Translations are compiled.")]
