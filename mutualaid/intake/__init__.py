"""Intake: anyone can ask for help or offer it, no account needed."""
from flask import Blueprint

bp = Blueprint("intake", __name__)

from mutualaid.intake import routes  # noqa: E402,F401
