"""Anonymised figures a group shows its neighbours: what it did, how fast, what is waiting.

Nothing here names a person, a place finer than the group, or a request. Counts of 1 or 2
in a category are suppressed (`count=None`), the categories keep a fixed order (so the
order cannot rank suppressed counts) and no total is shown that a suppressed count could
be worked out from. The median time to help is shown only when at least 3 requests make it.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func

from mutualaid.core.caching import cached_figures
from mutualaid.core.errors import NotFound
from mutualaid.domain.categories import CATEGORY_CODES
from mutualaid.extensions import db
from mutualaid.models import Claim, Group, Need

SMALLEST_SHOWN = 3  # counts of 1 or 2 are shown as "fewer than 3"
WEEKS_SHOWN = 8
MEDIAN_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class CategoryCount:
    """Open requests of one kind; `count` is None when it is 1 or 2 (suppressed)."""

    category: str
    count: int | None


@dataclass(frozen=True)
class WeekCount:
    """Requests received in the week starting on Monday `starts` (the group's local dates)."""

    starts: date
    count: int


@dataclass(frozen=True)
class GroupFigures:
    """Everything the public page shows, already safe to show."""

    name: str
    month_start: date
    met_this_month: int
    median_hours_to_help: float | None
    median_based_on: int
    open_by_category: list[CategoryCount]
    weeks: list[WeekCount]


def suppress(count: int) -> int | None:
    """Small counts hidden so that nobody can be singled out; zero is harmless and shown."""
    return None if 0 < count < SMALLEST_SHOWN else count


def _zone(group: Group):
    """The group's time zone (UTC if the setting is not a zone we know)."""
    try:
        return ZoneInfo(group.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def _local_midnight(day: date, zone) -> datetime:
    """The start of a local day, in UTC."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


def _met_this_month(group: Group, month_start: datetime, now: datetime) -> int:
    """Requests marked done since the start of this calendar month."""
    return db.session.execute(db.select(func.count(Need.id)).where(
        Need.group_id == group.id, Need.status == "fulfilled", Need.practice.is_(False),
        Need.closed_at >= month_start, Need.closed_at <= now)).scalar_one()


def _median_hours_to_help(group: Group, now: datetime) -> tuple[float | None, int]:
    """Median of (claim taken - request made) over requests done in the last 30 days, and how many."""
    rows = db.session.execute(
        db.select(Need.created_at, func.max(Claim.claimed_at))
        .join(Claim, Claim.need_id == Need.id)
        .where(Need.group_id == group.id, Need.status == "fulfilled", Need.practice.is_(False),
               Need.closed_at >= now - MEDIAN_WINDOW, Need.closed_at <= now)
        .group_by(Need.id, Need.created_at)).all()
    waits = [max((claimed - created).total_seconds(), 0) / 3600 for created, claimed in rows]
    if len(waits) < SMALLEST_SHOWN:
        return None, 0
    return statistics.median(waits), len(waits)


def _open_by_category(group: Group) -> list[CategoryCount]:
    """Open requests per kind of help, in the fixed category order, small counts suppressed."""
    counts = dict(db.session.execute(
        db.select(Need.category, func.count(Need.id))
        .where(Need.group_id == group.id, Need.status == "open", Need.practice.is_(False))
        .group_by(Need.category)).all())
    return [CategoryCount(code, suppress(counts[code])) for code in CATEGORY_CODES if counts.get(code)]


def _weeks(group: Group, zone, now: datetime) -> list[WeekCount]:
    """Requests received in each of the last 8 calendar weeks (Monday to Sunday), this one included."""
    today = now.astimezone(zone).date()
    first = today - timedelta(days=today.weekday() + 7 * (WEEKS_SHOWN - 1))
    created = db.session.execute(db.select(Need.created_at).where(
        Need.group_id == group.id, Need.status != "draft", Need.practice.is_(False),
        Need.created_at >= _local_midnight(first, zone), Need.created_at <= now)).scalars()
    counts = [0] * WEEKS_SHOWN
    for moment in created:
        index = (moment.astimezone(zone).date() - first).days // 7
        if 0 <= index < WEEKS_SHOWN:
            counts[index] += 1
    return [WeekCount(first + timedelta(weeks=i), n) for i, n in enumerate(counts)]


def group_figures(slug: str, *, now: datetime | None = None) -> GroupFigures:
    """The public figures of the group with this slug, as of `now`; NotFound for an unknown slug.

    Live figures (no `now`) are read as the `refresh_figures` job last counted them: the page is public,
    and at a million requests its counts take seconds, so they are never counted for a visitor.
    """
    group = db.session.execute(db.select(Group).where(Group.slug == slug)).scalar_one_or_none()
    if group is None:
        raise NotFound()
    if now is None:
        return cached_figures(figures_key(group.id), lambda: _group_figures(group, datetime.now(timezone.utc)))
    return _group_figures(group, now)


def figures_key(group_id: int) -> str:
    """Where a group's public figures are kept."""
    return f"public-figures:{group_id}"


def count_figures(group: Group, now: datetime) -> GroupFigures:
    """The public figures of `group` counted afresh (for the job that keeps them)."""
    return _group_figures(group, now)


def _group_figures(group: Group, now: datetime) -> GroupFigures:
    """The public figures of `group` as of `now`."""
    zone = _zone(group)
    month_start = now.astimezone(zone).date().replace(day=1)
    median, based_on = _median_hours_to_help(group, now)
    return GroupFigures(
        name=group.name,
        month_start=month_start,
        met_this_month=_met_this_month(group, _local_midnight(month_start, zone), now),
        median_hours_to_help=median,
        median_based_on=based_on,
        open_by_category=_open_by_category(group),
        weeks=_weeks(group, zone, now),
    )
