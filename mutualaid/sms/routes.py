"""POST /sms/inbound and POST /sms/status: verify the signature, call one service, answer TwiML."""
from flask import Response, abort, request
from twilio.twiml.messaging_response import MessagingResponse

from mutualaid.services.outbox import record_status
from mutualaid.services.sms_inbound import record_inbound_sms
from mutualaid.sms import bp
from mutualaid.sms.signing import is_signed, public_url


def verified_form() -> dict:
    """The posted fields, or 403 when the Twilio signature does not match them and the URL."""
    form = request.form.to_dict(flat=True)
    if not is_signed(public_url(), form, request.headers.get("X-Twilio-Signature")):
        abort(403)
    return form


def accept_inbound(url: str, form: dict, signature: str | None, *, simulated: bool = False,
                   inline: bool | None = None):
    """The one inbound path, for Twilio and the simulator alike: verify, then record."""
    if not is_signed(url, form, signature):
        abort(403)
    return record_inbound_sms(form, simulated=simulated, inline=inline)


EMPTY_TWIML = str(MessagingResponse())


def twiml() -> Response:
    """An empty TwiML answer: replies go through the outbox, so nothing is lost if we are slow."""
    return Response(EMPTY_TWIML, mimetype="text/xml")


@bp.route("/inbound", methods=["POST"])
def inbound():
    """Twilio Messaging webhook."""
    accept_inbound(public_url(), request.form.to_dict(flat=True), request.headers.get("X-Twilio-Signature"))
    return twiml()


@bp.route("/status", methods=["POST"])
def status():
    """Twilio delivery status callback (idempotent, only moves forward)."""
    form = verified_form()
    record_status(form.get("MessageSid", ""), form.get("MessageStatus", ""), form.get("ErrorCode"))
    return Response("", status=204)
