"""The exports page, and the downloads (POST with a CSRF token, because each one is audited)."""
from flask import Response, abort, render_template, stream_with_context
from flask_login import current_user

from mutualaid.access import coordinator_required
from mutualaid.coordination.exports import EXPORTS, csv_lines
from mutualaid.exports import bp


@bp.route("/")
@coordinator_required
def index():
    """What can be exported, what the files hold, and how phone numbers and formulas are written."""
    return render_template("exports/index.html")


@bp.route("/<kind>.csv", methods=["POST"])
@coordinator_required
def download(kind):
    """Stream one export as UTF-8 CSV (with a byte-order mark); never cached anywhere."""
    if kind not in EXPORTS:
        abort(404)
    export = EXPORTS[kind](current_user)
    response = Response(stream_with_context(csv_lines(export)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
