"""Whether a group has paused new requests: one check, per group, on the group's own calendar (no commits)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l

from mutualaid.core.errors import ServiceError
from mutualaid.models import Group


class IntakePaused(ServiceError):
    """The group whose area holds the request is not taking new ones just now (nothing was saved)."""

    def __init__(self, group: Group, pause: dict):
        super().__init__(pause["message"] or _l("This group is not taking new requests just now."), code="paused")
        self.group, self.pause = group, pause


def local_date(group: Group, now: datetime) -> date:
    """The date it is in the group's time zone at `now` (UTC when the zone is unknown)."""
    try:
        zone = ZoneInfo(group.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = timezone.utc
    return now.astimezone(zone).date()


def intake_pause(group: Group | None, now: datetime) -> dict | None:
    """{'until': date, 'message': str} while the group has paused new requests (to its local date), else None."""
    if group is None:
        return None
    pause = (group.settings or {}).get("intake_paused")
    if not pause:
        return None
    until = date.fromisoformat(pause["until"]) if pause.get("until") else None
    if until is not None and until < local_date(group, now):
        return None
    return {"until": until, "message": pause.get("message", "")}


def check_intake(group: Group, now: datetime) -> None:
    """Raise IntakePaused when `group` is not taking new requests."""
    if (pause := intake_pause(group, now)) is not None:
        raise IntakePaused(group, pause)
