"""Setting a password by a link sent by email: "forgot your password?" and invitations."""
import time
from datetime import datetime, timezone

from flask import current_app, flash, redirect, render_template, request
from flask_babel import gettext as _

from mutualaid.auth import bp
from mutualaid.auth.password_forms import ForgotPasswordForm, NewPasswordForm
from mutualaid.auth.routes import home_for, login_limit, start_session
from mutualaid.core.errors import ServiceError
from mutualaid.domain.text import clean_text
from mutualaid.errors import keeps_input_on_csrf_failure
from mutualaid.extensions import limiter
from mutualaid.needs.forms import attach_error
from mutualaid.people import password_links

# Asking for a link is answered no sooner than this, so that a known email (an email written and stored)
# and an unknown one take the same time, measured from outside.
ANSWER_AFTER_SECONDS = 0.1


def email_limit():
    """How often links may be asked for one email (from config)."""
    return current_app.config["RATELIMIT_PASSWORD_LINK"]


def asked_email() -> str:
    """The email a request for a link names, as the key of its own rate limit."""
    return "password-link:" + clean_text(request.form.get("email") or "").lower()[:254]


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(email_limit, methods=["POST"], key_func=asked_email)
@keeps_input_on_csrf_failure
def forgot_password():
    """Ask for a link to set a new password; the answer is the same whether the email is known or not."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        started = time.perf_counter()
        password_links.request_reset(form.email.data, now=datetime.now(timezone.utc))
        time.sleep(max(0.0, ANSWER_AFTER_SECONDS - (time.perf_counter() - started)))
        return render_template("auth/forgot.html", form=form, asked=True)
    return render_template("auth/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/password/<token>", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@keeps_input_on_csrf_failure
def set_password(token):
    """Choose a password by a working link; then every other login ends and this browser is logged in."""
    now = datetime.now(timezone.utc)
    try:
        person, purpose = password_links.read_token(token, now=now)
    except password_links.LinkNoLongerWorks:
        return render_template("auth/link_expired.html"), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            person = password_links.set_password_from_link(token, form.password.data, now=now)
        except password_links.LinkNoLongerWorks:
            return render_template("auth/link_expired.html"), 400
        except ServiceError as error:
            attach_error(form, error)
        else:
            start_session(person)
            flash(_("Your password is set. You are logged in."))
            return redirect(home_for(person))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("auth/set_password.html", form=form, invited=purpose == password_links.INVITE,
                           group=person.group), status
