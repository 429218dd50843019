"""Log in (the session is renewed), log out, sign up as a volunteer."""
from datetime import datetime, timezone

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from mutualaid.auth import bp
from mutualaid.auth.forms import EraseAccountForm, LoginForm, SignupForm
from mutualaid.core.errors import ServiceError
from mutualaid.core.redirects import local_path
from mutualaid.errors import keeps_input_on_csrf_failure
from mutualaid.extensions import limiter
from mutualaid.needs.forms import attach_error
from mutualaid.people.actions import VolunteerSignup, erase_own_account, register_volunteer
from mutualaid.people.login import authenticate, close_login, open_login


def safe_next(default: str) -> str:
    """Only follow `next` to a path on this site."""
    return local_path(request.args.get("next"), default)


def home_for(person) -> str:
    """Where a person lands after logging in."""
    return url_for("coordinator.home") if person.is_coordinator else url_for("volunteer.home")


def start_session(person, remember: bool = False) -> None:
    """Drop everything in the old session (against fixation), keep the language, log in under a new key."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(open_login(person, now=datetime.now(timezone.utc)), remember=remember)


def end_session() -> None:
    """End this login for good (a copy of its cookies is worth nothing after), and forget the cookies."""
    close_login(session.get("_user_id"))
    logout_user()
    session.clear()
    session["_remember"] = "clear"  # Flask-Login then deletes the remember cookie too


def login_limit():
    """Rate limit for login attempts, from config."""
    return current_app.config["RATELIMIT_LOGIN"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@keeps_input_on_csrf_failure
def login():
    """Email + password; the same message for a wrong email or a wrong password."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        person = authenticate(form.email.data, form.password.data, now=datetime.now(timezone.utc))
        if person is not None:
            start_session(person, remember=form.remember.data)
            return redirect(safe_next(home_for(person)))
        form.form_errors.append(_("That email and password do not match an account. After several wrong "
                                   "tries an account waits a few minutes before it can log in again."))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End this login, on this browser and for any copy of its cookies."""
    end_session()
    flash(_("You have logged out."))
    return redirect(url_for("main.index"))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@keeps_input_on_csrf_failure
def signup():
    """Become a volunteer; a coordinator approves you before you see requests. The answer never says
    whether the email was already known."""
    form = SignupForm()
    if form.validate_on_submit():
        try:
            register_volunteer(VolunteerSignup(
                name=form.name.data, email=form.email.data, password=form.password.data,
                phone=form.phone.data or "", home=form.home.data, radius_km=float(form.radius_km.data),
                categories=form.categories.data or [], languages=form.languages.data or [],
                capacity=form.capacity.data, has_car=form.has_car.data,
                availability=form.availability.data or "", channel=form.channel.data,
                language=str(get_locale() or "en")))
        except ServiceError as error:
            attach_error(form, error)
        else:
            # The same answer whether the email was new or already known (its owner is emailed).
            flash(_("Thank you! A coordinator will look at your sign-up soon. Log in with your email and "
                    "password to see how it is going. If we already knew your email, we have emailed you "
                    "instead."))
            return redirect(url_for("auth.login"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("auth/signup.html", form=form), status


@bp.route("/erase", methods=["GET", "POST"])
@login_required
@limiter.limit(login_limit, methods=["POST"])
def erase_account():
    """A volunteer erases their own account (their claims are given back first), then is logged out."""
    form = EraseAccountForm()
    if form.validate_on_submit():
        try:
            erase_own_account(current_user, form.password.data)
        except ServiceError as error:
            attach_error(form, error)
        else:
            end_session()
            return render_template("auth/erase.html", form=form, erased=True)
    return render_template("auth/erase.html", form=form), 400 if form.errors or form.form_errors else 200
