"""Coordinator forms: status changes, location fixes, vetting."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from mutualaid.messaging.destinations import MAX_DAILY_CAP
from mutualaid.needs.forms import MAX_PHONE, at_most
from mutualaid.needs.intake import MAX_EMAIL, MAX_WHERE
from mutualaid.retention.rules import MAXIMUM_DAYS, MINIMUMS


class StatusForm(FlaskForm):
    """Move a need to another status: "someone is helping" needs a volunteer, "referred" a group,
    and changes that close a need or take it from its volunteer a tick in "I am sure"."""

    status = HiddenField(validators=[InputRequired()])
    volunteer = SelectField(_l("Volunteer who is helping"), validate_choice=False)
    group = SelectField(_l("Group it goes to"), validate_choice=False)
    confirm = BooleanField(_l("I am sure"))
    reason = StringField(_l("Reason (optional, kept private)"))
    submit = SubmitField(_l("Change"))


class LocationForm(FlaskForm):
    """Correct where a need is."""

    where = StringField(_l("Address or postcode"), validators=[InputRequired(_l("Please give an address or postcode.")),
                                                              at_most(MAX_WHERE)])
    submit = SubmitField(_l("Save place"))


class VettingForm(FlaskForm):
    """Approve, pause or reject a volunteer."""

    status = HiddenField(validators=[InputRequired()])
    submit = SubmitField(_l("Save"))


class AssignForm(FlaskForm):
    """Give the need to one of the suggested volunteers."""

    volunteer_id = HiddenField(validators=[InputRequired()])
    submit = SubmitField(_l("Assign"))


class EditForm(FlaskForm):
    """Correct the kind, details or urgency."""

    category = SelectField(_l("Kind of help"), validate_choice=False)
    details = TextAreaField(_l("Details"))
    public_details = TextAreaField(_l("What volunteers see before taking it"))
    urgency = SelectField(_l("How soon"), validate_choice=False)
    submit = SubmitField(_l("Save changes"))


class MergeForm(FlaskForm):
    """Merge a suggested duplicate into this need."""

    duplicate = HiddenField(validators=[InputRequired()])
    submit = SubmitField(_l("Merge into this one"))


class ReferForm(FlaskForm):
    """Refer to a neighbouring group."""

    group = SelectField(_l("Group"), validate_choice=False)
    submit = SubmitField(_l("Refer"))


class NoteForm(FlaskForm):
    """An internal note."""

    body = TextAreaField(_l("Internal note (coordinators only)"), validators=[at_most(2000)])
    submit = SubmitField(_l("Add note"))


class PassedOnForm(FlaskForm):
    """A coordinator passed a waiting message on by hand (only the CSRF token is posted)."""

    submit = SubmitField(_l("I passed this on"))


class PauseForm(FlaskForm):
    """Pause or resume new requests."""

    paused = BooleanField(_l("Pause new requests"))
    until = DateField(_l("Until (optional)"), validators=[Optional()])
    message = TextAreaField(_l("Message to people who ask (and where else to get help)"), validators=[at_most(500)])
    submit = SubmitField(_l("Save"))


class OnCallForm(FlaskForm):
    """Whether the chase texts this coordinator about unmet needs."""

    on_call = BooleanField(_l("Text me about requests nobody has taken (on call)"))
    submit = SubmitField(_l("Save"))


def _days_field(label, key: str) -> IntegerField:
    """A number of days, from the retention minimum up to ten years."""
    low = MINIMUMS[key]
    return IntegerField(label, validators=[
        InputRequired(_l("Please give a number of days.")),
        NumberRange(low, MAXIMUM_DAYS, _l("Please give a whole number of days from %(low)d to %(high)d.",
                                          low=low, high=MAXIMUM_DAYS))])


class RetentionForm(FlaskForm):
    """How long the group keeps personal data."""

    retention_days = _days_field(_l("Days after a request closes before its personal data is removed"),
                                 "retention_days")
    message_retention_days = _days_field(_l("Days after a request closes before its messages' words are removed"),
                                         "message_retention_days")
    draft_retention_days = _days_field(_l("Days before an unfinished text conversation is deleted"),
                                       "draft_retention_days")
    submit = SubmitField(_l("Save"))


class DashboardFilter(FlaskForm):
    """Narrow the unmet list (a GET form)."""

    class Meta:
        csrf = False

    ref = StringField(_l("Reference"))
    category = SelectField(_l("Kind of help"), validate_choice=False)
    area = StringField(_l("Area"))
    language = SelectField(_l("Language"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)
    min_days = IntegerField(_l("Open at least (days)"), validators=[Optional(), NumberRange(
        0, MAXIMUM_DAYS, _l("Please give a whole number of days from %(low)d to %(high)d.", low=0, high=MAXIMUM_DAYS))])
    submit = SubmitField(_l("Filter"))


class EraseForm(FlaskForm):
    """Erase a person everywhere, once "I am sure" is ticked."""

    confirm = BooleanField(_l("I am sure: erase this person's name, contact, addresses and messages everywhere"))
    submit = SubmitField(_l("Erase this person"))


class LogOutEverywhereForm(FlaskForm):
    """End every login of an account, on every browser and phone."""

    submit = SubmitField(_l("Log out everywhere"))


class SubjectAccessForm(FlaskForm):
    """Everything held about one phone number or email."""

    phone = StringField(_l("Phone number"), validators=[at_most(MAX_PHONE)])
    email = StringField(_l("Email"), validators=[at_most(MAX_EMAIL)])
    submit = SubmitField(_l("Download as JSON"))


class TextingForm(FlaskForm):
    """Where the group's texts may go and how many segments a day it may send."""

    countries = StringField(_l("Countries we text (two-letter codes, such as GB ES; empty: our own country)"))
    daily_cap = IntegerField(_l("Text segments a day before only answers are sent"), validators=[
        InputRequired(_l("Please give a number.")),
        NumberRange(0, MAX_DAILY_CAP, _l("Please give a whole number from 0 to %(high)d.", high=MAX_DAILY_CAP))])
    submit = SubmitField(_l("Save"))
