"""Coordinators: CSV exports of their own group's records (audited)."""
from flask import Blueprint

bp = Blueprint("exports", __name__)

from mutualaid.exports import routes  # noqa: E402,F401
