"""Coordinators: the audit log of their group."""
from flask import Blueprint

bp = Blueprint("audit_log", __name__)

from mutualaid.audit_log import routes  # noqa: E402,F401
