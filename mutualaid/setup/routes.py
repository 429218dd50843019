"""GET/POST /setup: only while no group exists, and only with the key from the server's log."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_login import login_user

from mutualaid.core.errors import ServiceError
from mutualaid.extensions import limiter
from mutualaid.first_run.actions import AlreadySetUp, FirstRun, is_set_up, set_up
from mutualaid.first_run.token import forget_token, token_matches
from mutualaid.needs.forms import attach_error
from mutualaid.people.login import open_login
from mutualaid.setup import bp
from mutualaid.setup.forms import SetupForm, slug_for


def setup_limit() -> str:
    """Tries at the setup page: as many as at the login page."""
    return current_app.config["RATELIMIT_LOGIN"]


def _log_in(person) -> None:
    """Log the new coordinator in under a fresh session (against fixation), keeping the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(open_login(person, now=datetime.now(timezone.utc)))


@bp.route("/setup", methods=["GET", "POST"])
@limiter.limit(setup_limit)
def setup():
    """The one-time form; a plain 404 without the right key or once a group exists (no hint either way)."""
    given = request.form.get("token") if request.method == "POST" else request.args.get("token")
    if is_set_up():
        forget_token(current_app)
        abort(404)
    if not token_matches(current_app, given):
        abort(404)
    form = SetupForm()
    form.token.data = given
    if form.validate_on_submit():
        data = FirstRun(group_name=form.group_name.data, slug=(form.slug.data or slug_for(form.group_name.data)),
                        centre=form.centre.data, radius_km=float(form.radius_km.data), country=form.country.data,
                        timezone=form.timezone.data, language=form.language.data, phone=form.phone.data or "",
                        coordinator_name=form.coordinator_name.data, email=form.email.data,
                        password=form.password.data)
        try:
            person = set_up(data)
        except AlreadySetUp:
            abort(404)
        except ServiceError as error:
            attach_error(form, error)
        else:
            forget_token(current_app)
            _log_in(person)
            return redirect(url_for("coordinator.home"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("setup/index.html", form=form), status
