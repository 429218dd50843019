"""The first-run setup page: on an instance with no group, create the group and its first coordinator in
the browser, with a one-time key from the server's log, instead of two commands."""
from flask import Blueprint

bp = Blueprint("setup", __name__)

from mutualaid.setup import routes  # noqa: E402,F401
