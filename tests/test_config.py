"""Configuration: read from the environment, and production refuses insecure settings."""
import pytest

from config import ConfigError, load_config
from mutualaid import create_app


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config("production", {"DATABASE_URL": "postgresql://x/y"})


def test_production_refuses_to_start_without_database_url():
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_config("production", {"SECRET_KEY": "s"})


def test_production_with_twilio_needs_its_credentials_and_a_sender():
    env = {"SECRET_KEY": "s", "DATABASE_URL": "postgresql://x/y", "SMS_BACKEND": "twilio",
           "TWILIO_ACCOUNT_SID": "AC123"}
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN.*TWILIO_FROM_NUMBER"):
        load_config("production", env)


def test_production_starts_when_configured():
    settings = load_config("production", {"SECRET_KEY": "s", "DATABASE_URL": "postgres://u@h/db"})
    assert settings["SECRET_KEY"] == "s"
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_environment_defaults_to_production_so_a_bare_deployment_fails_safe():
    with pytest.raises(ConfigError):
        load_config(None, {})


def test_unknown_environment_name_is_refused():
    with pytest.raises(ConfigError, match="Unknown MUTUALAID_ENV"):
        load_config("staging", {})


def test_development_defaults_to_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app("development")
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("/instance/mutualaid.sqlite3")
    assert app.config["SMS_BACKEND"] == "console" and app.config["GEOCODER"] == "offline"


def test_geocoder_options_must_be_json():
    with pytest.raises(ConfigError, match="GEOCODER_OPTIONS"):
        load_config("development", {"GEOCODER_OPTIONS": "{not json"})


def test_environment_variables_override_defaults():
    settings = load_config("development", {"SMS_BACKEND": "twilio", "GEOCODER": "nominatim",
                                           "GEOCODER_OPTIONS": '{"user_agent": "our-group"}'})
    assert settings["SMS_BACKEND"] == "twilio"
    assert settings["GEOCODER_OPTIONS"] == {"user_agent": "our-group"}


def test_creating_the_app_touches_no_database(tmp_path):
    url = f"sqlite:///{tmp_path}/never.sqlite3"
    create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url})
    assert not (tmp_path / "never.sqlite3").exists()


def test_the_default_sqlite_database_works_on_a_fresh_clone_without_an_instance_folder(tmp_path, monkeypatch):
    """`make run` on a new checkout: the instance folder does not exist yet, and must be made."""
    import sqlite3

    from flask import Flask

    from mutualaid import configure

    monkeypatch.delenv("DATABASE_URL", raising=False)
    instance = tmp_path / "instance"
    app = Flask("mutualaid", instance_path=str(instance))
    configure(app, "development")
    assert instance.is_dir()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance}/mutualaid.sqlite3"
    sqlite3.connect(instance / "mutualaid.sqlite3").close()  # the file can be created there


def test_the_wsgi_entry_point_freezes_what_start_up_loaded():
    """gunicorn's workers (and the CLI) keep the collector off the ~160,000 start-up objects."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith(("MUTUALAID_", "DATABASE_URL", "FLASK_"))}
    env.update(MUTUALAID_ENV="production", SECRET_KEY="s" * 32, DATABASE_URL="postgresql://u@127.0.0.1:1/none")
    script = "import gc, wsgi; print(gc.get_freeze_count(), len(gc.get_objects()))"
    out = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parent.parent, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    frozen, tracked = map(int, out.stdout.split())
    assert frozen > 50_000 and tracked < frozen / 10


def test_webhook_shared_keys_are_read_as_id_secret_pairs_for_rotation():
    env = {"SECRET_KEY": "s", "DATABASE_URL": "postgresql://x/y",
           "TWILIO_WEBHOOK_SHARED_KEYS": " webhooks_sharedkey_old = s3cret-one , webhooks_sharedkey_new=two=2 ,"}
    keys = load_config("production", env)["TWILIO_WEBHOOK_SHARED_KEYS"]
    assert keys == {"webhooks_sharedkey_old": "s3cret-one", "webhooks_sharedkey_new": "two=2"}
    assert load_config("production", {"SECRET_KEY": "s", "DATABASE_URL": "postgresql://x/y"})[
        "TWILIO_WEBHOOK_SHARED_KEYS"] == {}


@pytest.mark.parametrize("value", ["just-a-secret", "=secret", "key_id=", "a=1,oops"])
def test_a_malformed_webhook_shared_key_setting_stops_start_up(value):
    env = {"SECRET_KEY": "s", "DATABASE_URL": "postgresql://x/y", "TWILIO_WEBHOOK_SHARED_KEYS": value}
    with pytest.raises(ConfigError, match="TWILIO_WEBHOOK_SHARED_KEYS must be id=secret pairs"):
        load_config("production", env)


def test_login_settings_come_from_the_environment_and_cookies_are_secure_in_production():
    settings = load_config("production", {"SECRET_KEY": "s", "DATABASE_URL": "postgresql://x/y",
                                          "COORDINATOR_IDLE_MINUTES": "15", "LOGIN_LOCK_AFTER": "3"})
    assert settings["COORDINATOR_IDLE_MINUTES"] == 15 and settings["LOGIN_LOCK_AFTER"] == 3
    assert settings["COORDINATOR_SESSION_HOURS"] == 12 and settings["VOLUNTEER_IDLE_DAYS"] == 14
    assert settings["REMEMBER_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert settings["REMEMBER_COOKIE_HTTPONLY"] and settings["SESSION_COOKIE_SECURE"]


@pytest.mark.parametrize("value", ["0", "-5", "half an hour"])
def test_a_login_setting_that_is_not_a_whole_number_above_zero_stops_start_up(value):
    with pytest.raises(ConfigError, match="COORDINATOR_SESSION_HOURS"):
        load_config("testing", {"COORDINATOR_SESSION_HOURS": value})


def test_the_daily_text_limit_and_price_come_from_the_environment():
    settings = load_config("testing", {"SMS_DAILY_SEGMENT_CAP": "250", "SMS_SEGMENT_PRICE": "0.04"})
    assert (settings["SMS_DAILY_SEGMENT_CAP"], settings["SMS_SEGMENT_PRICE"]) == (250, 0.04)
    assert load_config("testing", {})["SMS_DAILY_SEGMENT_CAP"] == 2000


@pytest.mark.parametrize("value", ["-1", "lots"])
def test_a_daily_text_limit_that_is_not_a_number_or_negative_is_refused(value):
    with pytest.raises(ConfigError, match="SMS_DAILY_SEGMENT_CAP"):
        load_config("testing", {"SMS_DAILY_SEGMENT_CAP": value})
