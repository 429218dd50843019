"""The coordinators' dashboard: what nobody has covered, why, and how the group is doing."""
from __future__ import annotations

import heapq
import itertools
import statistics
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone

import numpy as np
from sqlalchemy import and_, case, func

from mutualaid.coordination.waiting import pressing, wait_colour, wait_table
from mutualaid.core.caching import cached_figures
from mutualaid.core.permissions import require_coordinator
from mutualaid.domain.refs import normalise_ref
from mutualaid.extensions import db
from mutualaid.matching.actions import volunteer_rows
from mutualaid.matching.arrays import NeedArrays, VolunteerArrays
from mutualaid.matching.explain import explain
from mutualaid.matching.values import (LOCATION_UNKNOWN, NOBODY_FOR_CATEGORY, NOBODY_FREE, NOBODY_IN_RANGE,
                                       NOBODY_WITH_CAR, NOBODY_WITH_LANGUAGE, NeedRow)
from mutualaid.matching.values import URGENCIES as MATCHER_URGENCIES
from mutualaid.models import Claim, Need, NeedMessage, Person

UNMET_STATUSES = ("open", "draft")
URGENCY_ORDER = ("today", "soon", "this_week")
PAGE = 50


@dataclass(frozen=True)
class UnmetFilter:
    """What the coordinator narrowed the list to."""

    category: str | None = None
    area: str | None = None
    language: str | None = None
    status: str | None = None
    min_days: float | None = None
    ref: str | None = None


@dataclass
class UnmetRow:
    """One unmet need as the dashboard shows it."""

    need: Need
    days_open: float
    colour: str  # green | amber | red
    step: int
    reason: str | None


@dataclass
class Overview:
    """The first page: unmet needs, most pressing first, and open counts by category."""

    rows: list[UnmetRow]
    open_by_category: dict[str, int] = field(default_factory=dict)
    total_unmet: int = 0  # practice needs (from the SMS simulator) are listed, with a badge, but not counted
    practice_unmet: int = 0


def _require(coordinator: Person) -> None:
    """Only coordinators see the dashboard."""
    require_coordinator(coordinator)


def messages_waiting(coordinator: Person, *, limit: int = 10) -> list[tuple[Need, NeedMessage]]:
    """Messages on the group's needs that reached nobody (no phone, no email, no consent to texts), oldest
    first: a coordinator passes them on by hand. Only who wrote and when are shown here, never the text."""
    _require(coordinator)
    return list(db.session.execute(
        db.select(Need, NeedMessage).join(NeedMessage, NeedMessage.need_id == Need.id)
        .where(Need.group_id == coordinator.group_id, NeedMessage.passed_on == "none")
        .order_by(NeedMessage.created_at, NeedMessage.id).limit(limit)).tuples())


def age_colours(group) -> dict[str, tuple[float, float]]:
    """The group's wait thresholds in hours for each urgency (`settings["age_colours"]` over the defaults)."""
    return wait_table((group.settings or {}).get("age_colours") if group is not None else None)


def _unmet_query(coordinator: Person, filters: UnmetFilter, now: datetime):
    """Unmet needs of the coordinator's group, narrowed by the filters (no ordering yet)."""
    statuses = (filters.status,) if filters.status in UNMET_STATUSES else UNMET_STATUSES
    query = db.select(Need).where(Need.group_id == coordinator.group_id, Need.status.in_(statuses))
    if filters.category:
        query = query.where(Need.category == filters.category)
    if filters.area:
        query = query.where(Need.public_label == filters.area)
    if filters.language:
        query = query.where(Need.language == filters.language)
    if filters.min_days:
        query = query.where(Need.created_at <= now - timedelta(days=filters.min_days))
    return query


