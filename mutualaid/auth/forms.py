"""Login and volunteer sign-up forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange

from mutualaid.domain.categories import LANGUAGE_NAMES
from mutualaid.needs.forms import category_choices


class LoginForm(FlaskForm):
    """Email and password."""

    email = StringField(_l("Email"), validators=[InputRequired()], render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[InputRequired()],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me logged in on this device"))
    submit = SubmitField(_l("Log in"))


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes (works without JavaScript on any phone)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SignupForm(FlaskForm):
    """Offering your time as a volunteer."""

    name = StringField(_l("Your name"), validators=[InputRequired(_l("Please tell us your name."))])
    email = StringField(_l("Email (you log in with it)"), validators=[InputRequired(_l("Please give your email."))],
                        render_kw={"inputmode": "email", "autocomplete": "email"})
    phone = StringField(_l("Mobile number (for texts about requests near you)"),
                        render_kw={"inputmode": "tel", "autocomplete": "tel"})
    password = PasswordField(_l("Choose a password (at least 10 characters)"),
                             validators=[InputRequired(_l("Please choose a password."))],
                             render_kw={"autocomplete": "new-password"})
    home = StringField(_l("Your postcode or ZIP code"), validators=[InputRequired(_l("Please give your postcode."))])
    radius_km = DecimalField(_l("How far can you go (km)?"), default=3, places=1,
                             validators=[InputRequired(), NumberRange(0.5, 50, _l("Between 0.5 and 50 km, please."))])
    categories = CheckboxesField(_l("What can you help with?"), choices=category_choices, validate_choice=False)
    languages = CheckboxesField(_l("Which languages do you speak?"),
                                choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()], validate_choice=False)
    capacity = IntegerField(_l("How many requests can you take at once?"), default=1,
                            validators=[InputRequired(), NumberRange(1, 10, _l("From 1 to 10, please."))])
    has_car = BooleanField(_l("I have a car"))
    availability = TextAreaField(_l("When are you usually free?"))
    channel = SelectField(_l("How should we tell you about requests?"),
                          choices=[SelectChoice("sms", _l("Text message")), SelectChoice("email", _l("Email"))], validate_choice=False)
    submit = SubmitField(_l("Sign up"))


class EraseAccountForm(FlaskForm):
    """Erase my own account: my password, and a tick that I mean it."""

    password = PasswordField(_l("Your password"), validators=[InputRequired()],
                             render_kw={"autocomplete": "current-password"})
    confirm = BooleanField(_l("I am sure: erase my account, my details and my messages"),
                           validators=[InputRequired(_l("Please tick the box to confirm."))])
    submit = SubmitField(_l("Erase my account"))
