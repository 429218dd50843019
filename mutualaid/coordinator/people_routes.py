"""Coordinator pages about one person: erasing them on request, and everything held about them."""
import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mutualaid.access import coordinator_required
from mutualaid.coordinator import bp
from mutualaid.coordinator.forms import EraseForm, SubjectAccessForm
from mutualaid.core.errors import Forbidden, NotFound, ServiceError
from mutualaid.people import actions as accounts


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