def unmet_needs(coordinator: Person, filters: UnmetFilter = UnmetFilter(), *, now: datetime | None = None,
                page: int = 1) -> Overview:
    """Unmet needs, most urgent then oldest first, one page at a time, with why nobody has them."""
    _require(coordinator)
    now = now or datetime.now(timezone.utc)
    if filters.ref:
        ref = normalise_ref(filters.ref)
        needs = list(db.session.execute(db.select(Need).where(
            Need.group_id == coordinator.group_id, Need.ref == ref)).scalars()) if ref else []
        return Overview(_rows(needs, coordinator, now), total_unmet=len(needs))
    base = _unmet_query(coordinator, filters, now)
    # One query per urgency and status, each reading ix_need_dashboard (group, status, urgency, created_at)
    # in order and stopping after a page, merged here. A single "status IN (open, draft)" query would
    # sort every unmet need of that urgency instead: tens of milliseconds at 100,000 open needs.
    wanted = page * PAGE
    statuses = (filters.status,) if filters.status in UNMET_STATUSES else UNMET_STATUSES
    needs: list[Need] = []
    for urgency in URGENCY_ORDER:
        if len(needs) >= wanted:
            break
        batch = heapq.merge(*(db.session.execute(
            _unmet_query(coordinator, replace(filters, status=status), now).where(Need.urgency == urgency)
            .order_by(Need.created_at, Need.id)
            .limit(wanted - len(needs))).scalars().all() for status in statuses),
            key=lambda need: (need.created_at, need.id))
        needs += itertools.islice(batch, wanted - len(needs))
    needs = needs[(page - 1) * PAGE:wanted]
    counts = dict(db.session.execute(db.select(Need.category, func.count()).where(
        Need.group_id == coordinator.group_id, Need.status == "open", Need.practice.is_(False))
        .group_by(Need.category)).all())
    totals = dict(db.session.execute(base.with_only_columns(Need.practice, func.count()).group_by(Need.practice)
                                     .order_by(None)).all())
    return Overview(_rows(needs, coordinator, now), counts, totals.get(False, 0), totals.get(True, 0))


def _rows(needs: list[Need], coordinator: Person, now: datetime) -> list[UnmetRow]:
    """Decorate needs with their age colour, ladder step and reason."""
    table = age_colours(coordinator.group)
    rows = []
    for need in needs:
        days = (now - need.created_at).total_seconds() / 86400
        rows.append(UnmetRow(need, days, wait_colour(days * 24, need.urgency, table), need.escalation_level,
                             need.match_reason))
    return rows


def _percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation, or None without data."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


@dataclass
class Figures:
    """Counts and trends for the figures page."""

    by_status_category: dict[str, dict[str, int]]
    by_area: list[tuple[str, int, int]]
    time_to_claim: dict[int, tuple[float | None, float | None]]
    time_to_fulfil: dict[int, tuple[float | None, float | None]]
    per_day: list[tuple[date, int]]  # the last 30 UTC days, oldest first, each with the requests made that day


def figures(coordinator: Person, *, now: datetime | None = None) -> Figures:
    """Open/claimed/fulfilled/expired by category and by area; time to claim and fulfil (p50, p90) over 7 and 30 days.

    Live figures (no `now`) are read as the `refresh_figures` job last counted them: at a million requests they
    take seconds to count.
    """
    _require(coordinator)
    if now is None:
        group = coordinator.group_id
        return cached_figures(figures_key(group), lambda: _figures(group, datetime.now(timezone.utc)))
    return _figures(coordinator.group_id, now)


def figures_key(group_id: int) -> str:
    """Where a group's coordinators' figures are kept."""
    return f"dashboard-figures:{group_id}"


def count_figures(group_id: int, now: datetime) -> Figures:
    """The coordinators' figures of a group counted afresh (for the job that keeps them)."""
    return _figures(group_id, now)


def _hours_between(start, end):
    """SQL for the hours from `start` to `end` (two timestamp columns), on SQLite and PostgreSQL."""
    if db.engine.dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 24.0
    return func.extract("epoch", end - start) / 3600.0


