"""A second reference for bench/sms_inbound.py: bare Flask plus the one durable write, and nothing else.

What the webhook cannot do without: it must commit the text to PostgreSQL before it answers.
This is bare_app.py plus exactly that write: the app's own INSERT ... ON CONFLICT (provider_sid)
DO NOTHING RETURNING id (built by its _store_statement), prepared once on a connection kept by each worker, in
autocommit (one durable commit per text), into `bench_floor`, a copy of the message table made
by the bench (`CREATE TABLE ... (LIKE message INCLUDING ALL)`: the same columns, defaults and
indexes) so that its rows are not texts for the app to answer. No signature check, no
extensions, no retry: the gap between it and bare is what a durable PostgreSQL write costs on
this machine, and the gap between the app and it is the app's own work.
Run by the bench as `gunicorn -w N -b 127.0.0.1:PORT bench.floor_app:app`, with DATABASE_URL set.
"""
import os
from datetime import datetime, timezone

import psycopg
from flask import Flask, Response, request
from sqlalchemy.dialects import postgresql

from mutualaid.sms.actions import _store_statement

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'
TABLE = "bench_floor"
# The app's own statement for the values its webhook sends, compiled as inbound_store compiles it,
# aimed at the copy of the table.
COLUMNS = ("provider_sid", "from_number", "to_number", "body", "num_media", "simulated", "created_at")
_COMPILED = _store_statement(COLUMNS).compile(dialect=postgresql.psycopg.dialect(paramstyle="numeric_dollar"))
assert tuple(_COMPILED.positiontup) == COLUMNS, "the values below are sent in this order"
INSERT = str(_COMPILED).replace("INSERT INTO message ", f"INSERT INTO {TABLE} ", 1).encode()

app = Flask(__name__)
_kept: dict = {}


def connection() -> psycopg.Connection:
    """This worker's connection, opened (and the INSERT prepared) on first use."""
    conn = _kept.get("conn")
    if conn is None:
        conn = _kept["conn"] = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
        result = conn.pgconn.prepare(b"floor_insert", INSERT)
        if result.status != psycopg.pq.ExecStatus.COMMAND_OK:
            raise RuntimeError(result.error_message.decode(errors="replace"))
    return conn


@app.post("/sms/inbound")
def inbound() -> Response:
    """Read the form like bare, commit one row, answer empty TwiML."""
    form = request.form.to_dict(flat=True)
    values = [form.get(field, "").encode() for field in ("MessageSid", "From", "To", "Body")]
    values += [form.get("NumMedia", "0").encode(), b"f", datetime.now(timezone.utc).isoformat().encode()]
    pgconn = connection().pgconn
    result = pgconn.exec_prepared(b"floor_insert", values)
    if result.status != psycopg.pq.ExecStatus.TUPLES_OK:
        return Response(result.error_message.decode(errors="replace"), status=500, mimetype="text/plain")
    return Response(EMPTY_TWIML, mimetype="text/xml")


@app.get("/healthz")
def healthz():
    """Ready check used by the bench before measuring."""
    return {"status": "ok"}
