"""Matching in the app: rows from the database into the pure matcher, proposals and notifications out."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from flask import current_app, has_request_context, url_for
from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from mutualaid.core import audit
from mutualaid.domain.privacy import haversine_km, rounded_distance_km
from mutualaid.extensions import db
from mutualaid.matching import MatchResult, NeedRow, VolunteerArrays, VolunteerRow, candidates_for, match_all
from mutualaid.messaging.notifications import tell
from mutualaid.models import Claim, Group, Need, NeedNotification, Offer, Person, Proposal, VolunteerProfile
from mutualaid.needs.reads import public_view

SECOND_RING_RADIUS = 1.5   # the second ring reaches half as far again (never relaxing vetting)
SECOND_RING_SIZE = 5
OFFER_REACH_KM = 5.0


def need_row(need: Need, now: datetime) -> NeedRow:
    """The matcher's view of a need: its approximate point, kind, language, urgency and age."""
    return NeedRow(need.id, need.public_lat, need.public_lon, need.category, need.language or "en",
                   need.urgency, max((now - need.created_at).total_seconds() / 3600, 0.0))


def volunteer_rows(group_id: int, today, *, radius_factor: float = 1.0) -> list[VolunteerRow]:
    """Every volunteer of the group as the matcher sees them (vetting and opt-out included, never relaxed).

    Only the columns the matcher needs are read, as plain values: a group can have tens of thousands."""
    loads = dict(db.session.execute(db.select(Claim.volunteer_id, func.count(Claim.id)).where(
        Claim.status == "active").group_by(Claim.volunteer_id)).all())
    profile = VolunteerProfile
    rows = db.session.execute(db.select(
        Person.id, Person.opted_out, Person.erased_at, profile.home_lat, profile.home_lon, profile.radius_km,
        profile.categories, profile.languages, profile.capacity, profile.has_car, profile.vetting_status,
        profile.away_until).join(profile, profile.person_id == Person.id).where(Person.group_id == group_id)).all()
    return [VolunteerRow(
        person_id, lat, lon, radius_km * radius_factor, frozenset(categories or ()), frozenset(languages or ()),
        max(1, min(capacity, 10)), loads.get(person_id, 0), bool(has_car),
        # as VolunteerProfile.is_available
        available=vetting == "approved" and (away_until is None or away_until < today),
        vetted=vetting == "approved", opted_out=bool(opted_out or erased_at))
        for (person_id, opted_out, erased_at, lat, lon, radius_km, categories, languages, capacity, has_car, vetting,
             away_until) in rows]


_volunteer_cache: ContextVar[dict | None] = ContextVar("volunteer_cache", default=None)


@contextmanager
def volunteers_cached():
    """Within this block (one chase pass), each group's volunteers are loaded once, not once per need."""
    token = _volunteer_cache.set({})
    try:
        yield
    finally:
        _volunteer_cache.reset(token)


def _volunteers(group_id: int, today, radius_factor: float):
    """The group's volunteers as matcher arrays, from the pass's cache when there is one (each group's
    volunteers are read once; a wider radius is the same arrays with their reach stretched)."""
    cache = _volunteer_cache.get()
    key = (group_id, today, radius_factor)
    if cache is not None and key in cache:
        return cache[key]
    base = cache.get((group_id, today, 1.0)) if cache is not None else None
    if base is None:
        # Kept in id order, as the matcher wants them, so no candidate search has to sort them again.
        base = VolunteerArrays.from_rows(volunteer_rows(group_id, today)).sorted_by_id()
        if cache is not None:
            cache[(group_id, today, 1.0)] = base
    arrays = base if radius_factor == 1.0 else replace(base, radius_km=base.radius_km * radius_factor)
    if cache is not None:
        cache[key] = arrays
    return arrays


def candidates(need: Need, *, now: datetime | None = None, limit: int = 5, radius_factor: float = 1.0):
    """The best volunteers for one need, best first, or the reason there is none."""
    now = now or datetime.now(timezone.utc)
    return candidates_for(need_row(need, now), _volunteers(need.group_id, now.date(), radius_factor), limit=limit)


def explain_unmatched(need: Need, now: datetime | None = None) -> str | None:
    """Why nobody fits this need (None when someone does)."""
    return candidates(need, now=now, limit=1).reason


def notify_candidates(need: Need, *, ring: int, now: datetime) -> int:
    """Tell the best few not yet told about this need; nobody is told twice. Returns how many.

    Nobody is told about a practice need (from the SMS simulator): volunteers are real people.
    """
    if need.practice:
        return 0
    size = current_app.config["NOTIFY_FIRST_RING"] if ring == 1 else SECOND_RING_SIZE
    factor = 1.0 if ring == 1 else SECOND_RING_RADIUS
    already = set(db.session.execute(db.select(NeedNotification.volunteer_id).where(
        NeedNotification.need_id == need.id)).scalars())
    found = candidates(need, now=now, limit=3 * size + len(already), radius_factor=factor)
    need.match_reason = found.reason
    busy = _told_today(found.proposals, now)
    chosen = [p for p in found.proposals if p.volunteer_id not in already and p.volunteer_id not in busy][:size]
    people = {p.id: p for p in db.session.execute(db.select(Person).where(
        Person.id.in_([c.volunteer_id for c in chosen])).options(selectinload(Person.volunteer))).scalars()}
    told = 0
    for proposal in chosen:
        volunteer = people[proposal.volunteer_id]
        # The need's step is claimed by one scheduler only; the unique (need, volunteer) row is the
        # last line of defence (a violation fails this need's step, which is retried next run).
        db.session.add(NeedNotification(need_id=need.id, volunteer_id=volunteer.id, ring=ring,
                                        channel=volunteer.volunteer.channel, distance_km=proposal.distance_km,
                                        created_at=now))
        tell(volunteer, "notify_need", group=need.group, need=need, purpose="notify", urgent=need.urgency == "today",
             now=now, params=_notice_params(need, proposal.distance_km))
        told += 1
    need.notified_at = now
    return told


