"""Server-side access checks for routes, by role."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


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
