"""Forms of the coordinators' spreadsheet import: the upload, what each column holds, the import itself."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import BooleanField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

# Below the app's cap on a whole request (MAX_CONTENT_LENGTH), so the form says it rather than a 413 page.
MAX_UPLOAD_BYTES = 240 * 1024
KIND_CHOICES = [SelectChoice("volunteers", _l("Volunteers")), SelectChoice("needs", _l("Requests for help")),
                SelectChoice("offers", _l("Offers"))]
FIELD_LABELS = {
    "ignore": _l("— leave out —"), "name": _l("Name"), "phone": _l("Phone"), "email": _l("Email"),
    "where": _l("Postcode or address"), "language": _l("Language"), "consent": _l("Agrees to be texted"),
    "categories": _l("Kinds of help they give"), "availability": _l("When they are available"),
    "languages": _l("Languages they speak"), "has_car": _l("Has a car"), "radius_km": _l("How far they go (km)"),
    "capacity": _l("How many at once"), "category": _l("Kind of help"), "details": _l("Details"),
    "urgency": _l("How soon"), "offer_kind": _l("A thing or time"), "quantity": _l("How many"),
}


class UploadForm(FlaskForm):
    """A CSV file and what it holds."""

    kind = SelectField(_l("What the file holds"), choices=KIND_CHOICES, validators=[InputRequired()])
    sheet = FileField(_l("The spreadsheet, saved as CSV"), validators=[
        FileRequired(_l("Please choose a file.")),
        FileSize(max_size=MAX_UPLOAD_BYTES,
                 message=_l("Please keep the file under %(size)d KB, or import it on the command line.",
                            size=MAX_UPLOAD_BYTES // 1024))])
    submit = SubmitField(_l("Upload and preview"))


def mapping_form(fields, mapping, formdata=None):
    """A form with one select per column (col_0, col_1, ...), each set to what it holds now."""

    class MappingForm(FlaskForm):
        check = SubmitField(_l("Check every row"))

    choices = [SelectChoice(name, FIELD_LABELS[name]) for name in ("ignore",) + tuple(fields)]
    for index in range(len(mapping)):
        setattr(MappingForm, f"col_{index}", SelectField(_l("Column %(n)d holds", n=index + 1), choices=choices))
    form = MappingForm(formdata=formdata, data={f"col_{i}": name for i, name in enumerate(mapping)})
    return form


class RunImportForm(FlaskForm):
    """The import itself, after a dry run."""

    approve = BooleanField(_l("Approve these volunteers now (otherwise they wait for vetting, as after signing up)"))
    invite = BooleanField(_l("Email each of these volunteers who has an email a link to choose a password, so they "
                             "can log in (nobody is texted)"))
    submit = SubmitField(_l("Import"))


class DiscardForm(FlaskForm):
    """Throw the uploaded file away without importing."""

    submit = SubmitField(_l("Throw this file away"))
