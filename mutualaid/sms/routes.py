"""POST /sms/inbound and POST /sms/status: verify the signature, call one service, answer TwiML."""
import logging

from flask import Response, abort, request
from twilio.twiml.messaging_response import MessagingResponse

from mutualaid.services.outbox import record_status
from mutualaid.services.sms_inbound import record_inbound_sms
from mutualaid.sms import bp
from mutualaid.sms.signing import UnknownSigningKey, is_signed, public_url, signature_headers

log = logging.getLogger(__name__)


def check_signature(url: str, form: dict, signature: str | None, settings: str | None = None) -> None:
    """403 when the signature does not match; 500 when it names a shared key we were not given.

    The 500 is our configuration's fault, not the sender's: Twilio reports it in its debugger
    and retries as the Webhook Setting says, and the log tells the operator which key to add.
    """
    try:
        signed = is_signed(url, form, signature, settings)
    except UnknownSigningKey as exc:
        log.error("Webhook not stored: %s.", exc)
        abort(500)
    if not signed:
        abort(403)


def verified_form() -> dict:
    """The posted fields, once their Twilio signature matches them and the URL (else 403 or 500)."""
    form = request.form.to_dict(flat=True)
    check_signature(public_url(), form, *signature_headers())
    return form


def accept_inbound(url: str, form: dict, signature: str | None, *, settings: str | None = None,
                   simulated: bool = False, inline: bool | None = None):
    """The one inbound path, for Twilio and the simulator alike: verify, then record."""
    check_signature(url, form, signature, settings)
    return record_inbound_sms(form, simulated=simulated, inline=inline)


EMPTY_TWIML = str(MessagingResponse())


def twiml() -> Response:
    """An empty TwiML answer: replies go through the outbox, so nothing is lost if we are slow."""
    return Response(EMPTY_TWIML, mimetype="text/xml")


@bp.route("/inbound", methods=["POST"])
def inbound():
    """Twilio Messaging webhook."""
    signature, settings = signature_headers()
    accept_inbound(public_url(), request.form.to_dict(flat=True), signature, settings=settings)
    return twiml()


@bp.route("/status", methods=["POST"])
def status():
    """Twilio delivery status callback (idempotent, only moves forward)."""
    form = verified_form()
    record_status(form.get("MessageSid", ""), form.get("MessageStatus", ""), form.get("ErrorCode"))
    return Response("", status=204)
