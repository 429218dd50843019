"""What coordinators do to a need or the group: assign, edit, merge duplicates, refer, note, pause intake, texting limits."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from difflib import SequenceMatcher

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from mutualaid.claims.actions import claim_need
from mutualaid.coordination import dashboard, public_figures
from mutualaid.coordination.volunteers import volunteers_for_coordinator
from mutualaid.core import audit
from mutualaid.core.caching import store_snapshot
from mutualaid.core.errors import NotFound, ServiceError
from mutualaid.core.permissions import require_coordinator
from mutualaid.domain.categories import URGENCIES
from mutualaid.domain.text import clean_text, is_blank
from mutualaid.domain.transitions import IllegalTransition, allowed
from mutualaid.extensions import db
from mutualaid.groups.places import choose_group, locate
from mutualaid.labels import STATUS_LABELS
from mutualaid.messaging.destinations import MAX_DAILY_CAP, parse_regions
from mutualaid.messaging.notifications import tell
from mutualaid.models import Claim, Group, Need, NeedMessage, NeedNote, NeedNotification, Person
from mutualaid.needs import lifecycle
from mutualaid.needs.intake import clean_common, clean_note, refresh_public_details
from mutualaid.needs.reads import get_by_ref, public_details

DUPLICATE_WINDOW = timedelta(hours=72)
MERGE_KEEPS = ("open", "claimed")  # a duplicate goes only into a request still being met, never a closed one
DUPLICATE_SIMILARITY = 0.6


def _own_need(coordinator: Person, ref: str) -> Need:
    """A need of the coordinator's group."""
    need = get_by_ref(Need, ref)
    require_coordinator(coordinator, need.group_id)
    return need


def assign_need(coordinator: Person, ref: str, volunteer_id: int, *, now: datetime | None = None) -> Claim:
    """Give a need to a volunteer (the same claim service; the volunteer is told)."""
    now = now or datetime.now(timezone.utc)
    need = _own_need(coordinator, ref)
    volunteer = db.session.get(Person, volunteer_id)
    if volunteer is None or volunteer.group_id != coordinator.group_id or volunteer.volunteer is None:
        raise NotFound()
    claim, _created = claim_need(volunteer, need.ref, via="coordinator", now=now, commit=False)
    audit.record("need.assigned", need, actor=coordinator, now=now, volunteer_id=volunteer.id)
    tell(volunteer, "assigned_to_you", group=need.group, need=need, params={"ref": need.ref}, now=now,
         urgent=need.urgency == "today")
    db.session.commit()
    return claim


def is_risky(current: str, target: str) -> bool:
    """Changes that close a need or take it from its volunteer are confirmed first."""
    return target in ("fulfilled", "cancelled", "expired") or (current == "claimed" and target == "open")


def change_status(coordinator: Person, ref: str, target: str, *, reason: str = "", volunteer_id: int | None = None,
                  group_slug: str | None = None, confirmed: bool = False, now: datetime | None = None) -> Need:
    """A coordinator moves a need through the one lifecycle; nothing leaves the unmet list without a
    claimer or a destination, and risky changes need `confirmed`."""
    now = now or datetime.now(timezone.utc)
    need = _own_need(coordinator, ref)
    if target == "claimed":
        if not volunteer_id:
            raise ServiceError(_l("Please choose the volunteer who is helping."), field="volunteer")
        return assign_need(coordinator, ref, volunteer_id, now=now).need
    if target == "referred":
        if not group_slug:
            raise ServiceError(_l("Please choose the group it goes to."), field="group")
        refer(coordinator, ref, group_slug, now=now)
        return need
    if not allowed("need", need.status, target) or target not in STATUS_CHANGES:
        raise ServiceError(_l("A request that is %(current)s cannot become %(target)s.",
                              current=STATUS_LABELS.get(need.status, need.status),
                              target=STATUS_LABELS.get(target, target)), code="illegal_transition")
    if is_risky(need.status, target) and not confirmed:
        raise ServiceError(_l("Please tick \u201cI am sure\u201d to confirm this change."), field="confirm",
                           code="unconfirmed")
    STATUS_CHANGES[target](need, actor=coordinator, now=now, via="coordinator", has_reason=bool(reason.strip()))
    db.session.commit()
    return need


