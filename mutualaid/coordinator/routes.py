"""Coordinator pages: overview, needs (private views audited), volunteers, phone intake."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mutualaid.access import coordinator_required
from mutualaid.coordinator import bp
from mutualaid.coordinator.forms import LocationForm, StatusForm, VettingForm
from mutualaid.domain.lifecycle import TRANSITIONS
from mutualaid.errors import keeps_input_on_csrf_failure
from mutualaid.intake.forms import NeedForm
from mutualaid.labels import LOCATION_LABELS
from mutualaid.intake.routes import attach_error, contact_from
from mutualaid.services import accounts, needs, sms_admin
from mutualaid.services.errors import ServiceError
from mutualaid.services.intake import NeedInput, submit_need
from mutualaid.services.volunteers import volunteers_for_coordinator


@bp.route("/")
@coordinator_required
def home():
    """What needs a coordinator's hand: places not found, volunteers to vet, newest needs."""
    return render_template(
        "coordinator/home.html",
        location_problems=needs.needs_for_coordinator(current_user, location_problem=True),
        pending=volunteers_for_coordinator(current_user, status="pending"),
        recent=needs.needs_for_coordinator(current_user, limit=30),
        offers=needs.offers_for_group(current_user, limit=30),
        drafts=sms_admin.sms_drafts(current_user),
        undelivered=sms_admin.undelivered_to_requesters(current_user),
    )


@bp.route("/needs/<ref>", methods=["GET"])
@coordinator_required
def need(ref):
    """Everything about one need; opening it is recorded in the audit log."""
    record, view = needs.coordinator_view(current_user, ref)
    return render_template("coordinator/need.html", view=view, need=record,
                           next_statuses=sorted(TRANSITIONS["need"][record.status]),
                           status_form=StatusForm(), location_form=LocationForm())


@bp.route("/needs/<ref>/status", methods=["POST"])
@coordinator_required
def need_status(ref):
    """Change a need's status through the lifecycle."""
    form = StatusForm()
    if form.validate_on_submit():
        try:
            needs.change_status(current_user, ref, form.status.data, reason=form.reason.data or "")
            flash(_("Saved."))
        except ServiceError as error:
            flash(str(error.message), "error")
    return redirect(url_for("coordinator.need", ref=ref))


@bp.route("/needs/<ref>/location", methods=["POST"])
@coordinator_required
def need_location(ref):
    """Fix where a need is."""
    form = LocationForm()
    if form.validate_on_submit():
        try:
            need = needs.fix_location(current_user, ref, form.where.data)
            flash(_("Place saved: %(status)s.", status=LOCATION_LABELS[need.location_status]))
        except ServiceError as error:
            flash(str(error.message), "error")
    return redirect(url_for("coordinator.need", ref=ref))


@bp.route("/volunteers")
@coordinator_required
def volunteers():
    """The group's volunteers and their vetting state."""
    return render_template("coordinator/volunteers.html",
                           volunteers=volunteers_for_coordinator(current_user), form=VettingForm())


@bp.route("/volunteers/<int:person_id>/vetting", methods=["POST"])
@coordinator_required
def vet(person_id):
    """Approve, pause or reject one volunteer."""
    form = VettingForm()
    if form.validate_on_submit():
        try:
            accounts.set_vetting(current_user, person_id, form.status.data)
            flash(_("Saved."))
        except ServiceError as error:
            flash(str(error.message), "error")
    return redirect(url_for("coordinator.volunteers"))


@bp.route("/intake", methods=["GET", "POST"])
@coordinator_required
@keeps_input_on_csrf_failure
def intake():
    """Enter a need for someone on the phone (phone intake)."""
    form = NeedForm()
    if form.validate_on_submit():
        try:
            need, _created = submit_need(NeedInput(
                category=form.category.data, details=form.details.data or "", urgency=form.urgency.data,
                where=form.where.data or "", contact=contact_from(form),
                submission_key=form.submission_key.data or None, source="phone"), entered_by=current_user)
        except ServiceError as error:
            attach_error(form, error)
        else:
            flash(_("Saved as %(ref)s.", ref=need.ref))
            return redirect(url_for("coordinator.need", ref=need.ref))
    form.ensure_submission_key()
    status = 400 if form.errors or form.form_errors else 200
    return render_template("coordinator/intake.html", form=form), status
