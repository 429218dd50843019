"""Writing audit events; called inside other services' transactions, never commits."""
from __future__ import annotations

import logging
from datetime import datetime

from mutualaid.extensions import db
from mutualaid.models import AuditEvent

log = logging.getLogger(__name__)


def record(action: str, subject, *, actor=None, now: datetime | None = None, **details) -> AuditEvent:
    """Add an audit event for `subject` (a model instance); details must hold no personal data."""
    # `current_user` is a proxy: record the Person behind it, or the event's kind would be "localproxy".
    subject = subject._get_current_object() if hasattr(subject, "_get_current_object") else subject
    if subject.id is None:
        db.session.flush()
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        group_id=subject.id if type(subject).__name__ == "Group" else getattr(subject, "group_id", None),
        action=action,
        subject_type=type(subject).__name__.lower(),
        subject_id=subject.id,
        details=details,
    )
    if now is not None:
        event.created_at = now
    db.session.add(event)
    log.debug("audit %s %s#%s by %s", action, event.subject_type, subject.id, event.actor_id)
    return event
