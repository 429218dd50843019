"""Settings for each environment, read from the environment at app creation (never at import)."""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A deployment is misconfigured; refuse to start rather than run insecurely."""


def _bool(value: str | None, default: bool = False) -> bool:
    """Parse a yes/no environment value."""
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _number(environ: Mapping[str, str], name: str, kind):
    """A non-negative number from the environment, or a ConfigError naming the variable."""
    try:
        value = kind(environ[name])
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number.") from exc
    if value < 0:
        raise ConfigError(f"{name} may not be negative.")
    return value


class BaseConfig:
    """Settings shared by every environment; `from_env` fills them from variables."""

    ENV_NAME = "base"
    SECRET_KEY: str | None = None
    # Keys the hashes that keep an erased number's opt-out; default SECRET_KEY. Set it on its own so
    # rotating SECRET_KEY does not forget those opt-outs.
    OPT_OUT_HASH_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    WTF_CSRF_TIME_LIMIT = 3600 * 8
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    MAX_CONTENT_LENGTH = 256 * 1024
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")
    LANGUAGES = ("en", "es")
    SMS_BACKEND = "console"
    TWILIO_ACCOUNT_SID: str | None = None
    TWILIO_AUTH_TOKEN: str | None = None
    TWILIO_FROM_NUMBER: str | None = None
    TWILIO_MESSAGING_SERVICE_SID: str | None = None
    TWILIO_WEBHOOK_SHARED_KEYS: dict = {}  # shared key id -> secret, for webhooks a Webhook Setting signs
    PUBLIC_BASE_URL: str | None = None
    GEOCODER = "offline"
    GEOCODER_OPTIONS: dict = {}
    GEOCODER_MIN_DELAY_SECONDS = 1.0
    DEFAULT_REGION = "GB"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    RATELIMIT_INTAKE = "20 per hour"
    RATELIMIT_LOGIN = "10 per minute"
    # Unknown references one address may try, all reference routes together, before it is answered 429.
    RATELIMIT_REF_GUESSES = "20 per 10 minutes"
    RATELIMIT_FORGET = "5 per hour"
    RATELIMIT_PASSWORD_LINK = "5 per hour"  # links to set a password asked for one email
    LOG_LEVEL = "INFO"
    # Figures (the public page, the coordinators' figures) are counted by the scheduler's refresh_figures
    # job every FIGURES_CACHE_SECONDS and kept in the database; pages only read them, and each worker holds
    # what it read for up to 30 seconds in its cache (SimpleCache: per worker process).
    CACHE_TYPE = "SimpleCache"
    CACHE_DIR: str | None = None
    CACHE_REDIS_URL: str | None = None
    CACHE_DEFAULT_TIMEOUT = 300
    FIGURES_CACHE_SECONDS = 300
    TRUSTED_PROXIES = 0
    MAX_DETAILS_LENGTH = 2000
    EMAIL_BACKEND = "console"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_FROM = "mutualaid@localhost"
    MAP_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    MAP_TILE_ATTRIBUTION = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    SETUP_TOKEN_FILE: str | None = None  # the first-run setup key; None: instance/setup-token
    MAP_TILE_SUBDOMAINS = "abc"  # what {s} in MAP_TILE_URL stands for, one letter each
    MAP_TILE_MAX_ZOOM = 19
    NOTIFY_FIRST_RING = 3
    NOTIFY_MAX_PER_DAY = 6  # new-request notices one volunteer gets in 24 hours, at most
    SMS_MAX_PER_NUMBER_PER_HOUR = 10
    SMS_MAX_PER_NUMBER_PER_DAY = 40
    SMS_MAX_INBOUND_PER_10_MINUTES = 20
    SMS_INBOUND_INLINE = False  # production: the webhook only stores; the process_inbound job converses
    # How often the process_inbound job looks for stored texts (seconds; fractions allowed). Each run
    # answers everything waiting, so this is how long a text waits on a quiet day.
    SMS_INBOUND_EVERY_SECONDS = 1.0
    # Twilio answers STOP/START/HELP (and their synonyms) itself, as a new Twilio number does; set false
    # only if the number's Opt-Out handling is turned off, so that we answer them instead.
    SMS_TWILIO_ANSWERS_KEYWORDS = True
    # SMS cost. Each group texts only its allowed countries (its own by default, set on its Settings
    # page) and at most this many segments (160 plain characters each) a day before only replies to
    # people who texted go; a group may change its own cap there. The price a segment only estimates
    # the day's cost on that page, in whatever currency the provider bills.
    SMS_DAILY_SEGMENT_CAP = 2000
    SMS_SEGMENT_PRICE = 0.0
    # Sending at the provider's pace. At most SMS_SEND_RATE_PER_SECOND texts a second leave from each
    # sender (Twilio: about 1 a second from one ordinary number; a Messaging Service allows many more,
    # e.g. 10-50, as Twilio's console shows for the account); 0 sends as fast as it can. The outbox makes
    # up to SMS_SEND_CONCURRENCY calls to the provider at once: enough to keep the rate when each call
    # takes a few hundred milliseconds (rate x seconds a call). The rate holds per outbox process, so
    # with two processes set half of it in each.
    SMS_SEND_RATE_PER_SECOND = 1.0
    SMS_SEND_CONCURRENCY = 4
    # /healthz answers 503 ("scheduler": "stale") when no scheduler job has finished for this many seconds.
    SCHEDULER_STALE_SECONDS = 300

    # Security headers (mutualaid/security_headers.py). HSTS_SECONDS: how long a browser that has seen
    # the site over HTTPS refuses plain HTTP for it (production: a year); 0 sends no HSTS header, for a
    # group whose HTTPS is not working yet. HSTS_INCLUDE_SUBDOMAINS: the same for every subdomain.
    HSTS_SECONDS = 0
    HSTS_INCLUDE_SUBDOMAINS = True

    # Logins and sessions. A coordinator's login ends after COORDINATOR_IDLE_MINUTES unused and at the
    # latest COORDINATOR_SESSION_HOURS after logging in, "keep me logged in" or not; everyone else's
    # after VOLUNTEER_IDLE_DAYS unused and at the latest VOLUNTEER_SESSION_DAYS.
    COORDINATOR_IDLE_MINUTES = 30
    COORDINATOR_SESSION_HOURS = 12
    VOLUNTEER_IDLE_DAYS = 14
    VOLUNTEER_SESSION_DAYS = 30
    # After LOGIN_LOCK_AFTER wrong passwords in a row an account waits LOGIN_LOCK_SECONDS before it can
    # log in again, twice as long after each further one, at most LOGIN_LOCK_MAX_SECONDS.
    LOGIN_LOCK_AFTER = 5
    LOGIN_LOCK_SECONDS = 60
    LOGIN_LOCK_MAX_SECONDS = 900
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_SAMESITE = "Lax"

    # Hostile input: what one request may carry, refused (413 or 400, with a message) before it is parsed
    # or stored. MAX_CONTENT_LENGTH above caps every body; a form's fields are capped in number and in
    # size, and the API's JSON in size and in nesting (a deep nesting would exhaust the parser).
    MAX_FORM_PARTS = 200
    MAX_FORM_MEMORY_SIZE = 64 * 1024
    API_MAX_BODY_BYTES = 32 * 1024
    API_MAX_JSON_DEPTH = 8

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> dict:
        """Return this class's settings overridden by the given environment."""
        settings = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
        settings["SECRET_KEY"] = environ.get("SECRET_KEY") or cls.SECRET_KEY
        settings["SQLALCHEMY_DATABASE_URI"] = environ.get("DATABASE_URL") or cls.SQLALCHEMY_DATABASE_URI
        for name in (
            "SMS_BACKEND", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER",
            "TWILIO_MESSAGING_SERVICE_SID", "PUBLIC_BASE_URL", "GEOCODER", "DEFAULT_REGION",
            "RATELIMIT_STORAGE_URI", "RATELIMIT_REF_GUESSES", "RATELIMIT_FORGET", "RATELIMIT_PASSWORD_LINK", "LOG_LEVEL", "EMAIL_BACKEND",
            "MAIL_SERVER", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_FROM", "MAP_TILE_URL", "MAP_TILE_ATTRIBUTION", "CACHE_TYPE", "CACHE_DIR",
            "CACHE_REDIS_URL", "OPT_OUT_HASH_KEY",
        ):
            if environ.get(name):
                settings[name] = environ[name]
        if environ.get("GEOCODER_OPTIONS"):
            try:
                settings["GEOCODER_OPTIONS"] = json.loads(environ["GEOCODER_OPTIONS"])
            except ValueError as exc:
                raise ConfigError(f"GEOCODER_OPTIONS is not valid JSON: {exc}") from exc
        settings["TWILIO_WEBHOOK_SHARED_KEYS"] = parse_shared_keys(environ.get("TWILIO_WEBHOOK_SHARED_KEYS", ""))
        if environ.get("MAIL_PORT"):
            settings["MAIL_PORT"] = int(environ["MAIL_PORT"])
        settings["MAIL_USE_TLS"] = _bool(environ.get("MAIL_USE_TLS"), cls.MAIL_USE_TLS)
        if environ.get("FIGURES_CACHE_SECONDS"):
            settings["FIGURES_CACHE_SECONDS"] = int(environ["FIGURES_CACHE_SECONDS"])
        if environ.get("SMS_INBOUND_EVERY_SECONDS"):
            settings["SMS_INBOUND_EVERY_SECONDS"] = _number(environ, "SMS_INBOUND_EVERY_SECONDS", float) or 1.0
        if environ.get("SMS_DAILY_SEGMENT_CAP"):
            settings["SMS_DAILY_SEGMENT_CAP"] = _number(environ, "SMS_DAILY_SEGMENT_CAP", int)
        if environ.get("SMS_SEGMENT_PRICE"):
            settings["SMS_SEGMENT_PRICE"] = _number(environ, "SMS_SEGMENT_PRICE", float)
        if environ.get("SMS_SEND_RATE_PER_SECOND"):
            settings["SMS_SEND_RATE_PER_SECOND"] = _number(environ, "SMS_SEND_RATE_PER_SECOND", float)
        if environ.get("SMS_SEND_CONCURRENCY"):
            settings["SMS_SEND_CONCURRENCY"] = _positive_int("SMS_SEND_CONCURRENCY", environ["SMS_SEND_CONCURRENCY"])
        if environ.get("SCHEDULER_STALE_SECONDS"):
            settings["SCHEDULER_STALE_SECONDS"] = _positive_int("SCHEDULER_STALE_SECONDS", environ["SCHEDULER_STALE_SECONDS"])
        if environ.get("TRUSTED_PROXIES"):
            settings["TRUSTED_PROXIES"] = int(environ["TRUSTED_PROXIES"])
        settings["SMS_TWILIO_ANSWERS_KEYWORDS"] = _bool(environ.get("SMS_TWILIO_ANSWERS_KEYWORDS"),
                                                        cls.SMS_TWILIO_ANSWERS_KEYWORDS)
        settings["RATELIMIT_ENABLED"] = _bool(environ.get("RATELIMIT_ENABLED"), cls.RATELIMIT_ENABLED)
        settings.update(security_header_settings(environ, cls))
        settings.update(map_tile_settings(environ, cls))
        for name in ("COORDINATOR_IDLE_MINUTES", "COORDINATOR_SESSION_HOURS", "VOLUNTEER_IDLE_DAYS",
                     "VOLUNTEER_SESSION_DAYS", "LOGIN_LOCK_AFTER", "LOGIN_LOCK_SECONDS", "LOGIN_LOCK_MAX_SECONDS"):
            if environ.get(name):
                settings[name] = _positive_int(name, environ[name])
        if url := settings["SQLALCHEMY_DATABASE_URI"]:
            settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)
        return settings

    @classmethod
    def validate(cls, settings: Mapping) -> None:
        """Refuse settings that would run insecurely; the default accepts anything."""


