"""Forms for asking and offering (the intake pages and a coordinator's phone intake); the actions re-check
everything, these give per-field help. Also how a form shows an action's refusal."""
import uuid

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from mutualaid.core.errors import ServiceError
from mutualaid.domain.categories import CATEGORY_CODES, LANGUAGE_NAMES, URGENCIES
from mutualaid.labels import CATEGORY_LABELS, URGENCY_LABELS
from mutualaid.needs.intake import (
    MAX_EMAIL,
    MAX_NAME,
    MAX_SUBMISSION_KEY,
    MAX_WHERE,
    Contact,
)

MAX_PHONE = 40  # as typed, with spaces and brackets; stored as E.164


def at_most(limit: int) -> Length:
    """A length check with words for the person (the page also stops typing at the limit)."""
    return Length(max=limit, message=_l("Please keep this to %(max)d characters."))


def category_choices():
    """Categories with translated labels."""
    return [SelectChoice(code, CATEGORY_LABELS[code]) for code in CATEGORY_CODES]


class ContactFields(FlaskForm):
    """How to reach the person (phone or email), and a one-use key against double submission."""

    name = StringField(_l("Your name (or what we should call you)"), validators=[at_most(MAX_NAME)])
    phone = StringField(_l("Phone number"), validators=[at_most(MAX_PHONE)],
                        render_kw={"inputmode": "tel", "autocomplete": "tel"})
    email = StringField(_l("Email (if you have no phone)"), validators=[at_most(MAX_EMAIL)],
                        render_kw={"inputmode": "email"})
    sms_consent = BooleanField(_l("You may text me about this"), default=True)
    submission_key = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, and a key this site could have given (a strange one is replaced)."""
        valid = super().validate(extra_validators)
        key = self.submission_key.data or ""
        if len(key) > MAX_SUBMISSION_KEY or not key.isprintable():
            self.submission_key.data = ""
            self.form_errors.append(_l("This form could not be sent as it was. Please check your answers and "
                                       "send it again."))
            return False
        return valid

    def ensure_submission_key(self) -> None:
        """Give a freshly shown form its one-use key (kept when the form is shown again)."""
        if not self.submission_key.data:
            self.submission_key.data = uuid.uuid4().hex


class NeedForm(ContactFields):
    """"I need help"."""

    category = SelectField(_l("What do you need?"), choices=category_choices, validate_choice=False)
    details = TextAreaField(_l("Tell us a little more"), validators=[InputRequired(_l("Please say a few words about it."))])
    urgency = RadioField(_l("How soon?"), choices=[SelectChoice(u, URGENCY_LABELS[u]) for u in URGENCIES], default="soon",
                         validate_choice=False)
    where = StringField(_l("Where? (your postcode or ZIP code is enough)"), validators=[at_most(MAX_WHERE)])
    submit = SubmitField(_l("Ask for help"))


class OfferForm(ContactFields):
    """"I can offer"."""

    kind = RadioField(_l("What are you offering?"), choices=[SelectChoice("item", _l("Something (an item)")),
                                                            SelectChoice("service", _l("My time (a service)"))],
                      default="item", validate_choice=False)
    category = SelectField(_l("What kind?"), choices=category_choices, validate_choice=False)
    details = TextAreaField(_l("Tell us a little more"), validators=[InputRequired(_l("Please say a few words about it."))])
    quantity = IntegerField(_l("How many?"), default=1,
                            validators=[Optional(), NumberRange(1, 1000, _l("Please give a number from 1 to 1000."))])
    available_until = DateField(_l("Available until (optional)"), validators=[Optional()])
    where = StringField(_l("Where? (your postcode or ZIP code is enough)"), validators=[at_most(MAX_WHERE)])
    submit = SubmitField(_l("Offer it"))


class PhoneIntakeForm(NeedForm):
    """A coordinator enters a request for someone on the phone: about them, in their language."""

    language = SelectField(_l("Their language (we text them in it)"),
                           choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
                           default="en", validate_choice=False)
    category = SelectField(_l("What do they need?"), choices=category_choices, validate_choice=False)
    details = TextAreaField(_l("Tell us a little more"),
                            validators=[InputRequired(_l("Please say a few words about it."))])
    where = StringField(_l("Where? (their postcode or ZIP code is enough)"), validators=[at_most(MAX_WHERE)])
    name = StringField(_l("Their name (or what we should call them)"), validators=[at_most(MAX_NAME)])
    phone = StringField(_l("Their phone"), validators=[at_most(MAX_PHONE)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    email = StringField(_l("Their email (if they have no phone)"), validators=[at_most(MAX_EMAIL)],
                        render_kw={"inputmode": "email"})
    sms_consent = BooleanField(_l("They agree to be texted about this"), default=True)
    submit = SubmitField(_l("Save request"))


def contact_from(form) -> Contact:
    """The contact part of an intake form: in the language chosen for them, else the page's own."""
    language = getattr(form, "language", None)
    return Contact(form.name.data or "", form.phone.data or "", form.email.data or "",
                   (language.data if language is not None else None) or str(get_locale() or "en"),
                   bool(form.sms_consent.data))


def attach_error(form, error: ServiceError) -> None:
    """Show a service's refusal next to the field it is about."""
    field = getattr(form, error.field or "", None)
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        form.form_errors.append(error.message)


class ForgetForm(FlaskForm):
    """Erase me: a reference of one of my requests and the phone or email I gave with it."""

    ref = StringField(_l("The reference of one of your requests"), validators=[InputRequired(), at_most(20)])
    contact = StringField(_l("The phone number or email you gave with it"),
                          validators=[InputRequired(), at_most(MAX_EMAIL)])
    submit = SubmitField(_l("Erase my details"))


class CancelForm(FlaskForm):
    """Cancel my request (the link's key says it is mine)."""

    submit = SubmitField(_l("Yes, cancel my request"))
