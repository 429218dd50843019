"""mutualaid: neighbours matching needs with offers. `create_app` builds the web app."""
from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from flask import Flask

from config import load_config


def create_app(config: str | Mapping | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error pages, security headers, commands."""
    app = Flask(__name__, instance_relative_config=True,
                template_folder="../templates", static_folder="static")
    configure(app, config)
    configure_logger(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def configure(app: Flask, config: str | Mapping | None) -> None:
    """Load settings from the environment (or a named config plus overrides, in tests)."""
    overrides: Mapping = {}
    name = None
    if isinstance(config, str):
        name = config
    elif config is not None:
        overrides = config
        name = overrides.get("ENV_NAME")
    settings = load_config(name)
    settings.update(overrides)
    if not settings.get("SQLALCHEMY_DATABASE_URI"):
        # The embedded default: a SQLite file in the instance folder (created on first use).
        os.makedirs(app.instance_path, exist_ok=True)
        settings["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{app.instance_path}/mutualaid.sqlite3"
    app.config.from_mapping(settings)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)


def configure_logger(app: Flask) -> None:
    """Log to stderr at the configured level; personal data is never passed to loggers."""
    app.logger.setLevel(app.config["LOG_LEVEL"])
    logging.getLogger("mutualaid").setLevel(app.config["LOG_LEVEL"])


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    from mutualaid import auth_setup, i18n
    from mutualaid.extensions import babel, cache, csrf, db, limiter, login_manager, migrate
    from mutualaid.sms import hooks as sms_hooks

    db.init_app(app)
    configure_sqlite(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    login_manager.init_app(app)
    auth_setup.init_app(app)
    sms_hooks.init_app(app)  # after the extensions whose hooks it keeps off Twilio's webhooks


def configure_sqlite(app: Flask) -> None:
    """On SQLite: enforce foreign keys, and let the web and scheduler processes share the file (WAL)."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from mutualaid.sqlite import install_pragmas

        install_pragmas()


def register_blueprints(app: Flask) -> None:
    """Register each audience's blueprint explicitly."""
    from mutualaid.api import bp as api_bp
    from mutualaid.audit_log import bp as audit_log_bp
    from mutualaid.auth import bp as auth_bp
    from mutualaid.coordinator import bp as coordinator_bp
    from mutualaid.exports import bp as exports_bp
    from mutualaid.intake import bp as intake_bp
    from mutualaid.main import bp as main_bp
    from mutualaid.public import bp as public_bp
    from mutualaid.setup import bp as setup_bp
    from mutualaid.sms.webhook import bp as sms_bp
    from mutualaid.volunteer import bp as volunteer_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(intake_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(volunteer_bp, url_prefix="/volunteer")
    app.register_blueprint(coordinator_bp, url_prefix="/coordinator")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(sms_bp, url_prefix="/sms")
    app.register_blueprint(exports_bp, url_prefix="/coordinator/exports")
    app.register_blueprint(audit_log_bp, url_prefix="/coordinator/audit")
    app.register_blueprint(public_bp)
    app.register_blueprint(setup_bp)


def register_errorhandlers(app: Flask) -> None:
    """Friendly error pages (HTML, or JSON under /api) that never echo request data, and the check that
    turns hostile input into one of them."""
    from mutualaid import errors, input_limits

    errors.init_app(app)
    input_limits.init_app(app)


def register_security_headers(app: Flask) -> None:
    """CSP, anti-framing and the other security headers on every answer; no-store on private ones."""
    from mutualaid.security_headers import init_app

    init_app(app)


def register_commands(app: Flask) -> None:
    """`flask --app wsgi ...` commands for operators."""
    from mutualaid.commands import init_app

    init_app(app)


def register_template_helpers(app: Flask) -> None:
    """Filters and globals the templates share."""
    from mutualaid import maps
    from mutualaid.templating import init_app

    init_app(app)
    maps.init_app(app)
