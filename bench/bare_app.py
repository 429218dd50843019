"""The ceiling for bench/sms_inbound.py: Flask under the same gunicorn, doing nothing but the HTTP edge.

One POST /sms/inbound that parses the posted form (as the real app must) and answers the same empty
TwiML with text/xml. No signature check, no database: whatever the real app loses against this is
the cost of its own work. Run by the bench as `gunicorn -w N -b 127.0.0.1:PORT bench.bare_app:app`.
"""
from flask import Flask, Response, request

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'  # str(MessagingResponse())

app = Flask(__name__)


@app.post("/sms/inbound")
def inbound() -> Response:
    """Read the form like the app does, answer empty TwiML."""
    request.form.to_dict(flat=True)
    return Response(EMPTY_TWIML, mimetype="text/xml")


@app.get("/healthz")
def healthz():
    """Ready check used by the bench before measuring."""
    return {"status": "ok"}
