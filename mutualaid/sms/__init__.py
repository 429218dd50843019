"""Twilio's webhooks: inbound messages and delivery status callbacks."""
from flask import Blueprint, request

from mutualaid.extensions import csrf, limiter
from mutualaid.webhooks import is_twilio_webhook

bp = Blueprint("sms", __name__)
csrf.exempt(bp)


@limiter.request_filter
def _twilio_webhooks() -> bool:
    """Twilio's webhooks are never rate limited by address: they come from Twilio's servers and are signed.

    A request filter rather than `@limiter.exempt`: Flask-Limiter checks filters before it
    resolves any limit, and resolving them for an exempt route cost the inbound webhook more
    CPU than verifying its signature (bench/sms_inbound.py). create_app also keeps the
    limiter's hooks from running for them at all (webhooks.skip_extension_hooks); this filter
    is what exempts them if a Flask-Limiter release registers its hooks differently. Texters
    are capped per number instead (SMS_MAX_INBOUND_PER_10_MINUTES).
    """
    return is_twilio_webhook(request)


from mutualaid.sms import routes  # noqa: E402,F401
