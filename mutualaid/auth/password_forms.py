"""Forms for setting a password by a link: asking for the link, and choosing the new password."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired


class ForgotPasswordForm(FlaskForm):
    """The email of the account."""

    email = StringField(_l("Your email"), validators=[InputRequired(_l("Please give your email."))],
                        render_kw={"inputmode": "email", "autocomplete": "email"})
    submit = SubmitField(_l("Send me a link"))


class NewPasswordForm(FlaskForm):
    """A new password, twice."""

    password = PasswordField(_l("New password (at least 10 characters)"),
                             validators=[InputRequired(_l("Please choose a password."))],
                             render_kw={"autocomplete": "new-password"})
    again = PasswordField(_l("The same password again"),
                          validators=[InputRequired(_l("Please type the password again.")),
                                      EqualTo("password", _l("The two passwords are not the same."))],
                          render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Set my password"))
