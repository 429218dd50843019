"""Coordinators import a spreadsheet: upload, see the columns as guessed and change them, check every row,
import. The file waits in the database between the steps (mutualaid/imports/actions.py)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mutualaid.access import coordinator_required
from mutualaid.coordinator import bp
from mutualaid.coordinator.import_forms import DiscardForm, RunImportForm, UploadForm, mapping_form
from mutualaid.imports import actions as imports
from mutualaid.imports.headers import KIND_FIELDS
from mutualaid.imports.reading import UnreadableFile


def _unreadable(reason: str) -> str:
    """Why a file cannot be imported, in the page's language."""
    return {"empty": _("The file is empty."),
            "no_rows": _("The file has a header row but no rows under it."),
            }.get(reason) or _("This is not a CSV file. In your spreadsheet, choose File, then Download (or Save "
                               "as), then CSV.")


@bp.route("/import", methods=["GET", "POST"])
@coordinator_required
def import_upload():
    """Upload a CSV file of volunteers, requests or offers."""
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.sheet.data
        try:
            token = imports.store_upload(current_user, form.kind.data, upload.filename or "", upload.read())
        except UnreadableFile as error:
            form.sheet.errors.append(_unreadable(error.reason))
        else:
            return redirect(url_for("coordinator.import_preview", token=token))
    return render_template("coordinator/import.html", form=form)


@bp.route("/import/<token>", methods=["GET", "POST"])
@coordinator_required
def import_preview(token):
    """The first rows with what each column holds (changeable); posting keeps the choice and checks every row."""
    upload = imports.get_upload(current_user, token)
    sheet, mapping = imports.preview(upload)
    fields = KIND_FIELDS[upload.kind]
    form = mapping_form(fields, mapping, formdata=request.form if request.method == "POST" else None)
    report = None
    if request.method == "POST" and form.validate():
        chosen = [form[f"col_{i}"].data for i in range(len(mapping))]
        report = imports.check_upload(current_user, token, chosen)
        upload = imports.get_upload(current_user, token)
        sheet, mapping = imports.preview(upload)
    columns = [(header, form[f"col_{i}"], [cells[i] if i < len(cells) else "" for _, cells in
                                           sheet.rows[:imports.PREVIEW_ROWS]])
               for i, header in enumerate(sheet.headers)]
    return render_template("coordinator/import_preview.html", upload=upload, sheet=sheet, form=form,
                           columns=columns, report=report, run_form=RunImportForm(formdata=None),
                           discard_form=DiscardForm(formdata=None), preview_rows=sheet.rows[:imports.PREVIEW_ROWS])


@bp.route("/import/<token>/run", methods=["POST"])
@coordinator_required
def import_run(token):
    """Import the file as its columns are set now, then show every row's outcome."""
    form = RunImportForm()
    if not form.validate_on_submit():
        flash(_("That did not work: please try again from the page."), "error")
        return redirect(url_for("coordinator.import_preview", token=token))
    upload = imports.get_upload(current_user, token)
    kind = upload.kind
    volunteers = kind == "volunteers"
    report = imports.import_upload(current_user, token, approve=bool(form.approve.data) and volunteers,
                                   invite=bool(form.invite.data) and volunteers)
    return render_template("coordinator/import_done.html", report=report, kind=kind)


@bp.route("/import/<token>/discard", methods=["POST"])
@coordinator_required
def import_discard(token):
    """Delete the uploaded file without importing it."""
    if DiscardForm().validate_on_submit():
        imports.discard_upload(current_user, token)
        flash(_("The file was thrown away; nothing was imported."))
    return redirect(url_for("coordinator.import_upload"))
