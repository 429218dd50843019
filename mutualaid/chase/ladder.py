"""The chase: an escalation ladder per urgency, so no request sits unclaimed while everyone assumes
someone else has it (pure: plain values and `now` in, decisions out)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

# Steps of an open, unclaimed need. Level N means steps 1..N have been taken.
NOTIFY_FIRST_RING = 1    # on open: the best few candidates
NOTIFY_SECOND_RING = 2   # more candidates, wider radius, relaxed preferences (never vetting)
ALERT_COORDINATORS = 3   # top of the coordinators' list; on-call coordinators told, with the reason
UPDATE_REQUESTER = 4     # honest update to the requester; referral offered where another group covers it
LAST_MESSAGE = 5         # "we will close this in N days unless you reply"
EXPIRE = 6               # closed as expired

STEP_NAMES = {NOTIFY_FIRST_RING: "notify_first_ring", NOTIFY_SECOND_RING: "notify_second_ring",
              ALERT_COORDINATORS: "alert_coordinators", UPDATE_REQUESTER: "update_requester",
              LAST_MESSAGE: "last_message", EXPIRE: "expire"}


@dataclass(frozen=True)
class Ladder:
    """How long after opening each step falls due, and the claim timings, for one urgency."""

    second_ring: timedelta
    coordinators: timedelta
    requester: timedelta
    last_message: timedelta
    expire: timedelta
    claim_due: timedelta        # a claimed need should be done within this
    claim_reminder: timedelta   # remind the volunteer this long before it is due
    followup: timedelta         # ask the requester how it went this long after fulfilment

    def offset(self, step: int) -> timedelta:
        """Time after opening at which `step` falls due."""
        return {NOTIFY_FIRST_RING: timedelta(0), NOTIFY_SECOND_RING: self.second_ring,
                ALERT_COORDINATORS: self.coordinators, UPDATE_REQUESTER: self.requester,
                LAST_MESSAGE: self.last_message, EXPIRE: self.expire}[step]


H, D = timedelta(hours=1), timedelta(days=1)
DEFAULT_LADDERS: dict[str, Ladder] = {
    "today": Ladder(second_ring=H / 2, coordinators=2 * H, requester=8 * H, last_message=5 * D, expire=7 * D,
                    claim_due=12 * H, claim_reminder=3 * H, followup=2 * H),
    "soon": Ladder(second_ring=H, coordinators=4 * H, requester=D, last_message=12 * D, expire=14 * D,
                   claim_due=3 * D, claim_reminder=D, followup=6 * H),
    "this_week": Ladder(second_ring=4 * H, coordinators=D, requester=3 * D, last_message=19 * D, expire=21 * D,
                        claim_due=7 * D, claim_reminder=2 * D, followup=D),
}


def ladder_for(urgency: str, overrides: dict | None = None) -> Ladder:
    """The ladder for an urgency, with a group's overrides (in hours) applied."""
    ladder = DEFAULT_LADDERS.get(urgency, DEFAULT_LADDERS["soon"])
    changes = {k: timedelta(hours=float(v)) for k, v in ((overrides or {}).get(urgency) or {}).items()
               if k in Ladder.__dataclass_fields__}
    return replace(ladder, **changes) if changes else ladder


def next_step(level: int) -> int | None:
    """The step after `level`, or None when the ladder is finished."""
    return level + 1 if level < EXPIRE else None


def due_at(opened_at: datetime, level: int, ladder: Ladder) -> datetime | None:
    """When the next step after `level` falls due (None: nothing left to do)."""
    step = next_step(level)
    return None if step is None else opened_at + ladder.offset(step)


def steps_due(opened_at: datetime, level: int, ladder: Ladder, now: datetime) -> list[int]:
    """Every step now due, in order (after downtime several may be due; each runs exactly once)."""
    due = []
    while (step := next_step(level)) is not None and opened_at + ladder.offset(step) <= now:
        due.append(step)
        level = step
    return due


def collapse_missed(steps: list[int]) -> list[int]:
    """After downtime, skip nudges that are no longer useful: keep notifications only if they are the
    latest ring due, and always keep the coordinator alert, requester update, last message and expiry."""
    if not steps:
        return steps
    latest_ring = max((s for s in steps if s <= NOTIFY_SECOND_RING), default=None)
    return [s for s in steps if s > NOTIFY_SECOND_RING or s == latest_ring]


def claim_deadlines(claimed_at: datetime, ladder: Ladder) -> tuple[datetime, datetime]:
    """(remind_at, due_at) for a claim made at `claimed_at`."""
    due = claimed_at + ladder.claim_due
    return due - ladder.claim_reminder, due
