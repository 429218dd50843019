"""CSV exports of a group's needs, offers and volunteers, for the group's own records.

They hold personal data, so only the group's coordinators get them, and every export is
an audit event (its kind and row count, never the data). Cells that a spreadsheet would
run as a formula are neutralised by `safe_cell`, whose rule is reversible (`restore_cell`).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy.orm import selectinload

from mutualaid.core import audit
from mutualaid.core.errors import NotFound
from mutualaid.core.permissions import require_coordinator
from mutualaid.extensions import db
from mutualaid.models import Claim, Group, Need, Offer, Person, VolunteerProfile

# Text starting with one of these is read as a formula (or a DDE call) by Excel, LibreOffice
# and Google Sheets (OWASP "CSV Injection"). The apostrophe is here so the rule can be undone:
# every text that starts with one of these gets exactly one apostrophe more.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
BOM = "\ufeff"

NEED_COLUMNS = (
    "ref", "status", "category", "urgency", "details", "language", "source", "created_at", "closed_at",
    "requester_name", "requester_phone", "requester_email", "address", "postcode", "location_status",
    "exact_lat", "exact_lon", "area_label", "helped_by", "escalation_level",
)
OFFER_COLUMNS = (
    "ref", "status", "kind", "category", "details", "quantity", "available_until", "source", "created_at",
    "offered_by_name", "offered_by_phone", "offered_by_email", "address", "postcode", "location_status",
    "exact_lat", "exact_lon", "area_label",
)
VOLUNTEER_COLUMNS = (
    "volunteer_id", "name", "phone", "email", "language", "vetting_status", "vetted_at", "home_area",
    "home_lat", "home_lon", "radius_km", "categories", "languages", "capacity", "has_car", "availability",
    "away_until", "channel", "sms_consent", "opted_out", "signed_up_at",
)


@dataclass(frozen=True)
class Export:
    """One export, ready to stream: a file name, stable English column names, plain-value rows."""

    filename: str
    columns: tuple[str, ...]
    rows: list[tuple]


def safe_cell(value) -> str | int | float:
    """A value as a CSV cell a spreadsheet will not run: risky text gets one leading apostrophe.

    Only text is touched. Numbers the app itself writes (coordinates such as -0.06, counts)
    stay numbers; a phone number is text, so "+447911123456" becomes "'+447911123456", which
    spreadsheets keep as text instead of turning it into 447911123456.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS + (QUOTE,)):
        return QUOTE + text
    return text


def restore_cell(text: str) -> str:
    """Undo `safe_cell` on a cell read back from an export (for re-importing the group's records)."""
    return text[1:] if text.startswith(QUOTE) else text


def csv_lines(export: Export) -> Iterator[str]:
    """The export as CSV text, a line at a time, starting with a byte-order mark for spreadsheets."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180: quoted where needed, CRLF line ends

    def line(values: Iterable) -> str:
        writer.writerow([safe_cell(v) for v in values])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield BOM + line(export.columns)
    for row in export.rows:
        yield line(row)


def _group_of(coordinator: Person) -> Group:
    """The coordinator's own group; nobody else may export anything."""
    require_coordinator(coordinator)
    group = db.session.get(Group, coordinator.group_id)
    if group is None:
        raise NotFound()
    return group


def _filename(group: Group, kind: str, now: datetime) -> str:
    """e.g. hackney-needs-2024-05-01.csv (only safe characters, whatever the slug holds)."""
    slug = "".join(c if c.isascii() and (c.isalnum() or c == "-") else "-" for c in group.slug.lower())
    return f"{slug or 'group'}-{kind}-{now.date().isoformat()}.csv"


def _audited(coordinator: Person, group: Group, kind: str, columns: tuple[str, ...], rows: list[tuple],
             now: datetime) -> Export:
    """Record the export (kind and row count only) and commit, then hand it over."""
    event = audit.record(f"export.{kind}", group, actor=coordinator, now=now, rows=len(rows))
    event.group_id = group.id  # a Group is its own group
    db.session.commit()
    return Export(_filename(group, kind, now), columns, rows)


def _helper_name(need: Need) -> str:
    """Who is helping or helped: the latest claim that is active or completed."""
    claims = [c for c in need.claims if c.status in ("active", "completed")]
    return claims[-1].volunteer.name if claims else ""


def export_needs(coordinator: Person, *, now: datetime | None = None) -> Export:
    """Every need of the coordinator's group (practice ones left out), oldest first, with the requester's contact
    details."""
    now = now or datetime.now(timezone.utc)
    group = _group_of(coordinator)
    needs = db.session.execute(
        db.select(Need).where(Need.group_id == group.id, Need.practice.is_(False)).order_by(Need.created_at, Need.id)
        .options(selectinload(Need.requester), selectinload(Need.claims).selectinload(Claim.volunteer))
    ).scalars().all()
    rows = []
    for n in needs:
        who = n.requester
        rows.append((
            n.ref, n.status, n.category, n.urgency, n.details, n.language, n.source, n.created_at, n.closed_at,
            who.name if who else "", who.phone if who else "", who.email if who else "", n.address_text,
            n.postcode, n.location_status, n.exact_lat, n.exact_lon, n.public_label, _helper_name(n),
            n.escalation_level,
        ))
    return _audited(coordinator, group, "needs", NEED_COLUMNS, rows, now)


def export_offers(coordinator: Person, *, now: datetime | None = None) -> Export:
    """Every offer of the coordinator's group (practice ones left out), oldest first, with the offerer's contact
    details."""
    now = now or datetime.now(timezone.utc)
    group = _group_of(coordinator)
    offers = db.session.execute(
        db.select(Offer).where(Offer.group_id == group.id, Offer.practice.is_(False)).order_by(Offer.created_at, Offer.id)
        .options(selectinload(Offer.person))
    ).scalars().all()
    rows = []
    for o in offers:
        who = o.person
        rows.append((
            o.ref, o.status, o.kind, o.category, o.details, o.quantity, o.available_until, o.source,
            o.created_at, who.name if who else "", who.phone if who else "", who.email if who else "",
            o.address_text, o.postcode, o.location_status, o.exact_lat, o.exact_lon, o.public_label,
        ))
    return _audited(coordinator, group, "offers", OFFER_COLUMNS, rows, now)


def export_volunteers(coordinator: Person, *, now: datetime | None = None) -> Export:
    """Every volunteer of the coordinator's group, in sign-up order, with contact details and home point."""
    now = now or datetime.now(timezone.utc)
    group = _group_of(coordinator)
    people = db.session.execute(
        db.select(Person).join(VolunteerProfile, VolunteerProfile.person_id == Person.id)
        .where(Person.group_id == group.id).order_by(VolunteerProfile.created_at, Person.id)
        .options(selectinload(Person.volunteer))
    ).scalars().all()
    rows = []
    for p in people:
        v = p.volunteer
        rows.append((
            p.id, p.name, p.phone, p.email, p.language, v.vetting_status, v.vetted_at, v.home_label,
            v.home_lat, v.home_lon, v.radius_km, ";".join(v.categories or ()), ";".join(v.languages or ()),
            v.capacity, v.has_car, v.availability, v.away_until, v.channel, p.sms_consent, p.opted_out,
            v.created_at,
        ))
    return _audited(coordinator, group, "volunteers", VOLUNTEER_COLUMNS, rows, now)


EXPORTS = {"needs": export_needs, "offers": export_offers, "volunteers": export_volunteers}