def _open(need: Need, **kwargs) -> Need:
    """A draft is opened; anything else is reopened (a claimed need is taken back from its volunteer)."""
    return lifecycle.open_draft(need, **kwargs) if need.status == "draft" else lifecycle.reopen(need, **kwargs)


STATUS_CHANGES = {
    "open": _open,
    "fulfilled": lifecycle.fulfil,
    "cancelled": lambda need, **kwargs: lifecycle.cancel(need, by_requester=False, **kwargs),
    "expired": lifecycle.expire,
}


def fix_location(actor: Person, ref: str, where: str, *, now: datetime | None = None) -> Need:
    """A coordinator corrects where a need is; the new place is geocoded again."""
    now = now or datetime.now(timezone.utc)
    need = _own_need(actor, ref)
    where = clean_text(where)
    if not where:
        raise ServiceError(_l("Please give an address or postcode."), field="where")
    group, placement = choose_group(locate(where), [need.group])
    need.address_text = where
    placement.apply_to(need)
    audit.record("need.location_fixed", need, actor=actor, now=now, location_status=need.location_status)
    db.session.commit()
    return need


@dataclass
class NeedEdit:
    """What a coordinator may change about a need."""

    category: str
    details: str
    urgency: str
    public_details: str | None = None  # what volunteers see; None keeps it in step with the details


def edit_need(coordinator: Person, ref: str, edit: NeedEdit, *, now: datetime | None = None) -> Need:
    """Correct a need's kind, details or urgency (which fields changed is audited, not their text)."""
    now = now or datetime.now(timezone.utc)
    need = _own_need(coordinator, ref)
    if edit.urgency not in URGENCIES:
        raise ServiceError(_l("Please choose how soon."), field="urgency")
    category, details, _where = clean_common(edit.category, edit.details, "")
    changed = [name for name, value in (("category", edit.category), ("details", details), ("urgency", edit.urgency))
               if getattr(need, name) != value]
    need.category, need.details, need.urgency, need.updated_at = category, details, edit.urgency, now
    public = clean_text(edit.public_details or "", multiline=True) if edit.public_details is not None else None
    if public is not None and public != (need.public_details or ""):
        if len(public) > current_app.config["MAX_DETAILS_LENGTH"]:
            raise ServiceError(_l("Please keep this to %(limit)d characters (it has %(count)d).",
                                  limit=current_app.config["MAX_DETAILS_LENGTH"], count=len(public)),
                               field="public_details")
        need.public_details = public  # the coordinator's wording, as they wrote it
        changed.append("public_details")
    elif "details" in changed:
        refresh_public_details(need)  # follows the details: not a change of its own
    audit.record("need.edited", need, actor=coordinator, now=now, fields=changed)
    db.session.commit()
    return need


def duplicate_suggestions(coordinator: Person, ref: str) -> list[Need]:
    """Other unmet needs of the same person and kind, close in time, with similar words: likely duplicates."""
    need = _own_need(coordinator, ref)
    if need.requester_id is None or need.status not in MERGE_KEEPS:
        return []
    others = db.session.execute(db.select(Need).where(
        Need.group_id == need.group_id, Need.requester_id == need.requester_id, Need.id != need.id,
        Need.status.in_(("draft", "open")), Need.category == need.category,
        Need.created_at.between(need.created_at - DUPLICATE_WINDOW, need.created_at + DUPLICATE_WINDOW))).scalars()
    return [o for o in others
            if SequenceMatcher(None, o.details.lower(), need.details.lower()).ratio() >= DUPLICATE_SIMILARITY]


