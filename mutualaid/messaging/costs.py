"""What texting costs a group: where it may text, and its daily spend cap (helpers of the outbox; no commits).

The cap counts SMS segments (what providers charge for) sent on the group's local day, in one row a
group a day that every sending process adds to atomically. Past the cap only replies to people who
have just texted us (and relayed messages) go; other texts wait for the group's next day, and
coordinators are told once.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from mutualaid.extensions import db
from mutualaid.groups.pause import local_date
from mutualaid.messaging.destinations import allowed_regions, destination_refusal
from mutualaid.messaging.limits import segments
from mutualaid.models import Group, Message, SmsSpend

# Purposes that may go past the cap: answers to someone who has just texted us, and the messages a neighbour
# and the volunteer helping them send each other through the group's number (each one set off by a text in).
PAST_THE_CAP = frozenset({"reply", "relay"})
CAP_REASON = "daily text limit"


def group_regions(group: Group | None) -> frozenset[str]:
    """The countries `group` may text (the instance's default region when there is no group)."""
    if group is None:
        return allowed_regions(None, current_app.config["DEFAULT_REGION"])
    return allowed_regions(group.settings, group.country)


def texting_refusal(group: Group | None, number: str | None) -> str | None:
    """Why this group may not text `number` (a reason for coordinators), or None when it may."""
    return destination_refusal(number or "", group_regions(group))


def requester_refusal(need) -> str | None:
    """Why the group cannot text the number the person who asked gave (None when it can, or none was given)."""
    phone = need.requester.phone if need.requester is not None else None
    return texting_refusal(need.group, phone) if phone else None


def daily_cap(group: Group) -> int:
    """Segments the group may send a day before only replies go."""
    value = (group.settings or {}).get("sms_daily_cap")
    return int(value) if value is not None else current_app.config["SMS_DAILY_SEGMENT_CAP"]


def next_day_start(group: Group, now: datetime) -> datetime:
    """The next midnight in the group's time zone, in UTC."""
    try:
        zone = ZoneInfo(group.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = timezone.utc
    tomorrow = local_date(group, now) + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=zone).astimezone(timezone.utc)


@dataclass(frozen=True)
class Spend:
    """A group's texting on one day: segments sent, its cap, and the estimated cost."""

    day: date
    segments: int
    cap: int
    alerted: bool
    price: float

    @property
    def reached(self) -> bool:
        """Whether only replies go now."""
        return self.segments >= self.cap

    @property
    def cost(self) -> float:
        """Estimated cost at the configured price a segment."""
        return round(self.segments * self.price, 2)


_SPEND = SmsSpend.__table__
# Built once: the outbox runs these for every text it sends.
_READ = select(_SPEND.c.segments, _SPEND.c.alerted).where(
    _SPEND.c.group_id == bindparam("group_id"), _SPEND.c.day == bindparam("day"))
_ADD = {}


def _add_statement(dialect: str):
    """INSERT … ON CONFLICT DO UPDATE adding to the day's segments, RETURNING the new total (per dialect)."""
    if dialect not in _ADD:
        statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(_SPEND).values(
            group_id=bindparam("group_id"), day=bindparam("day"), segments=bindparam("segments"), alerted=False)
        _ADD[dialect] = statement.on_conflict_do_update(
            index_elements=[_SPEND.c.group_id, _SPEND.c.day],
            set_={"segments": _SPEND.c.segments + statement.excluded.segments},
        ).returning(_SPEND.c.segments, _SPEND.c.alerted)
    return _ADD[dialect]


def _spend(group: Group, day: date, row) -> Spend:
    """A Spend from the day's row (None: nothing sent yet)."""
    return Spend(day, row.segments if row else 0, daily_cap(group), bool(row and row.alerted),
                 float(current_app.config["SMS_SEGMENT_PRICE"]))


def spend_on(group: Group, day: date) -> Spend:
    """The group's spend on its local `day` (one primary-key read)."""
    return _spend(group, day, db.session.connection().execute(_READ, {"group_id": group.id, "day": day}).first())


def spend_today(group: Group, now: datetime) -> Spend:
    """The group's spend on its local day at `now`."""
    return spend_on(group, local_date(group, now))


def cap_wait(message: Message, group: Group | None, now: datetime, seen: dict | None = None) -> datetime | None:
    """When the group's daily cap holds this text back, the start of its next day; else None.

    `seen` holds the spend a delivery pass last read or added to, so a pass reads each group's day once
    and then learns the total (other processes' sends included) from each of its own sends."""
    if group is None or message.channel != "sms" or message.purpose in PAST_THE_CAP \
            or message.template == "opted_out":
        return None
    seen = {} if seen is None else seen
    key = (group.id, local_date(group, now))
    spend = seen.get(key) or spend_on(group, key[1])
    seen[key] = spend
    if not spend.reached:
        return None
    return next_day_start(group, now)


def record_sent(message: Message, group: Group | None, now: datetime, seen: dict | None = None) -> None:
    """Add a sent text's segments to its group's day (practice texts cost nothing and are not counted)."""
    if group is None or message.channel != "sms" or message.simulated:
        return
    day, connection = local_date(group, now), db.session.connection()
    row = connection.execute(_add_statement(connection.dialect.name),
                             {"group_id": group.id, "day": day, "segments": segments(message.body)}).one()
    spend = _spend(group, day, row)
    if seen is not None:
        seen[(group.id, day)] = spend


def count_pending(message: Message, group: Group | None, now: datetime, seen: dict) -> None:
    """Count a text about to be sent in the day `seen` holds, so the cap also holds within a wave of sends
    whose answers are not back yet (record_sent then reads the true total)."""
    if group is None or message.channel != "sms" or message.simulated:
        return
    key = (group.id, local_date(group, now))
    if key in seen:
        seen[key] = replace(seen[key], segments=seen[key].segments + segments(message.body))


def cap_to_announce(group: Group | None, now: datetime, seen: dict) -> Spend | None:
    """The group's day when its cap has just been reached and this process is the first to see it (it
    marks the day as announced, once, whichever process gets there first); else None."""
    if group is None:
        return None
    key = (group.id, local_date(group, now))
    spend = seen.get(key)
    if spend is None or not spend.reached or spend.alerted:
        return None
    seen[key] = replace(spend, alerted=True)
    won = db.session.execute(update(SmsSpend).where(
        SmsSpend.group_id == group.id, SmsSpend.day == spend.day, SmsSpend.alerted.is_(False))
        .values(alerted=True).execution_options(synchronize_session=False)).rowcount
    return seen[key] if won == 1 else None
