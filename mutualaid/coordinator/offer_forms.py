"""Coordinator forms for offers: set one aside for a request, and the confirmed status buttons."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length


class LinkForm(FlaskForm):
    """Set the offer aside for a request, by its reference."""

    need_ref = StringField(_l("Request reference"), validators=[
        InputRequired(_l("Please give the request's reference.")), Length(max=20)])
    submit = SubmitField(_l("Set aside for this request"))


class OfferMoveForm(FlaskForm):
    """Given, withdrawn or back on the list (only its CSRF token: the page asks to confirm first)."""
