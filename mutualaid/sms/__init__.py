"""Twilio's webhooks: inbound messages and delivery status callbacks."""
from flask import Blueprint

from mutualaid.extensions import csrf

bp = Blueprint("sms", __name__)
csrf.exempt(bp)

from mutualaid.sms import routes  # noqa: E402,F401