def merge_duplicate(coordinator: Person, keep_ref: str, duplicate_ref: str, *, now: datetime | None = None) -> Need:
    """Cancel the duplicate into the kept need (its text is appended; nothing typed is lost)."""
    now = now or datetime.now(timezone.utc)
    keep, duplicate = _own_need(coordinator, keep_ref), _own_need(coordinator, duplicate_ref)
    if keep.id == duplicate.id:
        raise ServiceError(_l("A request cannot be merged into itself."))
    if keep.status not in MERGE_KEEPS:
        raise ServiceError(_l("Only unmet requests can be merged."), code="illegal_transition")
    try:
        lifecycle.cancel(duplicate, actor=coordinator, now=now, via="merge", by_requester=False)
    except IllegalTransition as exc:
        raise ServiceError(_l("Only unmet requests can be merged."), code="illegal_transition") from exc
    if duplicate.details.strip() and duplicate.details.strip() not in keep.details:
        keep.details = f"{keep.details}\n---\n{duplicate.details}"  # both texts kept whole
        keep.public_details = f"{public_details(keep)}\n---\n{public_details(duplicate)}"
    db.session.add(NeedNote(need_id=duplicate.id, author_id=coordinator.id, body=f"Merged into {keep.ref}.",
                            created_at=now))
    audit.record("need.merged", duplicate, actor=coordinator, now=now, into=keep.id)
    audit.record("need.merged_in", keep, actor=coordinator, now=now, duplicate=duplicate.id)
    db.session.commit()
    return keep


def refer(coordinator: Person, ref: str, group_slug: str, *, now: datetime | None = None) -> Need:
    """Refer a need to another group; it opens in their lists and ours shows where it went."""
    now = now or datetime.now(timezone.utc)
    need = _own_need(coordinator, ref)
    target = db.session.execute(db.select(Group).where(Group.slug == group_slug)).scalar_one_or_none()
    if target is None or target.id == need.group_id:
        raise ServiceError(_l("Please choose the group it goes to."), field="group")
    try:
        copy = lifecycle.refer(need, target, actor=coordinator, now=now)
    except IllegalTransition as exc:
        raise ServiceError(_l("Only open requests can be referred."), code="illegal_transition") from exc
    tell(need.requester, "referred", group=need.group, need=need, params={"ref": copy.ref, "other": target.name},
         now=now)
    db.session.commit()
    return copy


def add_note(coordinator: Person, ref: str, body: str, *, now: datetime | None = None) -> NeedNote:
    """An internal note for the other coordinators."""
    now = now or datetime.now(timezone.utc)
    need = _own_need(coordinator, ref)
    body = clean_note(body, field="body", limit=2000)
    if is_blank(body):
        raise ServiceError(_l("Please write the note."), field="body")
    note = NeedNote(need_id=need.id, author_id=coordinator.id, body=body, created_at=now)
    db.session.add(note)
    audit.record("need.noted", need, actor=coordinator, now=now)
    db.session.commit()
    return note


def mark_passed_on(coordinator: Person, ref: str, message_id: int, *, now: datetime | None = None) -> NeedMessage:
    """A coordinator passed a waiting message on by hand (a call, a visit): it stops waiting.

    Marking it twice (a double click) changes nothing more."""
    now = now or datetime.now(timezone.utc)
    need = _own_need(coordinator, ref)
    entry = db.session.execute(db.select(NeedMessage).where(
        NeedMessage.id == message_id, NeedMessage.need_id == need.id)).scalar_one_or_none()
    if entry is None:
        raise NotFound(_l("No such message on this request."))
    if entry.passed_on == "none":
        entry.passed_on = "hand"
        audit.record("need.message_passed_on", need, actor=coordinator, now=now,
                     direction="to_volunteer" if entry.author_role == "requester" else "to_requester")
        db.session.commit()
    return entry


def notes(coordinator: Person, ref: str) -> list[NeedNote]:
    """The need's internal notes, oldest first."""
    need = _own_need(coordinator, ref)
    return list(db.session.execute(db.select(NeedNote).where(NeedNote.need_id == need.id).order_by(NeedNote.id)).scalars())


def other_groups(coordinator: Person) -> list[Group]:
    """Groups a need can be referred to."""
    return list(db.session.execute(db.select(Group).where(Group.id != coordinator.group_id).order_by(Group.name)).scalars())


# --- the group -----------------------------------------------------------------------------