def _told_today(proposals, now: datetime) -> set[int]:
    """Volunteers already told about NOTIFY_MAX_PER_DAY needs in the last 24 hours: not told more."""
    ids = [p.volunteer_id for p in proposals]
    if not ids:
        return set()
    rows = db.session.execute(db.select(NeedNotification.volunteer_id, func.count()).where(
        NeedNotification.volunteer_id.in_(ids), NeedNotification.created_at >= now - timedelta(days=1))
        .group_by(NeedNotification.volunteer_id)).all()
    cap = current_app.config["NOTIFY_MAX_PER_DAY"]
    return {volunteer_id for volunteer_id, count in rows if count >= cap}


def _notice_params(need: Need, distance_km: float) -> dict:
    """What a notification may say: kind, rough distance, area label, reference (never who or where exactly)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for("volunteer.need", ref=need.ref) if _has_request() else f"/volunteer/needs/{need.ref}"
    return {"ref": need.ref, "category": need.category, "km": rounded_distance_km(distance_km),
            "place": need.public_label or need.group.name, "urgency": need.urgency,
            "details": need_details_public(need), "group": need.group.name,
            "url": f"{base.rstrip('/')}{path}" if base else path}


def _has_request() -> bool:
    """Whether url_for can build a path (inside a request)."""
    return has_request_context()


def need_details_public(need: Need) -> str:
    """The details as a non-claiming volunteer may read them."""
    return public_view(need)["details"]


def run_matching_pass(group_id: int, now: datetime) -> MatchResult:
    """Match all the group's open needs at once (practice ones are left out); store the proposals and the
    reasons nobody fits."""
    needs = list(db.session.execute(db.select(Need).where(Need.group_id == group_id, Need.status == "open",
                                                          Need.practice.is_(False))).scalars())
    result = match_all([need_row(n, now) for n in needs], volunteer_rows(group_id, now.date()))
    ids = [n.id for n in needs]
    db.session.execute(delete(Proposal).where(Proposal.need_id.in_(ids)))
    for need in needs:
        proposal = result.assignments.get(need.id)
        need.match_reason = None if proposal else result.unmatched.get(need.id)
        if proposal:
            db.session.add(Proposal(need_id=need.id, volunteer_id=proposal.volunteer_id, rank=0,
                                    score=proposal.cost, distance_km=rounded_distance_km(proposal.distance_km),
                                    reasons=[list(r) for r in proposal.reasons], created_at=now))
    _propose_offers(needs, now)
    db.session.commit()
    return result


def _propose_offers(needs: list[Need], now: datetime) -> None:
    """Open offers of the right kind near a need are proposed (to coordinators, or both sides if the group allows)."""
    if not needs:
        return
    offers = list(db.session.execute(db.select(Offer).where(
        Offer.group_id == needs[0].group_id, Offer.status == "open", Offer.public_lat.is_not(None),
        Offer.practice.is_(False))).scalars())
    direct = bool((needs[0].group.settings or {}).get("offers_direct"))
    for need in needs:
        if need.public_lat is None:
            continue
        near = sorted(((haversine_km(need.public_lat, need.public_lon, o.public_lat, o.public_lon), o)
                       for o in offers if o.category == need.category), key=lambda pair: (pair[0], pair[1].id))
        for rank, (km, offer) in enumerate([p for p in near if p[0] <= OFFER_REACH_KM][:3]):
            db.session.add(Proposal(need_id=need.id, offer_id=offer.id, rank=rank, score=km,
                                    distance_km=rounded_distance_km(km), reasons=[["distance_km", rounded_distance_km(km)],
                                                                                   ["offer", offer.ref]], created_at=now))
            if direct and rank == 0:
                _tell_offer_match(need, offer, km, now)


def _tell_offer_match(need: Need, offer: Offer, km: float, now: datetime) -> None:
    """Tell the offerer, once, that a neighbour nearby needs what they offer."""
    try:
        with db.session.begin_nested():
            db.session.add(NeedNotification(need_id=need.id, volunteer_id=offer.person_id, ring=0,
                                            channel="offer", distance_km=km, created_at=now))
    except IntegrityError:
        return
    tell(offer.person, "offer_match", group=need.group, need=need, purpose="notify", now=now,
         params={"ref": need.ref, "offer": offer.ref, "category": need.category, "km": rounded_distance_km(km)})
    audit.record("offer.proposed", offer, now=now, need_id=need.id)


def matching_pass_all(now: datetime) -> int:
    """The periodic matching pass, group by group; returns how many needs got a proposal."""
    return sum(run_matching_pass(group_id, now).matched
               for group_id in db.session.execute(db.select(Group.id)).scalars())


def suggestions(need: Need, *, now: datetime | None = None, limit: int = 5) -> list[tuple[Person, object]]:
    """Ranked volunteers for a coordinator's "assign" screen, each with the matcher's reasons."""
    found = candidates(need, now=now, limit=limit)
    return [(db.session.get(Person, p.volunteer_id), p) for p in found.proposals]