def security_header_settings(environ: Mapping[str, str], cls: type[BaseConfig]) -> dict:
    """HSTS_SECONDS (a whole number of seconds, 0 for none) and HSTS_INCLUDE_SUBDOMAINS from the environment."""
    seconds = cls.HSTS_SECONDS
    if environ.get("HSTS_SECONDS", "").strip():
        try:
            seconds = int(environ["HSTS_SECONDS"])
        except ValueError as exc:
            raise ConfigError("HSTS_SECONDS must be a whole number of seconds (0 turns HSTS off).") from exc
        if seconds < 0:
            raise ConfigError("HSTS_SECONDS must be a whole number of seconds (0 turns HSTS off).")
    return {"HSTS_SECONDS": seconds,
            "HSTS_INCLUDE_SUBDOMAINS": _bool(environ.get("HSTS_INCLUDE_SUBDOMAINS"), cls.HSTS_INCLUDE_SUBDOMAINS)}


def map_tile_settings(environ: Mapping[str, str], cls: type[BaseConfig]) -> dict:
    """MAP_TILE_SUBDOMAINS (letters for {s}) and MAP_TILE_MAX_ZOOM (the provider's deepest zoom, 1-22)."""
    settings = {"MAP_TILE_SUBDOMAINS": environ.get("MAP_TILE_SUBDOMAINS", "").strip() or cls.MAP_TILE_SUBDOMAINS,
                "MAP_TILE_MAX_ZOOM": cls.MAP_TILE_MAX_ZOOM}
    if environ.get("MAP_TILE_MAX_ZOOM", "").strip():
        zoom = _positive_int("MAP_TILE_MAX_ZOOM", environ["MAP_TILE_MAX_ZOOM"])
        if zoom > 22:
            raise ConfigError("MAP_TILE_MAX_ZOOM must be a whole number from 1 to 22.")
        settings["MAP_TILE_MAX_ZOOM"] = zoom
    return settings


