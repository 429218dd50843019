"""The dashboard: unmet needs first, figures, the map with coverage gaps, and group settings."""
import json
from datetime import datetime, timezone

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from mutualaid.access import coordinator_required
from mutualaid.coordination import actions as coordination
from mutualaid.coordination import dashboard
from mutualaid.coordination.volunteers import count_volunteers, volunteers_for_coordinator
from mutualaid.coordinator import bp
from mutualaid.coordinator.forms import DashboardFilter, OnCallForm, PauseForm, RetentionForm, TextingForm
from mutualaid.core.errors import ServiceError
from mutualaid.domain.categories import CATEGORY_CODES, LANGUAGE_NAMES
from mutualaid.groups.pause import intake_pause
from mutualaid.labels import AGE_WORDS, CATEGORY_LABELS, STATUS_LABELS
from mutualaid.messaging.costs import daily_cap, group_regions, spend_today
from mutualaid.needs import reads as needs
from mutualaid.retention import actions as retention
from mutualaid.retention.preview import purge_preview
from mutualaid.sms import console as sms_admin

SIDE_LIST = 20  # each list under the unmet table shows this many, newest first
LAST_PAGE = 10_000  # 500,000 unmet requests; a larger page number only overflows the database's integers


def filter_form() -> DashboardFilter:
    """The filter form with its choices."""
    form = DashboardFilter(request.args)
    every = SelectChoice("", _("Any"))
    form.category.choices = [every] + [SelectChoice(c, CATEGORY_LABELS[c]) for c in CATEGORY_CODES]
    form.language.choices = [every] + [SelectChoice(c, n) for c, n in LANGUAGE_NAMES.items()]
    form.status.choices = [every] + [SelectChoice(s, STATUS_LABELS[s]) for s in dashboard.UNMET_STATUSES]
    form.validate()
    return form


@bp.route("/")
@coordinator_required
def home():
    """Unmet needs first (most urgent, then oldest), with why nobody has them; then what needs a hand."""
    form = filter_form()
    page = min(max(request.args.get("page", 1, type=int), 1), LAST_PAGE)
    filters = dashboard.UnmetFilter(category=form.category.data or None, area=(form.area.data or "").strip() or None,
                                    language=form.language.data or None, status=form.status.data or None,
                                    min_days=form.min_days.data if not form.min_days.errors else None,
                                    ref=(form.ref.data or "").strip() or None)
    overview = dashboard.unmet_needs(current_user, filters, page=page)
    return render_template(
        "coordinator/home.html", overview=overview, form=form, page=page, page_size=dashboard.PAGE,
        filtered=any(value for key, value in request.args.items() if key != "page"),
        location_problems=needs.needs_for_coordinator(current_user, location_problem=True, limit=SIDE_LIST),
        pending=volunteers_for_coordinator(current_user, status="pending", limit=SIDE_LIST),
        pending_total=count_volunteers(current_user, status="pending"),
        drafts=sms_admin.sms_drafts(current_user, limit=SIDE_LIST),
        undelivered=sms_admin.undelivered_to_requesters(current_user, limit=SIDE_LIST),
        waiting=dashboard.messages_waiting(current_user, limit=SIDE_LIST),
        pause=intake_pause(current_user.group, datetime.now(timezone.utc)),
        spend=spend_today(current_user.group, datetime.now(timezone.utc)),
        offers=needs.offers_for_group(current_user, limit=10),
    )


@bp.route("/figures")
@coordinator_required
def figures():
    """Counts and trends, as server-rendered charts with the numbers beside them."""
    return render_template("coordinator/figures.html", figures=dashboard.figures(current_user),
                           category_codes=CATEGORY_CODES)


@bp.route("/map")
@coordinator_required
def map_view():
    """Open needs on a map (approximate points, coloured by age) and where volunteers are missing."""
    points = dashboard.map_points(current_user)
    for point in points:
        point["category_label"] = str(CATEGORY_LABELS[point["category"]])
        point["age_word"] = str(AGE_WORDS[point["colour"]])
    group = current_user.group
    return render_template("coordinator/map.html", coverage=dashboard.coverage(current_user),
                           wait_table=dashboard.age_colours(group),
                           points_json=json.dumps(points).replace("</", "<\\/"), group=group)


@bp.route("/settings", methods=["GET", "POST"])
@coordinator_required
def settings():
    """Pause intake for the group; say whether you are on call; how long personal data is kept; texting limits."""
    group, now = current_user.group, datetime.now(timezone.utc)
    pause = intake_pause(group, now)
    pause_form = PauseForm(prefix="pause", data={"paused": pause is not None,
                                                 "until": pause and pause["until"],
                                                 "message": pause and pause["message"]})
    call_form = OnCallForm(prefix="call", data={"on_call": current_user.on_call})
    preview = purge_preview(current_user)
    retention_form = RetentionForm(prefix="retention", data=vars(preview.retention))
    texting_form = TextingForm(prefix="texting", data={
        "countries": " ".join(sorted(group_regions(group))), "daily_cap": daily_cap(group)})
    if request.method == "POST":
        if "pause-submit" in request.form and pause_form.validate_on_submit():
            try:
                coordination.set_intake_pause(current_user, paused=pause_form.paused.data, until=pause_form.until.data,
                                              message=pause_form.message.data or "")
                flash(_("Saved."))
                return redirect(url_for("coordinator.settings"))
            except ServiceError as error:
                flash(str(error.message), "error")
        elif "call-submit" in request.form and call_form.validate_on_submit():
            coordination.set_on_call(current_user, call_form.on_call.data)
            flash(_("Saved."))
            return redirect(url_for("coordinator.settings"))
        elif "retention-submit" in request.form and retention_form.validate_on_submit():
            try:
                retention.set_retention(current_user, retention_days=retention_form.retention_days.data,
                                        message_retention_days=retention_form.message_retention_days.data,
                                        draft_retention_days=retention_form.draft_retention_days.data)
                flash(_("Saved."))
                return redirect(url_for("coordinator.settings"))
            except ServiceError as error:
                getattr(retention_form, error.field).errors.append(str(error.message))
        elif "texting-submit" in request.form and texting_form.validate_on_submit():
            try:
                coordination.set_texting_limits(current_user, countries=texting_form.countries.data or "",
                                                daily_cap=texting_form.daily_cap.data)
                flash(_("Saved."))
                return redirect(url_for("coordinator.settings"))
            except ServiceError as error:
                getattr(texting_form, error.field).errors.append(str(error.message))
    return render_template("coordinator/settings.html", pause_form=pause_form, call_form=call_form, pause=pause,
                           retention_form=retention_form, preview=preview, texting_form=texting_form,
                           spend=spend_today(group, now), countries=sorted(group_regions(group)))
