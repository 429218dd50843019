"""Which requests are Twilio's webhooks (the sms blueprint, under /sms/).

They come from Twilio's servers, signed, never from a browser, so they get no cookie session,
are never rate limited by address, and are told about errors in one line of plain text.
"""
from flask import Request

PREFIX = "/sms/"


def is_twilio_webhook(request: Request) -> bool:
    """Whether `request` is for one of Twilio's webhooks (by path, so also when no route matched)."""
    return request.path.startswith(PREFIX)
