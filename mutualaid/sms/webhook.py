"""Twilio's webhooks, POST /sms/inbound and POST /sms/status: verify the signature, call one action, answer TwiML."""
from flask import Blueprint, Response, request
from twilio.twiml.messaging_response import MessagingResponse

from mutualaid.extensions import csrf, limiter
from mutualaid.groups.actions import require_set_up
from mutualaid.messaging.outbox import record_status
from mutualaid.sms.hooks import is_twilio_webhook
from mutualaid.sms.signing import accept_inbound, public_url, signature_headers, verified_form

bp = Blueprint("sms", __name__)
csrf.exempt(bp)


@limiter.request_filter
def _twilio_webhooks() -> bool:
    """Twilio's webhooks are never rate limited by address: they come from Twilio's servers and are signed.

    The filter is what exempts them; create_app also keeps the limiter's hooks from running for
    them at all (hooks.skip_extension_hooks), which would otherwise resolve every limit first.
    Texters are capped per number instead (SMS_MAX_INBOUND_PER_10_MINUTES).
    """
    return is_twilio_webhook(request)


EMPTY_TWIML = str(MessagingResponse())


def twiml() -> Response:
    """An empty TwiML answer: replies go through the outbox, so nothing is lost if we are slow."""
    return Response(EMPTY_TWIML, mimetype="text/xml")


@bp.route("/inbound", methods=["POST"])
def inbound():
    """Twilio Messaging webhook."""
    signature, settings = signature_headers()
    accept_inbound(public_url(), request.form.to_dict(flat=True), signature, settings=settings)
    require_set_up()  # stored first, and answered once a group exists; until then a 503 says why
    return twiml()


@bp.route("/status", methods=["POST"])
def status():
    """Twilio delivery status callback (idempotent, only moves forward)."""
    form = verified_form()
    record_status(form.get("MessageSid", ""), form.get("MessageStatus", ""), form.get("ErrorCode"))
    return Response("", status=204)
