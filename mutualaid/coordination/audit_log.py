"""Reading the audit trail for a group's coordinators: who did what to which record, newest first."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import false, func, or_
from sqlalchemy.orm import selectinload

from mutualaid.core.permissions import require_coordinator
from mutualaid.domain.refs import normalise_ref
from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Group, Need, Offer, Person

PAGE_SIZE = 50
ACTION_PREFIXES = ("need.", "offer.", "volunteer.", "person.", "export.", "messages.", "coordinator.", "group.",
                   "practice.")
# People with an account act under their own name; a neighbour who only asked for help is not
# named here, because their name belongs to the (audited) private view of their request.
NAMED_ROLES = ("volunteer", "coordinator")
# Details that hold a record's id, shown as that record's reference or name (key shown, kind of record).
ID_DETAILS = {"volunteer_id": ("volunteer", "person"), "need_id": ("need", "need"), "new_need": ("new_need", "need"),
              "into": ("into", "need"), "duplicate": ("duplicate", "need"), "to_group": ("to_group", "group"),
              "from_group": ("from_group", "group")}
HIDDEN_DETAILS = ("claim_id",)  # internal ids that say nothing to a reader
# Events once recorded about `current_user` itself were stored under the proxy's class name; the
# subject was always the signed-in person.
OLD_SUBJECT_TYPES = {"localproxy": "person"}


@dataclass(frozen=True)
class AuditFilters:
    """What to narrow the log to; empty means everything."""

    action: str = ""
    actor: str = ""
    ref: str = ""

    @classmethod
    def from_args(cls, args) -> "AuditFilters":
        """Read filters as typed in the page's form; an unknown action prefix is ignored."""
        action = (args.get("action") or "").strip()
        return cls(action=action if action in ACTION_PREFIXES else "",
                   actor=(args.get("actor") or "").strip()[:254], ref=(args.get("ref") or "").strip()[:20])

    def as_args(self) -> dict:
        """The filters as query-string arguments (for the page links)."""
        return {k: v for k, v in (("action", self.action), ("actor", self.actor), ("ref", self.ref)) if v}


@dataclass(frozen=True)
class AuditRow:
    """One event as the page shows it; `actor_name`/`subject_label` are empty when not shown."""

    created_at: datetime
    action: str
    actor_kind: str  # "named" | "neighbour" | "system"
    actor_name: str
    subject_type: str
    subject_label: str
    details: dict
    facts: tuple = ()  # (key, value) pairs for labels.detail_text: ids already turned into references or names


@dataclass(frozen=True)
class AuditPage:
    """One page of the log and where it sits among the others."""

    rows: list[AuditRow]
    page: int
    pages: int
    total: int
    filters: AuditFilters = field(default_factory=AuditFilters)


def _ref_condition(group_id: int, ref: str):
    """Events about the need (or offer) with this reference in the group; False if there is none."""
    ref = normalise_ref(ref)
    conditions = []
    for model in (Need, Offer):
        found = db.session.execute(db.select(model.id).where(model.ref == ref, model.group_id == group_id)
                                   ).scalar_one_or_none() if ref else None
        if found is not None:
            conditions.append((AuditEvent.subject_type == model.__name__.lower()) & (AuditEvent.subject_id == found))
    return or_(*conditions) if conditions else false()


def _query(coordinator: Person, filters: AuditFilters):
    """The filtered events of the coordinator's group (no order, no paging).

    Events about the group itself count too: `audit.record` takes `group_id` from the subject,
    and a Group has none, so those events may carry no group_id.
    """
    query = db.select(AuditEvent).where(or_(
        AuditEvent.group_id == coordinator.group_id,
        (AuditEvent.subject_type == "group") & (AuditEvent.subject_id == coordinator.group_id)))
    if filters.action:
        query = query.where(AuditEvent.action.startswith(filters.action, autoescape=True))
    if filters.actor:
        query = query.where(AuditEvent.actor_id.in_(
            db.select(Person.id).where(Person.email.icontains(filters.actor, autoescape=True))))
    if filters.ref:
        query = query.where(_ref_condition(coordinator.group_id, filters.ref))
    return query


def _labels(events: list[AuditEvent]) -> dict[tuple[str, int], str]:
    """What to call each event's subject: a reference, a volunteer's name, the group's name."""
    ids: dict[str, set[int]] = {}
    for e in events:
        if e.subject_id is not None:
            ids.setdefault(_subject_type(e), set()).add(e.subject_id)
        for key, (_, kind) in ID_DETAILS.items():
            if isinstance((e.details or {}).get(key), int):
                ids.setdefault(kind, set()).add(e.details[key])
    labels: dict[tuple[str, int], str] = {}
    for kind, model in (("need", Need), ("offer", Offer)):
        if ids.get(kind):
            for id_, ref in db.session.execute(db.select(model.id, model.ref).where(model.id.in_(ids[kind]))):
                labels[(kind, id_)] = ref
    if ids.get("person"):
        for id_, name, role in db.session.execute(
                db.select(Person.id, Person.name, Person.role).where(Person.id.in_(ids["person"]))):
            labels[("person", id_)] = name if role in NAMED_ROLES else ""
    if ids.get("group"):
        for id_, name in db.session.execute(db.select(Group.id, Group.name).where(Group.id.in_(ids["group"]))):
            labels[("group", id_)] = name
    return labels


def _row(event: AuditEvent, labels: dict) -> AuditRow:
    """An event with its actor and subject named as the page may name them."""
    actor = event.actor
    if actor is None:
        kind, name = "system", ""
    elif actor.role in NAMED_ROLES:
        kind, name = "named", actor.name or actor.email or ""
    else:
        kind, name = "neighbour", ""
    details, subject_type = dict(event.details or {}), _subject_type(event)
    return AuditRow(event.created_at, event.action, kind, name, subject_type,
                    labels.get((subject_type, event.subject_id), ""), details, _facts(details, labels))


def _subject_type(event: AuditEvent) -> str:
    """What kind of record the event is about (older events about the signed-in person included)."""
    return OLD_SUBJECT_TYPES.get(event.subject_type, event.subject_type)


def _facts(details: dict, labels: dict) -> tuple:
    """An event's details as facts to put in words: the status change first, ids as references or names.

    An id whose record is gone, or a person who may not be named here, is left out rather than shown as a number.
    """
    facts = []
    if "previous" in details or "status" in details:
        facts.append(("change", (details.get("previous"), details.get("status"))))
    for key, value in sorted(details.items()):
        if key in ("previous", "status") or key in HIDDEN_DETAILS or value is None:
            continue
        if key in ID_DETAILS:
            shown, kind = ID_DETAILS[key]
            label = labels.get((kind, value)) if isinstance(value, int) else None
            if label:
                facts.append((shown, label))
            continue
        facts.append((key, value))
    return tuple(facts)


def audit_page(coordinator: Person, filters: AuditFilters | None = None, page: int = 1) -> AuditPage:
    """One page (PAGE_SIZE events, newest first) of the coordinator's group's audit log."""
    require_coordinator(coordinator)
    filters = filters or AuditFilters()
    query = _query(coordinator, filters)
    total = db.session.execute(db.select(func.count()).select_from(query.subquery())).scalar_one()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(page, 1), pages)
    events = db.session.execute(
        query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        .options(selectinload(AuditEvent.actor))
    ).scalars().all()
    labels = _labels(events)
    return AuditPage([_row(e, labels) for e in events], page, pages, total, filters)
