"""Bearer-token authentication for the API (browser cookies are never used here)."""
from functools import wraps

from flask import g, jsonify, request

from mutualaid.people.actions import person_for_token


def api_person():
    """The person named by this request's bearer token, or None."""
    if "api_person" not in g:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.startswith("Bearer ") else ""
        g.api_person = person_for_token(token) if token else None
    return g.api_person


def token_required(view):
    """Refuse the call with 401 unless it carries a valid token."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if api_person() is None:
            response = jsonify(error={"status": 401, "message": "A valid bearer token is required."})
            response.headers["WWW-Authenticate"] = 'Bearer realm="mutualaid"'
            return response, 401
        return view(*args, **kwargs)
    return wrapped
