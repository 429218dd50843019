"""Pages for everyone: home, language choice, health check."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from mutualaid.main import routes  # noqa: E402,F401
