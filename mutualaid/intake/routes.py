"""The "I need help" and "I can offer" pages, and their confirmations."""
from datetime import datetime, timezone

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from mutualaid.access import guards_refs
from mutualaid.core.errors import NotFound, ServiceError
from mutualaid.domain.refs import normalise_ref
from mutualaid.domain.transitions import OPEN_NEED_STATUSES
from mutualaid.errors import keeps_input_on_csrf_failure
from mutualaid.extensions import limiter
from mutualaid.groups.actions import all_groups, require_group
from mutualaid.groups.pause import IntakePaused, intake_pause
from mutualaid.intake import bp
from mutualaid.labels import STATUS_LABELS
from mutualaid.models import Need, Offer
from mutualaid.needs.actions import cancel_from_web, cancel_key, key_fits, submit_need, submit_offer
from mutualaid.needs.forms import CancelForm, ForgetForm, NeedForm, OfferForm, attach_error, contact_from
from mutualaid.needs.intake import NeedInput, OfferInput
from mutualaid.needs.reads import get_by_ref
from mutualaid.people.actions import erase_on_request


def intake_limit():
    """Rate limit for intake posts, from config."""
    return current_app.config["RATELIMIT_INTAKE"]


def paused_page(group=None, pause=None):
    """The kind "not taking new requests" page: for the group a request was for, or before anything
    is typed when the only group (or every group) has paused intake."""
    if group is None:
        groups = all_groups()
        paused = [(g, p) for g in groups if (p := intake_pause(g, datetime.now(timezone.utc)))]
        if not paused or len(paused) < len(groups):
            return None
        group, pause = paused[0]
    return render_template("intake/paused.html", pause=pause, group=group), 503


@bp.route("/need", methods=["GET", "POST"])
@limiter.limit(intake_limit, methods=["POST"])
@keeps_input_on_csrf_failure
def need():
    """Ask for help; on success show the reference."""
    require_group()
    if (paused := paused_page()) is not None:
        return paused
    form = NeedForm()
    if form.validate_on_submit():
        try:
            need, _ = submit_need(NeedInput(
                category=form.category.data, details=form.details.data or "", urgency=form.urgency.data,
                where=form.where.data or "", contact=contact_from(form),
                submission_key=form.submission_key.data or None, source="web"))
        except IntakePaused as paused:
            return paused_page(paused.group, paused.pause)
        except ServiceError as error:
            attach_error(form, error)
        else:
            session["cancel_key"] = {"ref": need.ref, "key": cancel_key(need)}  # shown once, on the thanks page
            return redirect(url_for("intake.need_done", ref=need.ref))
    form.ensure_submission_key()
    status = 400 if form.errors or form.form_errors else 200
    return render_template("intake/need.html", form=form), status


def sent_from_here(ref: str, sent: str | None) -> str:
    """The reference if this browser has just sent it; otherwise NotFound, the same for a reference that
    exists and one that does not, so a thanks page cannot be used to find out which references exist."""
    if not sent or normalise_ref(ref) != sent:
        raise NotFound()
    return sent


@bp.route("/need/<ref>/thanks")
@guards_refs
def need_done(ref):
    """Confirmation with the public reference (and nothing private), and the link to cancel it later;
    only for the browser that sent the request."""
    mine = session.get("cancel_key") or {}
    need = get_by_ref(Need, sent_from_here(ref, mine.get("ref")))
    cancel_url = url_for("intake.need_cancel", ref=need.ref, key=mine["key"], _external=True)
    return render_template("intake/need_done.html", need=need, cancel_url=cancel_url)


@bp.route("/need/<ref>/cancel", methods=["GET", "POST"])
@guards_refs
@limiter.limit(intake_limit, methods=["POST"])
def need_cancel(ref):
    """The neighbour no longer needs it: ask once, then cancel (the link's key is the permission).
    Without the right key the answer is the same 404 whether the reference exists or not."""
    form, key = CancelForm(), request.args.get("key", "")
    if not key_fits(ref, key):
        error = _("This link does not work any more. Please text or call us to cancel.")
        return render_template("intake/need_cancel.html", ref=ref, form=form, error=error, broken=True), 404
    need = get_by_ref(Need, ref)
    if need.status == "cancelled":  # opened again after cancelling: say so, ask nothing
        return render_template("intake/need_cancel.html", ref=need.ref, form=form, cancelled=True)
    if need.status not in OPEN_NEED_STATUSES:  # done, expired or referred: no button that can only fail
        error = _("Request %(ref)s is %(status)s, so it cannot be cancelled.", ref=need.ref,
                  status=STATUS_LABELS.get(need.status, need.status))
        return render_template("intake/need_cancel.html", ref=need.ref, form=form, error=error, broken=True)
    if form.validate_on_submit():
        try:
            need = cancel_from_web(ref, key)
        except ServiceError as error:
            return render_template("intake/need_cancel.html", ref=ref, form=form, error=error.message), 400
        return render_template("intake/need_cancel.html", ref=need.ref, form=form, cancelled=True)
    return render_template("intake/need_cancel.html", ref=ref, form=form)


def forget_limit():
    """Rate limit for erasure requests, from config (strict: each try is a guess at a reference)."""
    return current_app.config["RATELIMIT_FORGET"]


@bp.route("/forget", methods=["GET", "POST"])
@limiter.limit(forget_limit, methods=["POST"])
def forget():
    """Ask to be erased with a reference and the contact given with it; the answer never says whether they matched."""
    form = ForgetForm()
    if form.validate_on_submit():
        erase_on_request(form.ref.data or "", form.contact.data or "")
        return render_template("intake/forget.html", form=form, asked=True)
    return render_template("intake/forget.html", form=form), 400 if form.errors else 200


@bp.route("/offer", methods=["GET", "POST"])
@limiter.limit(intake_limit, methods=["POST"])
@keeps_input_on_csrf_failure
def offer():
    """Offer something or some time."""
    require_group()
    form = OfferForm()
    if form.validate_on_submit():
        try:
            offer, _ = submit_offer(OfferInput(
                category=form.category.data, details=form.details.data or "", kind=form.kind.data,
                quantity=form.quantity.data or 1, available_until=form.available_until.data,
                where=form.where.data or "", contact=contact_from(form),
                submission_key=form.submission_key.data or None, source="web"))
        except ServiceError as error:
            attach_error(form, error)
        else:
            session["offer_ref"] = offer.ref  # only this browser may see the thanks page
            return redirect(url_for("intake.offer_done", ref=offer.ref))
    form.ensure_submission_key()
    status = 400 if form.errors or form.form_errors else 200
    return render_template("intake/offer.html", form=form), status


@bp.route("/offer/<ref>/thanks")
@guards_refs
def offer_done(ref):
    """Confirmation for an offer, only for the browser that sent it."""
    offer = get_by_ref(Offer, sent_from_here(ref, session.get("offer_ref")))
    return render_template("intake/offer_done.html", offer=offer)
