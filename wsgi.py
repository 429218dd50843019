"""WSGI entry point: `gunicorn wsgi:app`, and `flask --app wsgi <command>`."""
import gc
import sys

from dotenv import load_dotenv

from mutualaid import create_app
from mutualaid.first_run.token import announce_at_start_up

load_dotenv()
app = create_app()
announce_at_start_up(app, sys.argv)  # on an instance not set up yet, the server's log shows the setup link

# What start-up loaded lives as long as the process. Frozen, the garbage collector no longer
# scans it: a full collection of those ~160,000 objects took 85-90 ms, a stall for whichever
# request it fell on, and takes well under a millisecond once they are frozen.
gc.collect()
gc.freeze()
