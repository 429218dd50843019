"""Writing audit events; called inside other services' transactions, never commits."""
from __future__ import annotations

import logging
from datetime import datetime

from mutualaid.core import bulk
from mutualaid.extensions import db
from mutualaid.models import AuditEvent
from mutualaid.models.base import utcnow

log = logging.getLogger(__name__)
_AUDIT = AuditEvent.__table__


def record(action: str, subject, *, actor=None, now: datetime | None = None, **details) -> AuditEvent | None:
    """Add an audit event for `subject` (a model instance); details must hold no personal data.

    Inside core/bulk.collected() the event is kept as a row and written with the others (None is returned)."""
    # `current_user` is a proxy: record the Person behind it, or the event's kind would be "localproxy".
    subject = subject._get_current_object() if hasattr(subject, "_get_current_object") else subject
    if subject.id is None:
        db.session.flush()
    kind = type(subject).__name__
    row = {"actor_id": getattr(actor, "id", None),
           "group_id": subject.id if kind == "Group" else getattr(subject, "group_id", None),
           "action": action, "subject_type": kind.lower(), "subject_id": subject.id, "details": details}
    rows = bulk.pending()
    if rows is not None:
        rows.add(_AUDIT, {**row, "created_at": now or utcnow()})
        log.debug("audit %s %s#%s by %s", action, row["subject_type"], subject.id, row["actor_id"])
        return None
    event = AuditEvent(**row)
    if now is not None:
        event.created_at = now
    db.session.add(event)
    log.debug("audit %s %s#%s by %s", action, event.subject_type, subject.id, event.actor_id)
    return event
