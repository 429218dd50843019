"""Twilio's webhooks: inbound messages and delivery status callbacks."""
from flask import Blueprint, request

from mutualaid.extensions import csrf, limiter
from mutualaid.webhooks import is_twilio_webhook

bp = Blueprint("sms", __name__)
csrf.exempt(bp)


@limiter.request_filter
def _twilio_webhooks() -> bool:
    """Twilio's webhooks are never rate limited by address: they come from Twilio's servers and are signed.

    The filter is what exempts them; create_app also keeps the limiter's hooks from running for
    them at all (webhooks.skip_extension_hooks), which would otherwise resolve every limit first.
    Texters are capped per number instead (SMS_MAX_INBOUND_PER_10_MINUTES).
    """
    return is_twilio_webhook(request)


from mutualaid.sms import routes  # noqa: E402,F401