def _positive_int(name: str, value: str) -> int:
    """A whole number above zero, or a clear start-up error."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ConfigError(f"{name} must be a whole number above zero.")
    return number


def parse_shared_keys(value: str) -> dict[str, str]:
    """TWILIO_WEBHOOK_SHARED_KEYS: `id=secret` pairs separated by commas (two while a key is rotated)."""
    keys = {}
    for pair in filter(None, (part.strip() for part in value.split(","))):
        key_id, separator, secret = pair.partition("=")
        if not (separator and key_id.strip() and secret.strip()):
            raise ConfigError("TWILIO_WEBHOOK_SHARED_KEYS must be id=secret pairs separated by commas.")
        keys[key_id.strip()] = secret.strip()
    return keys


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgres:// URLs (as hosting platforms give them)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class DevelopmentConfig(BaseConfig):
    """Local trying-out: embedded SQLite, console SMS, a throwaway secret."""

    ENV_NAME = "development"
    SECRET_KEY = "development-only-not-secret"
    RATELIMIT_ENABLED = False


class TestingConfig(BaseConfig):
    """Test runs: CSRF stays on (tests fetch tokens like a browser would); texts are handled inline."""

    SMS_INBOUND_INLINE = True
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-only-not-secret"
    RATELIMIT_ENABLED = False
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    FIGURES_CACHE_SECONDS = 0  # tests see every change at once (the cache has its own tests)
    SMS_SEND_RATE_PER_SECOND = 0.0  # unpaced; the pacing tests set a rate or pass their own pacer

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> dict:
        """As every environment, but the first-run setup key (default: instance/setup-token) is kept in
        the temporary folder, out of the project's."""
        settings = super().from_env(environ)
        settings["SETUP_TOKEN_FILE"] = str(Path(tempfile.gettempdir()) / f"mutualaid-testing-setup-token-{os.getpid()}")
        return settings