def _utc_day(column):
    """SQL for the UTC date of a timestamp column, as 'YYYY-MM-DD'."""
    if db.engine.dialect.name == "sqlite":
        return func.date(column)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")


def _figures(group: int, now: datetime) -> Figures:
    """The figures of one group as of `now`."""
    by = {}
    # Practice needs are never counted; nor are text dialogues never finished (the purge deletes stale ones).
    real = and_(Need.group_id == group, Need.practice.is_(False), Need.status != "draft")
    for status, category, count in db.session.execute(db.select(Need.status, Need.category, func.count()).where(
            real).group_by(Need.status, Need.category)).all():
        by.setdefault(status, {})[category] = count
    areas = db.session.execute(db.select(
        Need.public_label, func.count(), func.sum(func.cast(Need.status == "open", db.Integer))).where(
        real, Need.created_at >= now - timedelta(days=30)).group_by(Need.public_label)
        .order_by(func.count().desc()).limit(20)).all()
    # Durations and days are worked out by the database: reading every timestamp of a month of requests
    # into Python took seconds at a million requests.
    week_ago = now - timedelta(days=7)
    claim_rows = db.session.execute(db.select(
        _hours_between(Need.created_at, Claim.claimed_at),
        case((and_(Need.status == "fulfilled", Need.closed_at.is_not(None)), _hours_between(Need.created_at, Need.closed_at))),
        case((Claim.claimed_at >= week_ago, 1), else_=0)).join(Claim, Claim.need_id == Need.id).where(
        real, Claim.claimed_at >= now - timedelta(days=30))).all()
    to_claim, to_fulfil = {}, {}
    for days in (7, 30):
        rows = [row for row in claim_rows if days == 30 or row[2]]
        claims = [float(hours) for hours, _, _ in rows]
        fulfils = [float(hours) for _, hours, _ in rows if hours is not None]
        to_claim[days] = (_percentile(claims, 50), _percentile(claims, 90))
        to_fulfil[days] = (_percentile(fulfils, 50), _percentile(fulfils, 90))
    start = (now - timedelta(days=29)).date()
    day = _utc_day(Need.created_at)
    per_day_counts = dict(db.session.execute(db.select(day, func.count()).where(
        real, Need.created_at >= datetime.combine(start, datetime.min.time(), timezone.utc))
        .group_by(day)).all())
    days = [start + timedelta(days=i) for i in range(30)]
    per_day = [(d, per_day_counts.get(d.isoformat(), 0)) for d in days]
    return Figures(by, [(label or "", total, int(open_ or 0)) for label, total, open_ in areas], to_claim, to_fulfil,
                   per_day)


@dataclass(frozen=True)
class Gap:
    """An area where needs arrive that no volunteer can take, and why: where to recruit."""

    area: str
    reason: str
    needs: int


@dataclass(frozen=True)
class Coverage:
    """What the open needs lack, checked against today's volunteers (not the last matching pass).

    `gaps` are areas and reasons where nobody could take a need even if free; `unplaced` needs
    cannot be matched until their place is fixed; `uncovered_categories` are kinds of help among
    the open needs that no approved volunteer of the group does at all; `busy` needs have
    someone able to take them, but everyone who could is away or full.
    """

    open_needs: int
    gaps: list[Gap] = field(default_factory=list)
    unplaced: int = 0
    uncovered_categories: list[str] = field(default_factory=list)
    busy: int = 0

    @property
    def no_gaps(self) -> bool:
        """True only when every open need has a free volunteer who could take it."""
        return not (self.gaps or self.unplaced or self.uncovered_categories or self.busy)


RECRUIT_REASONS = (NOBODY_IN_RANGE, NOBODY_FOR_CATEGORY, NOBODY_WITH_LANGUAGE, NOBODY_WITH_CAR)


