"""Coordinator pages: overview, needs (private views audited), volunteers, phone intake."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from mutualaid.access import coordinator_required
from mutualaid.coordination import actions as coordination
from mutualaid.coordination.volunteers import volunteers_for_coordinator
from mutualaid.coordinator import bp
from mutualaid.coordinator.forms import (
    AssignForm,
    EditForm,
    EraseForm,
    LocationForm,
    MergeForm,
    NoteForm,
    PassedOnForm,
    ReferForm,
    StatusForm,
    VettingForm,
)
from mutualaid.core.errors import ServiceError
from mutualaid.core.redirects import local_path
from mutualaid.domain.categories import CATEGORY_CODES, URGENCIES
from mutualaid.domain.transitions import TRANSITIONS
from mutualaid.errors import keeps_input_on_csrf_failure
from mutualaid.labels import CATEGORY_LABELS, LOCATION_LABELS, URGENCY_LABELS
from mutualaid.matching import actions as matching
from mutualaid.matching.proposals import proposals_for
from mutualaid.needs import actions as need_actions
from mutualaid.needs.actions import submit_need
from mutualaid.needs.forms import PhoneIntakeForm, attach_error, contact_from
from mutualaid.needs.intake import NeedInput
from mutualaid.offers.reads import set_aside_for
from mutualaid.people import actions as accounts


@bp.route("/needs/<ref>", methods=["GET"])
@coordinator_required
def need(ref):
    """Everything about one need, with what can be done; opening it is recorded in the audit log."""
    record, view = need_actions.coordinator_view(current_user, ref)
    edit_form = EditForm(data={"category": record.category, "details": record.details, "urgency": record.urgency,
                               "public_details": view["public_details"]})
    edit_form.category.choices = [SelectChoice(c, CATEGORY_LABELS[c]) for c in CATEGORY_CODES]
    edit_form.urgency.choices = [SelectChoice(u, URGENCY_LABELS[u]) for u in URGENCIES]
    refer_form = ReferForm()
    refer_form.group.choices = [SelectChoice(g.slug, g.name) for g in coordination.other_groups(current_user)]
    return render_template(
        "coordinator/need.html", view=view, need=record, next_statuses=_next_statuses(record),
        status_form=StatusForm(), location_form=LocationForm(), assign_form=AssignForm(), edit_form=edit_form,
        merge_form=MergeForm(), refer_form=refer_form, note_form=NoteForm(), erase_form=EraseForm(),
        suggestions=matching.suggestions(record) if record.status == "open" else [],
        proposals=proposals_for(record, current_user), set_aside=set_aside_for(record),
        duplicates=coordination.duplicate_suggestions(current_user, ref),
        notes=coordination.notes(current_user, ref))


def _next_statuses(record):
    """Each status the need may move to, with what the change needs: (target, volunteers, groups, risky)."""
    statuses = []
    for target in sorted(TRANSITIONS["need"][record.status]):
        volunteers = volunteers_for_coordinator(current_user, status="approved") if target == "claimed" else []
        groups = coordination.other_groups(current_user) if target == "referred" else []
        statuses.append((target, volunteers, groups, coordination.is_risky(record.status, target)))
    return statuses


def _need_action(ref, form, action, done):
    """Validate a posted form, run one coordination service, flash the outcome, go back to the need."""
    if form.validate_on_submit():
        try:
            action(form)
            flash(done)
        except ServiceError as error:
            flash(str(error.message), "error")
    return redirect(url_for("coordinator.need", ref=ref))


@bp.route("/needs/<ref>/assign", methods=["POST"])
@coordinator_required
def assign(ref):
    """Give the need to a suggested volunteer."""
    return _need_action(ref, AssignForm(), lambda f: coordination.assign_need(
        current_user, ref, int(f.volunteer_id.data) if f.volunteer_id.data.isdigit() else 0), _("Assigned."))


@bp.route("/needs/<ref>/edit", methods=["POST"])
@coordinator_required
def edit(ref):
    """Correct kind, details or urgency."""
    return _need_action(ref, EditForm(), lambda f: coordination.edit_need(
        current_user, ref, coordination.NeedEdit(
        f.category.data, f.details.data or "", f.urgency.data, f.public_details.data)), _("Saved."))


@bp.route("/needs/<ref>/merge", methods=["POST"])
@coordinator_required
def merge(ref):
    """Merge a duplicate into this need."""
    return _need_action(ref, MergeForm(), lambda f: coordination.merge_duplicate(current_user, ref, f.duplicate.data),
                        _("Merged."))


@bp.route("/needs/<ref>/refer", methods=["POST"])
@coordinator_required
def refer(ref):
    """Refer the need to another group."""
    return _need_action(ref, ReferForm(), lambda f: coordination.refer(current_user, ref, f.group.data),
                        _("Referred."))


@bp.route("/needs/<ref>/note", methods=["POST"])
@coordinator_required
def note(ref):
    """Add an internal note."""
    return _need_action(ref, NoteForm(), lambda f: coordination.add_note(current_user, ref, f.body.data or ""),
                        _("Note added."))


@bp.route("/needs/<ref>/messages/<int:message_id>/passed-on", methods=["POST"])
@coordinator_required
def message_passed_on(ref, message_id):
    """A waiting message was passed on by hand."""
    return _need_action(ref, PassedOnForm(), lambda f: coordination.mark_passed_on(current_user, ref, message_id),
                        _("Marked as passed on."))


@bp.route("/needs/<ref>/status", methods=["POST"])
@coordinator_required
def need_status(ref):
    """Change a need's status through the lifecycle."""
    form = StatusForm()
    if form.validate_on_submit():
        try:
            coordination.change_status(
                current_user, ref, form.status.data, reason=form.reason.data or "",
                volunteer_id=int(form.volunteer.data) if (form.volunteer.data or "").isdigit() else None,
                group_slug=form.group.data or None, confirmed=bool(form.confirm.data))
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
            need = coordination.fix_location(current_user, ref, form.where.data)
            flash(_("Place saved: %(status)s.", status=LOCATION_LABELS[need.location_status]))
        except ServiceError as error:
            flash(str(error.message), "error")
    return redirect(url_for("coordinator.need", ref=ref))


@bp.route("/volunteers")
@coordinator_required
def volunteers():
    """The group's volunteers: vetting, workload, last activity; idle and new ones on request."""
    idle = request.args.get("idle") == "1"
    pending = request.args.get("status") == "pending"
    return render_template("coordinator/volunteers.html", idle=idle, pending=pending,
                           rows=coordination.volunteer_overview(current_user, idle_only=idle,
                                                                status="pending" if pending else None),
                           form=VettingForm(), erase_form=EraseForm())


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
    back = local_path(request.form.get("back"), "")  # the list it was pressed on, with its filter
    return redirect(back if back.startswith("/coordinator/volunteers") else url_for("coordinator.volunteers"))


@bp.route("/intake", methods=["GET", "POST"])
@coordinator_required
@keeps_input_on_csrf_failure
def intake():
    """Enter a need for someone on the phone (phone intake)."""
    form = PhoneIntakeForm()
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