class ProductionConfig(BaseConfig):
    """Real deployments: secrets are required and cookies are secure."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS_SECONDS = 365 * 24 * 3600
    PREFERRED_URL_SCHEME = "https"  # links built outside a request (commands, jobs) say https

    @classmethod
    def validate(cls, settings: Mapping) -> None:
        """Fail at start-up on a missing secret or half-configured Twilio."""
        if not settings.get("SECRET_KEY"):
            raise ConfigError("SECRET_KEY must be set in production.")
        if not settings.get("SQLALCHEMY_DATABASE_URI"):
            raise ConfigError("DATABASE_URL must be set in production.")
        if settings.get("SMS_BACKEND") == "twilio":
            missing = [n for n in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not settings.get(n)]
            if not (settings.get("TWILIO_FROM_NUMBER") or settings.get("TWILIO_MESSAGING_SERVICE_SID")):
                missing.append("TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
            if not settings.get("PUBLIC_BASE_URL"):
                missing.append("PUBLIC_BASE_URL")
            if missing:
                raise ConfigError("SMS_BACKEND=twilio needs " + ", ".join(missing) + ".")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None, environ: Mapping[str, str] | None = None) -> dict:
    """Build and validate the settings for `name` (default: MUTUALAID_ENV or production)."""
    environ = os.environ if environ is None else environ
    name = name or environ.get("MUTUALAID_ENV") or "production"
    if name not in CONFIGS:
        raise ConfigError(f"Unknown MUTUALAID_ENV {name!r}; use one of {', '.join(CONFIGS)}.")
    cls = CONFIGS[name]
    settings = cls.from_env(environ)
    cls.validate(settings)
    return settings
