"""The setup page's one-time key: random, kept in a file in the instance folder (every web worker on the
machine reads the same one), removed once the group exists."""
from __future__ import annotations

import hmac
import logging
import os
import secrets
from pathlib import Path

from flask import Flask

log = logging.getLogger(__name__)
ANNOUNCED_KEY = "mutualaid.setup_announced"


def token_file(app: Flask) -> Path:
    """Where the key is kept (SETUP_TOKEN_FILE, default instance/setup-token)."""
    return Path(app.config.get("SETUP_TOKEN_FILE") or os.path.join(app.instance_path, "setup-token"))


def setup_token(app: Flask) -> str | None:
    """The key, made on first use (only the first process to ask writes it); None if it cannot be kept."""
    path = token_file(app)
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()  # another worker made it a moment ago
    except OSError as exc:
        log.error("cannot keep the setup key in %s (%s): use the commands in README instead", path, exc.strerror)
        return None
    token = secrets.token_urlsafe(24)
    with os.fdopen(handle, "w") as file:
        file.write(token)
    return token


def token_matches(app: Flask, given: str | None) -> bool:
    """Whether `given` is the key (compared in constant time); never true once the key is gone."""
    path = token_file(app)
    try:
        token = path.read_text().strip()
    except OSError:
        return False
    return bool(given and token) and hmac.compare_digest(given.encode(), token.encode())


def forget_token(app: Flask) -> None:
    """Remove the key: the link stops working."""
    token_file(app).unlink(missing_ok=True)


def setup_url(app: Flask, base_url: str) -> str | None:
    """The setup page's address with its key, on `base_url`; None if no key can be kept."""
    token = setup_token(app)
    return f"{base_url.rstrip('/')}/setup?token={token}" if token else None


def announce(app: Flask, base_url: str | None) -> None:
    """Log the setup link once per process (at start-up, or the first time a page says the site is not set up)."""
    if app.extensions.get(ANNOUNCED_KEY):
        return
    app.extensions[ANNOUNCED_KEY] = True
    if url := setup_url(app, base_url or "<this site's address>"):
        app.logger.warning("This site is not set up yet. To create the group and its first coordinator, "
                           "open %s (the link works once; `flask --app wsgi setup-link` prints it again).", url)


def started_as_server(argv: list[str]) -> bool:
    """Whether this process serves the web app (gunicorn, uWSGI, waitress, `flask run`), not a command."""
    program = os.path.basename(argv[0]) if argv else ""
    return any(name in program for name in ("gunicorn", "uwsgi", "waitress")) or \
        ("flask" in argv[0] and "run" in argv[1:] if argv else False)


def address_from_argv(argv: list[str]) -> str | None:
    """`flask run`'s address from its --host and --port (as `make run` passes them); None for other servers."""
    if not ("flask" in (argv[0] if argv else "") and "run" in argv[1:]):
        return None
    options = {"--host": "127.0.0.1", "--port": "5000"}
    for flag, value in zip(argv, argv[1:]):
        name = {"-h": "--host", "-p": "--port"}.get(flag, flag)
        if name in options:
            options[name] = value
    host = "127.0.0.1" if options["--host"] in ("0.0.0.0", "::") else options["--host"]
    return f"http://{host}:{options['--port']}"


def announce_at_start_up(app: Flask, argv: list[str]) -> None:
    """In a web server process on an instance with no group yet, log the setup link as it starts."""
    if not started_as_server(argv):
        return
    from sqlalchemy.exc import SQLAlchemyError

    from mutualaid.extensions import db
    from mutualaid.first_run.actions import is_set_up

    with app.app_context():
        try:
            set_up = is_set_up()
        except SQLAlchemyError:  # no tables yet (`db upgrade` not run): the pages will say so
            set_up = True
        finally:
            db.session.remove()
            db.engine.dispose()  # no connection carried into forked workers
    if not set_up:
        announce(app, app.config.get("PUBLIC_BASE_URL") or address_from_argv(argv))