def coverage(coordinator: Person, *, now: datetime | None = None) -> Coverage:
    """Every open need of the group checked against the group's volunteers as they are now."""
    _require(coordinator)
    now = now or datetime.now(timezone.utc)
    rows = db.session.execute(db.select(
        Need.id, Need.public_lat, Need.public_lon, Need.category, Need.language, Need.urgency, Need.public_label)
        .where(Need.group_id == coordinator.group_id, Need.status == "open", Need.practice.is_(False))).all()
    if not rows:
        return Coverage(0)
    needs = NeedArrays.from_rows(NeedRow(id_, lat, lon, category, language or "en",
                                         urgency if urgency in MATCHER_URGENCIES else "soon", 0.0)
                                 for id_, lat, lon, category, language, urgency, _ in rows)
    volunteers = volunteer_rows(coordinator.group_id, now.date())
    vols = VolunteerArrays.from_rows(volunteers)
    reasons = explain(needs, vols, np.arange(len(needs)))
    busy = [i for i, id_ in enumerate(needs.ids.tolist()) if reasons[id_] == NOBODY_FREE]
    free = _anyone_free(needs, vols, np.array(busy, dtype=int))
    counts: dict[tuple[str, str], int] = {}
    for id_, *_, label in rows:
        if reasons[id_] in RECRUIT_REASONS:
            counts[(label or "", reasons[id_])] = counts.get((label or "", reasons[id_]), 0) + 1
    offered = {c for v in volunteers if v.vetted and not v.opted_out for c in v.categories}
    return Coverage(
        open_needs=len(rows),
        gaps=sorted((Gap(area, reason, n) for (area, reason), n in counts.items()),
                    key=lambda g: (-g.needs, g.area, g.reason)),
        unplaced=sum(1 for code in reasons.values() if code == LOCATION_UNKNOWN),
        uncovered_categories=sorted({category for _, _, _, category, *_ in rows} - offered),
        busy=len(busy) - int(free.sum()))


def _anyone_free(needs: NeedArrays, vols: VolunteerArrays, positions: np.ndarray) -> np.ndarray:
    """For each need at `positions`, whether a volunteer who passes every rule also has room today.

    The same rule-by-rule check as for the gaps, asked of the ready volunteers only: a need it
    cannot fault (reason "nobody_free" for lack of any other) has a free volunteer.
    """
    if positions.size == 0:
        return np.zeros(0, dtype=bool)
    reasons = explain(needs, vols.take(np.flatnonzero(vols.ready)), positions)
    return np.array([reasons[int(i)] == NOBODY_FREE for i in needs.ids[positions]], dtype=bool)


def coverage_gaps(coordinator: Person, *, now: datetime | None = None) -> list[Gap]:
    """Areas with open needs nobody could take even if free (out of range, kind of help, language, car)."""
    return coverage(coordinator, now=now).gaps


def map_points(coordinator: Person, *, now: datetime | None = None, limit: int = 5000) -> list[dict]:
    """Approximate points of open needs, oldest first, coloured by their wait for their urgency.

    Never exact points or names. `hours` and `pressing` let the map colour a cluster by its most
    pressing need.
    """
    _require(coordinator)
    now = now or datetime.now(timezone.utc)
    table = age_colours(coordinator.group)
    rows = db.session.execute(db.select(Need.ref, Need.public_lat, Need.public_lon, Need.category, Need.urgency,
                                        Need.created_at)
                              .where(Need.group_id == coordinator.group_id, Need.status == "open",
                                     Need.public_lat.is_not(None)).order_by(Need.created_at).limit(limit)).all()
    points = []
    for ref, lat, lon, category, urgency, created in rows:
        hours = (now - created).total_seconds() / 3600
        colour = wait_colour(hours, urgency, table)
        points.append({"ref": ref, "lat": lat, "lon": lon, "category": category, "urgency": urgency,
                       "hours": round(hours, 1), "colour": colour, "pressing": pressing(colour)})
    return points
