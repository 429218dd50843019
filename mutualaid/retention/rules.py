"""How long a group keeps personal data: its settings, their defaults and limits, and the cut-off moments."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Days after a request closes (or a text dialogue started) before its personal data goes.
DEFAULTS = {"retention_days": 90, "message_retention_days": 30, "draft_retention_days": 14}
# Below these, a follow-up, a late thank-you or a coordinator's check could find the data already gone.
MINIMUMS = {"retention_days": 14, "message_retention_days": 7, "draft_retention_days": 2}
MAXIMUM_DAYS = 3650


@dataclass(frozen=True)
class Retention:
    """A group's retention periods, in days."""

    retention_days: int
    message_retention_days: int
    draft_retention_days: int

    def needs_before(self, now: datetime) -> datetime:
        """Closed needs closed before this moment lose their personal data."""
        return now - timedelta(days=self.retention_days)

    def messages_before(self, now: datetime) -> datetime:
        """Message texts of needs closed before this moment (or unlinked texts sent before it) are blanked."""
        return now - timedelta(days=min(self.message_retention_days, self.retention_days))

    def drafts_before(self, now: datetime) -> datetime:
        """Text dialogues started before this moment and never finished are deleted."""
        return now - timedelta(days=self.draft_retention_days)


def _days(value, key: str) -> int:
    """A stored setting as whole days, the default when missing or not a number, never under the minimum."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return DEFAULTS[key]
    return min(max(days, MINIMUMS[key]), MAXIMUM_DAYS)


def retention_for(group) -> Retention:
    """The retention periods of `group` (its settings, else the defaults)."""
    settings = group.settings or {}
    return Retention(*(_days(settings.get(key, DEFAULTS[key]), key) for key in DEFAULTS))
