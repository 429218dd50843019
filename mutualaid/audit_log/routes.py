"""The audit log page: who did what to which record, filtered and paginated."""
from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from mutualaid.access import coordinator_required
from mutualaid.audit_log import bp
from mutualaid.coordination.audit_log import ACTION_PREFIXES, AuditFilters, audit_page
from mutualaid.labels import ACTION_PREFIX_LABELS

SUBJECT_LABELS = {"need": _l("request"), "offer": _l("offer"), "person": _l("person"), "group": _l("group")}


@bp.route("/")
@coordinator_required
def index():
    """Newest first, 50 a page; narrowed by kind of action, by who did it, or by a request's reference."""
    page = request.args.get("page", 1, type=int) or 1
    result = audit_page(current_user, AuditFilters.from_args(request.args), page)
    return render_template("audit_log/index.html", result=result, prefixes=ACTION_PREFIXES,
                           prefix_labels=ACTION_PREFIX_LABELS, subject_labels=SUBJECT_LABELS)
