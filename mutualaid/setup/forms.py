"""The setup form: the group (as `groups create` asks) and its first coordinator (as `users create-coordinator`)."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, EqualTo, InputRequired, Length, NumberRange, Optional, Regexp

from mutualaid.domain.categories import LANGUAGE_NAMES

COMMON_TIME_ZONES = ("Europe/London", "Europe/Dublin", "Europe/Madrid", "Europe/Lisbon", "Europe/Paris",
                     "Europe/Berlin", "America/New_York", "America/Chicago", "America/Denver",
                     "America/Los_Angeles", "America/Mexico_City", "America/Bogota", "America/Argentina/Buenos_Aires",
                     "Australia/Sydney", "Pacific/Auckland", "UTC")
COUNTRIES = (("GB", _l("United Kingdom")), ("IE", _l("Ireland")), ("US", _l("United States")), ("ES", _l("Spain")),
             ("MX", _l("Mexico")), ("CA", _l("Canada")), ("AU", _l("Australia")), ("NZ", _l("New Zealand")))


def slug_for(name: str) -> str:
    """A URL name from the group's name: "Hackney Mutual Aid" -> "hackney-mutual-aid"."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "group"


class SetupForm(FlaskForm):
    """One form for the whole first run."""

    token = HiddenField()
    group_name = StringField(_l("The group's name"), validators=[InputRequired(_l("Please give the group's name.")),
                                                                 Length(max=120)])
    slug = StringField(_l("Short name for web addresses (optional)"),
                       validators=[Optional(), Length(max=60),
                                   Regexp(r"^[A-Za-z0-9-]+$", message=_l("Please use only letters, digits and dashes."))])
    centre = StringField(_l("A postcode or place at the centre of your area"),
                         validators=[InputRequired(_l("Please give a postcode or place."))])
    radius_km = DecimalField(_l("How far the area reaches from there (km)"), default=5, places=1,
                             validators=[InputRequired(_l("Please give a distance in km.")),
                                         NumberRange(min=0.5, max=100, message=_l("Please give between 0.5 and 100 km."))],
                             render_kw={"inputmode": "decimal"})
    country = SelectField(_l("Country"), choices=[SelectChoice(code, name) for code, name in COUNTRIES], default="GB")
    timezone = SelectField(_l("Time zone"), choices=[SelectChoice(zone, zone) for zone in COMMON_TIME_ZONES],
                           default="Europe/London")
    language = SelectField(_l("The group's language (for texts to people we do not know yet)"),
                           choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
                           default="en")
    phone = StringField(_l("The group's texting number, if you have one already (optional)"),
                        render_kw={"inputmode": "tel"})
    coordinator_name = StringField(_l("Your name"), validators=[InputRequired(_l("Please tell us your name.")),
                                                                Length(max=120)])
    email = StringField(_l("Your email (you log in with it)"),
                        validators=[InputRequired(_l("Please give your email.")),
                                    Email(message=_l("Please give a valid email."))],
                        render_kw={"inputmode": "email", "autocomplete": "email"})
    password = PasswordField(_l("Choose a password (at least 10 characters)"),
                             validators=[InputRequired(_l("Please choose a password."))],
                             render_kw={"autocomplete": "new-password"})
    password_again = PasswordField(_l("The same password again"),
                                   validators=[EqualTo("password", message=_l("The two passwords are not the same."))],
                                   render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Set up the group"))
