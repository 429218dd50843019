"""Volunteer forms: filters, claiming, releasing, finishing, writing to the requester."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from mutualaid.claims.actions import RELAY_MAX
from mutualaid.domain.categories import URGENCIES
from mutualaid.labels import URGENCY_LABELS
from mutualaid.needs.forms import at_most


class FilterForm(FlaskForm):
    """Narrow "needs near me" (a GET form, so no CSRF)."""

    class Meta:
        csrf = False

    category = SelectField(_l("Kind of help"), validate_choice=False)
    km = DecimalField(_l("Within (km)"), places=1, validators=[Optional(), NumberRange(0.5, 50)])
    urgency = SelectField(_l("How soon"), validate_choice=False,
                          choices=[SelectChoice("", _l("Any time"))] + [SelectChoice(u, URGENCY_LABELS[u]) for u in URGENCIES])
    submit = SubmitField(_l("Show"))


class ClaimForm(FlaskForm):
    """One button: "I'll do this"."""

    submit = SubmitField(_l("I'll do this"))


class ReleaseForm(FlaskForm):
    """Give a request back."""

    reason = StringField(_l("Why can't you do it? (the next volunteer will see this)"), validators=[at_most(500)])
    submit = SubmitField(_l("Give it back"))


class FulfilForm(FlaskForm):
    """Say it is done."""

    outcome = TextAreaField(_l("How did it go? (a short note)"), validators=[at_most(1000)])
    submit = SubmitField(_l("Mark as done"))


class RelayForm(FlaskForm):
    """Text the requester through the group's number."""

    text = TextAreaField(_l("Message to the neighbour (sent by text from the group's number)"),
                         validators=[at_most(RELAY_MAX)])
    submit = SubmitField(_l("Send"))
