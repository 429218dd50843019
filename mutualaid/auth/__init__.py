"""Accounts: logging in and out, volunteer sign-up."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from mutualaid.auth import routes  # noqa: E402,F401
from mutualaid.auth import password_routes  # noqa: E402,F401
