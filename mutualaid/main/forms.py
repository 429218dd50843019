"""The language switch form (posted from every page's footer)."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField


class LanguageForm(FlaskForm):
    """Two buttons, one per language; works without JavaScript."""

    language = HiddenField()
    submit = SubmitField()
