"""Volunteer home (needs near me) and a need as a volunteer may see it."""
from flask import abort, render_template, request
from flask_login import current_user

from mutualaid.access import volunteer_required
from mutualaid.domain.categories import CATEGORY_CODES
from mutualaid.services.needs import needs_near, public_view, view_need
from mutualaid.volunteer import bp


@bp.route("/")
@volunteer_required
def home():
    """Approved volunteers see open needs near home, nearest first; others see their status."""
    profile = current_user.volunteer
    needs = []
    category = request.args.get("category") if request.args.get("category") in CATEGORY_CODES else None
    if current_user.is_approved_volunteer and profile.home_lat is not None:
        origin = (profile.home_lat, profile.home_lon)
        needs = [public_view(need, origin=origin)
                 for need, _ in needs_near(*origin, radius_km=profile.radius_km, category=category)]
    return render_template("volunteer/home.html", profile=profile, needs=needs, category=category,
                           categories=CATEGORY_CODES)


@bp.route("/needs/<ref>")
@volunteer_required
def need(ref):
    """One need: public details before claiming (private ones only for its claimer)."""
    if not current_user.is_approved_volunteer:
        abort(403)
    return render_template("volunteer/need.html", need=view_need(ref, current_user))
