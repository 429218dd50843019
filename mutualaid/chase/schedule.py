"""Scheduling the chase: every path that opens a need starts its ladder here (no commits)."""
from __future__ import annotations

from datetime import datetime

from mutualaid.chase.ladder import Ladder, claim_deadlines, ladder_for
from mutualaid.models import Claim, Need


def ladder_of(need: Need) -> Ladder:
    """The need's ladder: its urgency, with its group's overrides."""
    settings = need.group.settings if need.group is not None and need.group.settings else {}
    return ladder_for(need.urgency, settings.get("ladder"))


def start_chase(need: Need, now: datetime) -> None:
    """The need is open (again): its ladder restarts, and the first ring is due now."""
    need.opened_at, need.escalation_level, need.next_chase_at, need.notified_at = now, 0, now, None


def stop_chase(need: Need) -> None:
    """The need is claimed or closed: nothing more to chase."""
    need.next_chase_at = None


def set_claim_deadlines(claim: Claim, need: Need, now: datetime) -> None:
    """When to remind the volunteer, and when the claim is due."""
    claim.remind_at, claim.due_at = claim_deadlines(now, ladder_of(need))
