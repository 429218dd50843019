"""Coordinator forms: status changes, location fixes, vetting."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import InputRequired


class StatusForm(FlaskForm):
    """Move a need to another status."""

    status = HiddenField(validators=[InputRequired()])
    reason = StringField(_l("Reason (optional, kept private)"))
    submit = SubmitField(_l("Change"))


class LocationForm(FlaskForm):
    """Correct where a need is."""

    where = StringField(_l("Address or postcode"), validators=[InputRequired(_l("Please give an address or postcode."))])
    submit = SubmitField(_l("Save place"))


class VettingForm(FlaskForm):
    """Approve, pause or reject a volunteer."""

    status = HiddenField(validators=[InputRequired()])
    submit = SubmitField(_l("Save"))
