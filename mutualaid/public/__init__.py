"""Neighbours: each group's public page of anonymised figures."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from mutualaid.public import routes  # noqa: E402,F401
