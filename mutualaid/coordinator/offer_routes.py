"""Coordinator pages for offers: the list, one offer, and setting it aside, given, withdrawn or reopened."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mutualaid.access import coordinator_required
from mutualaid.coordinator import bp
from mutualaid.coordinator.offer_forms import LinkForm, OfferMoveForm
from mutualaid.core.errors import ServiceError
from mutualaid.domain.transitions import TRANSITIONS
from mutualaid.matching.proposals import needs_proposed_for
from mutualaid.offers import actions as offers
from mutualaid.offers import reads as offer_reads


@bp.route("/offers")
@coordinator_required
def offer_list():
    """The group's open offers, and those set aside for a request."""
    open_offers, reserved = offer_reads.offers_in_hand(current_user)
    return render_template("coordinator/offers.html", open_offers=open_offers, reserved=reserved)


@bp.route("/offers/<ref>")
@coordinator_required
def offer_page(ref):
    """One offer: what, where, who offers it, the requests it was proposed for, what can be done."""
    offer = offers.view_offer(current_user, ref)
    return render_template("coordinator/offer.html", offer=offer, moves=TRANSITIONS["offer"][offer.status],
                           proposed=needs_proposed_for(offer, current_user), link_form=LinkForm(),
                           move_form=OfferMoveForm())


def _offer_action(ref, form, action, done):
    """Validate a posted form, run one offer action, flash the outcome, go back to the offer."""
    if form.validate_on_submit():
        try:
            offer = action(form)
            flash(done(offer))
        except ServiceError as error:
            flash(str(error.message), "error")
            if error.code == "not_found" and error.field != "need_ref":  # not an offer of this group
                return redirect(url_for("coordinator.offer_list"))
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    return redirect(url_for("coordinator.offer_page", ref=ref))


@bp.route("/offers/<ref>/link", methods=["POST"])
@coordinator_required
def offer_link(ref):
    """Set the offer aside for a request."""
    return _offer_action(ref, LinkForm(), lambda f: offers.link_offer(current_user, ref, f.need_ref.data),
                         lambda o: _("Set aside for request %(ref)s.", ref=o.need.ref))


@bp.route("/offers/<ref>/given", methods=["POST"])
@coordinator_required
def offer_given(ref):
    """The offer reached a neighbour."""
    return _offer_action(ref, OfferMoveForm(), lambda f: offers.mark_given(current_user, ref),
                         lambda o: _("Marked as given."))


@bp.route("/offers/<ref>/withdrawn", methods=["POST"])
@coordinator_required
def offer_withdrawn(ref):
    """The offer is no longer available."""
    return _offer_action(ref, OfferMoveForm(), lambda f: offers.withdraw(current_user, ref),
                         lambda o: _("Withdrawn."))


@bp.route("/offers/<ref>/reopen", methods=["POST"])
@coordinator_required
def offer_reopen(ref):
    """Put the offer back on the list."""
    return _offer_action(ref, OfferMoveForm(), lambda f: offers.reopen(current_user, ref),
                         lambda o: _("Back on the list."))
