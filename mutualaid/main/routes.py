"""Home page, language switch and the load balancer's health check."""
from datetime import datetime, timezone

from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mutualaid.core.errors import ServiceError
from mutualaid.core.redirects import local_path
from mutualaid.extensions import csrf, db, limiter
from mutualaid.groups.actions import all_groups, require_group
from mutualaid.i18n import LANGUAGE_COOKIE
from mutualaid.jobs.heartbeat import STALE, scheduler_heartbeat
from mutualaid.main import bp
from mutualaid.main.forms import LanguageForm
from mutualaid.people.actions import set_language


@bp.route("/")
def index():
    """The front door: ask for help, offer help, or log in; says whose group this is and its texting number."""
    require_group()
    return render_template("main/index.html", groups=all_groups())


@bp.route("/language", methods=["POST"])
def language():
    """Remember the chosen language (cookie for everyone, account for those logged in)."""
    form = LanguageForm()
    target = local_path(request.form.get("next"), url_for("main.index"))
    if form.validate_on_submit():
        try:
            code = set_language(current_user, form.language.data, current_app.config["LANGUAGES"])
        except ServiceError:
            return redirect(target)
        session["lang"] = code
        response = redirect(target)
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
        return response
    return redirect(target)


@bp.route("/healthz")
@csrf.exempt
@limiter.exempt
def healthz():
    """Liveness, a database round trip and the scheduler's heartbeat, for load balancers and monitors.

    503 when the database is unreachable or the scheduler has not run a job for SCHEDULER_STALE_SECONDS.
    `?check=web` leaves the scheduler out, for a load balancer that should keep sending visitors to a
    web process whatever the scheduler does.
    """
    answer = {"status": "ok", "database": "ok"}
    try:
        if request.args.get("check") == "web":
            db.session.execute(text("SELECT 1"))
        else:  # the heartbeat's one read is the database's round trip too
            beat = scheduler_heartbeat(datetime.now(timezone.utc), current_app.config["SCHEDULER_STALE_SECONDS"])
            answer.update(scheduler=beat.state, scheduler_age_seconds=beat.age_seconds)
    except SQLAlchemyError:
        db.session.rollback()
        answer = {"status": "degraded", "database": "unavailable"}
    if answer.get("scheduler") == STALE:
        answer["status"] = "degraded"
    return jsonify(answer), 200 if answer["status"] == "ok" else 503


VENDOR = {"leaflet": "xstatic.pkg.leaflet", "markercluster": "xstatic.pkg.leaflet_markercluster"}


@bp.route("/vendor/<package>/<path:filename>")
@limiter.exempt
def vendor(package, filename):
    """Leaflet and its marker clustering, served from their XStatic packages (no CDN)."""
    import importlib

    from flask import abort, send_from_directory

    if package not in VENDOR:
        abort(404)
    return send_from_directory(importlib.import_module(VENDOR[package]).BASE_DIR, filename, max_age=86400)