def set_intake_pause(coordinator: Person, *, paused: bool, until: date | None = None, message: str = "",
                     now: datetime | None = None) -> Group:
    """Pause (or resume) new requests by web and text, with a kind message and resources."""
    require_coordinator(coordinator)
    now = now or datetime.now(timezone.utc)
    group = coordinator.group
    settings = dict(group.settings or {})
    if paused:
        if until is not None and until < now.date():
            raise ServiceError(_l("That date has already passed."), field="until")
        settings["intake_paused"] = {"until": until.isoformat() if until else None,
                                     "message": clean_note(message, field="message", limit=500)}
    else:
        settings.pop("intake_paused", None)
    group.settings = settings
    audit.record("group.intake_paused" if paused else "group.intake_resumed", group, actor=coordinator, now=now)
    db.session.commit()
    return group


def set_texting_limits(coordinator: Person, *, countries: str, daily_cap: int, now: datetime | None = None) -> Group:
    """Choose the countries the group texts (ISO codes; none: its own) and its daily limit in segments."""
    require_coordinator(coordinator)
    now = now or datetime.now(timezone.utc)
    try:
        codes = parse_regions(countries or "")
    except ValueError as exc:
        raise ServiceError(_l("These are not country codes we know: %(codes)s. Use two letters, such as GB or ES.",
                              codes=str(exc)), field="countries")
    if not 0 <= daily_cap <= MAX_DAILY_CAP:
        raise ServiceError(_l("Please give a whole number from 0 to %(high)d.", high=MAX_DAILY_CAP), field="daily_cap")
    group = coordinator.group
    group.settings = {**(group.settings or {}), "sms_countries": codes, "sms_daily_cap": daily_cap}
    audit.record("group.texting_limits_set", group, actor=coordinator, now=now, countries=",".join(codes),
                 daily_cap=daily_cap)
    db.session.commit()
    return group


@dataclass
class VolunteerRow:
    """A volunteer on the coordinator's list: workload and last activity."""

    person: Person
    active: int
    completed: int
    notified: int
    last_activity: datetime | None

    @property
    def never_matched(self) -> bool:
        """Never told about a need and never took one: someone to welcome in."""
        return self.notified == 0 and self.active == 0 and self.completed == 0


def volunteer_overview(coordinator: Person, *, status: str | None = None, idle_only: bool = False) -> list[VolunteerRow]:
    """The group's volunteers with workload and last activity; idle ones first when asked."""
    people = volunteers_for_coordinator(coordinator, status=status)
    ids = [p.id for p in people]
    active = dict(db.session.execute(db.select(Claim.volunteer_id, func.count()).where(
        Claim.volunteer_id.in_(ids), Claim.status == "active").group_by(Claim.volunteer_id)).all())
    completed = dict(db.session.execute(db.select(Claim.volunteer_id, func.count()).where(
        Claim.volunteer_id.in_(ids), Claim.status == "completed").group_by(Claim.volunteer_id)).all())
    notified = dict(db.session.execute(db.select(NeedNotification.volunteer_id, func.count()).where(
        NeedNotification.volunteer_id.in_(ids)).group_by(NeedNotification.volunteer_id)).all())
    last_claim = dict(db.session.execute(db.select(Claim.volunteer_id, func.max(Claim.claimed_at)).where(
        Claim.volunteer_id.in_(ids)).group_by(Claim.volunteer_id)).all())
    rows = [VolunteerRow(p, active.get(p.id, 0), completed.get(p.id, 0), notified.get(p.id, 0),
                         max(filter(None, (last_claim.get(p.id), p.last_seen_at)), default=None)) for p in people]
    if idle_only:
        rows = [r for r in rows if r.never_matched or r.active == 0]
    return rows


def set_on_call(coordinator: Person, on_call: bool) -> Person:
    """A coordinator says whether the chase should text them about unmet needs."""
    coordinator.on_call = on_call
    audit.record("coordinator.on_call" if on_call else "coordinator.off_call", coordinator, actor=coordinator)
    db.session.commit()
    return coordinator


def refresh_figures(now: datetime) -> int:
    """Count every group's public and coordinators' figures afresh and keep them for the pages (the
    scheduler's job; each group in its own transaction); returns how many groups."""
    groups = list(db.session.execute(db.select(Group).order_by(Group.id)).scalars())
    for group in groups:
        store_snapshot(public_figures.figures_key(group.id), public_figures.count_figures(group, now), now)
        store_snapshot(dashboard.figures_key(group.id), dashboard.count_figures(group.id, now), now)
        db.session.commit()
    return len(groups)
