"""The one coordinator-permission check every action and read of a group's private data uses."""
from __future__ import annotations

from mutualaid.core.errors import Forbidden


def require_coordinator(person, group_id: int | None = None) -> None:
    """Forbidden unless `person` coordinates a group (and, when given, the group `group_id`)."""
    if person is None or not getattr(person, "is_coordinator", False) or person.group_id is None:
        raise Forbidden()
    if group_id is not None and person.group_id != group_id:
        raise Forbidden()
