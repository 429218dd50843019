"""Server-side access checks for routes: by role, and against guessing references."""
import hashlib
import hmac
import logging
from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user, login_required
from werkzeug import exceptions as werkzeug_exceptions

from mutualaid.core.errors import NotFound
from mutualaid.extensions import limiter

log = logging.getLogger(__name__)


def coordinator_required(view):
    """Only logged-in coordinators; others get 403."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_coordinator:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def volunteer_required(view):
    """Only logged-in people with a volunteer profile (approved or not)."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.volunteer is None:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def client_tag() -> str:
    """The caller's address as a short keyed digest: one guesser can be told from another in the
    logs, but the address itself is not kept."""
    address = (request.remote_addr or "unknown").encode()
    return hmac.new(current_app.secret_key.encode(), address, hashlib.sha256).hexdigest()[:12]


def ref_guess_limit() -> str:
    """How many unknown references one address may try, from config."""
    return current_app.config["RATELIMIT_REF_GUESSES"]


def _missed(response) -> bool:
    """A reference that led nowhere costs one guess, and so does a call without a valid API token (it learns
    nothing, but it could be guessing tokens, or guessing references until one is found); a found one is free."""
    return response.status_code in (401, 404)


def _log_miss() -> None:
    """Record a miss by endpoint and client tag only: never the reference's record or the address."""
    log.info("reference not found on %s from client %s", request.endpoint, client_tag())


def _log_breach(limit) -> None:
    """Record that an address was refused for guessing too many references."""
    log.warning("reference guesses refused on %s from client %s (limit %s)", request.endpoint, client_tag(),
                limit.limit)


def guards_refs(view):
    """For routes that take a need's or offer's reference from a caller we cannot trust: every unknown
    reference is logged, and after too many from one address (all such routes together) the answer is 429."""
    @limiter.shared_limit(ref_guess_limit, scope="ref-guesses", deduct_when=_missed, on_breach=_log_breach)
    @wraps(view)
    def guarded(*args, **kwargs):
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except (NotFound, werkzeug_exceptions.NotFound):
            _log_miss()
            raise
        if response.status_code == 404:
            _log_miss()
        return response
    return guarded
