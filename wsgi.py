"""WSGI entry point: `gunicorn wsgi:app`, and `flask --app wsgi <command>`."""
from dotenv import load_dotenv

from mutualaid import create_app

load_dotenv()
app = create_app()
