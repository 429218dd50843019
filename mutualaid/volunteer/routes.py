"""Volunteer pages: needs near me (list and map), one need, claiming, releasing, finishing, my claims."""
import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from mutualaid.access import guards_refs, volunteer_required
from mutualaid.claims import actions as claims
from mutualaid.claims import nearby as volunteering
from mutualaid.core.errors import Forbidden, ServiceError
from mutualaid.domain.categories import CATEGORY_CODES
from mutualaid.labels import CATEGORY_LABELS
from mutualaid.volunteer import bp
from mutualaid.volunteer.forms import ClaimForm, FilterForm, FulfilForm, RelayForm, ReleaseForm


@bp.route("/")
@volunteer_required
def home():
    """Approved volunteers see open needs they can do near home, nearest first; others their status."""
    profile = current_user.volunteer
    form = FilterForm(formdata=None)
    needs, points, radius_km = [], [], profile.radius_km if profile else None
    if current_user.is_approved_volunteer:
        form = FilterForm(request.args)
        form.category.choices = [SelectChoice("", _("Every kind I do"))] + [
            SelectChoice(c, CATEGORY_LABELS[c]) for c in CATEGORY_CODES if c in profile.categories]
        form.validate()
        query = volunteering.NearbyQuery(
            category=form.category.data if form.category.data in profile.categories else None,
            km=float(form.km.data) if form.km.data and not form.km.errors else None,
            urgency=form.urgency.data or None)
        radius_km = query.km or profile.radius_km  # what was searched: a distance out of range is not used
        needs = volunteering.needs_for_volunteer(current_user, query)
        points = volunteering.map_points(needs)
        for point in points:
            point["category_label"] = str(CATEGORY_LABELS[point["category"]])
    return render_template("volunteer/home.html", profile=profile, needs=needs, form=form, radius_km=radius_km,
                           points_json=json.dumps(points).replace("</", "<\\/"))


@bp.route("/needs/<ref>")
@guards_refs
@volunteer_required
def need(ref):
    """One need: public details before claiming, what is needed to help after."""
    if not current_user.is_approved_volunteer:
        abort(403)
    view = claims.need_for_volunteer(current_user, ref)
    return render_template("volunteer/need.html", need=view, mine="directions" in view,
                           claim_form=ClaimForm(), release_form=ReleaseForm(), fulfil_form=FulfilForm(),
                           relay_form=RelayForm())


@bp.route("/needs/<ref>/claim", methods=["POST"])
@guards_refs
@volunteer_required
def claim(ref):
    """Take a need: exactly one volunteer wins; a double click is harmless."""
    if ClaimForm().validate_on_submit():
        try:
            _claim, created = claims.claim_need(current_user, ref, via="web")
            flash(_("Thank you! It's yours. The details are below.") if created else _("You already have this one."))
        except ServiceError as error:
            flash(str(error.message), "error")
            return redirect(url_for("volunteer.home"))
    return redirect(url_for("volunteer.need", ref=ref))


def _act(ref, form, action, done_message):
    """Run a claimer's action from a posted form, flashing the outcome."""
    if form.validate_on_submit():
        try:
            action()
            flash(done_message)
            return redirect(url_for("volunteer.claims"))
        except ServiceError as error:
            flash(str(error.message), "error")
    return redirect(url_for("volunteer.need", ref=ref))


@bp.route("/needs/<ref>/release", methods=["POST"])
@guards_refs
@volunteer_required
def release(ref):
    """Give a need back, with a reason."""
    form = ReleaseForm()
    return _act(ref, form, lambda: claims.release_claim(current_user, ref, form.reason.data or ""),
                _("Thank you for letting us know. It is open again for others."))


@bp.route("/needs/<ref>/fulfil", methods=["POST"])
@guards_refs
@volunteer_required
def fulfil(ref):
    """Mark a need done, with a short note."""
    form = FulfilForm()
    return _act(ref, form, lambda: claims.complete_claim(current_user, ref, form.outcome.data or ""),
                _("Marked as done. Thank you for helping!"))


@bp.route("/needs/<ref>/message", methods=["POST"])
@guards_refs
@volunteer_required
def message(ref):
    """Write to the requester: kept on the need's page, and texted through the group's number."""
    form = RelayForm()
    if form.validate_on_submit():
        try:
            flash(_relay_done(*claims.relay_from_web(current_user, ref, form.text.data or "")))
        except Forbidden:
            raise  # not their claim: 403, and nothing is kept
        except ServiceError as error:
            flash(str(error.message), "error")
    return redirect(url_for("volunteer.need", ref=ref))


def _relay_done(sent: str, replies: str) -> str:
    """What the claimer is told after writing: where it went, and where the answer will come."""
    if sent == "none":
        return _("Saved below. We cannot text this neighbour, so a coordinator will pass it on.")
    return {
        "sms": _("Sent by text from the group's number. Their replies come to your phone and show below."),
        "email": _("Sent by text from the group's number. Their replies show below, and we email them to you."),
    }.get(replies, _("Sent by text from the group's number. Their replies show below."))


@bp.route("/claims", endpoint="claims")
@volunteer_required
def claims_page():
    """The needs I have taken, active first."""
    return render_template("volunteer/claims.html", claims=volunteering.my_claims(current_user))

