"""The volunteer's side: their status and the needs near them."""
from flask import Blueprint

bp = Blueprint("volunteer", __name__)

from mutualaid.volunteer import routes  # noqa: E402,F401
