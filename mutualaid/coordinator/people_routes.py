"""Coordinator pages about one person: erasing them on request, everything held about them, inviting them to
log in."""
import json
from datetime import datetime, timezone

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from mutualaid.access import coordinator_required
from mutualaid.coordinator import bp
from mutualaid.coordinator.forms import EraseForm, LogOutEverywhereForm, SubjectAccessForm
from mutualaid.core.errors import Forbidden, NotFound, ServiceError
from mutualaid.people import actions as accounts
from mutualaid.people import password_links
from mutualaid.people.login import log_out_everywhere


@bp.route("/people/<int:person_id>/erase", methods=["POST"])
@coordinator_required
def erase_person(person_id):
    """Erase one person of the group everywhere, once the coordinator has ticked that they are sure."""
    form = EraseForm()
    back = request.form.get("back", "")
    if form.validate_on_submit():
        try:
            accounts.erase_by_coordinator(current_user, person_id, confirmed=bool(form.confirm.data))
        except (Forbidden, NotFound):
            raise  # a 403 or 404 page, not a message on someone else's page
        except ServiceError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Erased. Their requests keep only their kind, dates and area, for the figures."))
            return redirect(url_for("coordinator.home"))
    return redirect(back if back.startswith("/coordinator/") else url_for("coordinator.people"))


@bp.route("/people/<int:person_id>/log-out-everywhere", methods=["POST"])
@coordinator_required
def log_out_person_everywhere(person_id):
    """End every login of the coordinator's own account or of a volunteer of the group (audited)."""
    form = LogOutEverywhereForm()
    if not form.validate_on_submit():
        flash(_("That did not work: please try again from the page."), "error")
        return redirect(url_for("coordinator.volunteers"))
    own = person_id == current_user.id
    ended = log_out_everywhere(current_user, person_id, now=datetime.now(timezone.utc))
    if own:
        flash(_("You are logged out everywhere, here too. Please log in again."))
        return redirect(url_for("auth.login"))
    flash(ngettext("Logged out of %(num)d browser or phone.", "Logged out of %(num)d browsers or phones.", ended))
    return redirect(url_for("coordinator.volunteers"))


@bp.route("/people/<int:person_id>/invite", methods=["POST"])
@coordinator_required
def invite_person(person_id):
    """Email someone of the group who has no password yet a link to choose one (once in ten minutes)."""
    if not FlaskForm().validate_on_submit():
        flash(_("That did not work: please try again from the page."), "error")
        return redirect(url_for("coordinator.volunteers"))
    try:
        invited = password_links.invite(current_user, person_id, now=datetime.now(timezone.utc))
    except (Forbidden, NotFound):
        raise  # a 403 or 404 page
    except ServiceError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Invitation sent by email.") if invited.sent
              else _("An invitation went to them a few minutes ago; it was not sent again."))
    return redirect(url_for("coordinator.volunteers"))


@bp.route("/people", methods=["GET", "POST"])
@coordinator_required
def people():
    """Subject access: download everything held about one phone number or email (recorded in the audit log)."""
    form = SubjectAccessForm()
    if form.validate_on_submit():
        data = accounts.export_person(current_user, phone=form.phone.data or "", email=form.email.data or "")
        if data is not None:
            response = Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype="application/json")
            response.headers["Content-Disposition"] = 'attachment; filename="person.json"'
            response.headers["Cache-Control"] = "no-store"
            return response
        flash(_("Nobody in your group has that phone number or email."), "error")
    return render_template("coordinator/people.html", form=form)
