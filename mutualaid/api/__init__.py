"""JSON API under /api/v1 (bearer tokens, no cookies, so no CSRF)."""
from flask import Blueprint

from mutualaid.extensions import csrf

bp = Blueprint("api", __name__)
csrf.exempt(bp)

from mutualaid.api import routes  # noqa: E402,F401
