"""Coordinators: vetting volunteers, phone intake, offers, fixing needs the machine could not."""
from flask import Blueprint

bp = Blueprint("coordinator", __name__)

from mutualaid.coordinator import dashboard_routes, offer_routes, people_routes, routes, sms_routes  # noqa: E402,F401
from mutualaid.coordinator import import_routes  # noqa: E402,F401
