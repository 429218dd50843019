"""The chase pass as it was before batching: one need at a time, kept here only to compare against.

bench/chase_backlog.py and tests/chase/test_chase_batched.py run it on the same data as the
batched pass and check both queue the same messages, notifications, audit events and timings.
`unsorted_volunteer_cache()` also restores the old volunteer cache, which kept the arrays in
load order (so every candidate search sorted them again).
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from mutualaid.chase import actions
from mutualaid.chase.ladder import (
    ALERT_COORDINATORS,
    EXPIRE,
    LAST_MESSAGE,
    NOTIFY_FIRST_RING,
    NOTIFY_SECOND_RING,
    STEP_NAMES,
    UPDATE_REQUESTER,
    collapse_missed,
    due_at,
    steps_due,
)
from mutualaid.chase.schedule import ladder_of
from mutualaid.core import audit
from mutualaid.extensions import db
from mutualaid.groups.places import neighbouring_group
from mutualaid.matching import VolunteerArrays
from mutualaid.matching import actions as matching
from mutualaid.matching.actions import explain_unmatched, notify_candidates
from mutualaid.messaging.notifications import tell
from mutualaid.models import Need, NeedNotification, Person
from mutualaid.needs import lifecycle
from mutualaid.sms.feedback import expect_reply

BATCH = 200
COMMIT_EVERY = 25
RUN_BUDGET_SECONDS = 50


@contextmanager
def unsorted_volunteer_cache():
    """The volunteer cache as it was: arrays in load order, sorted again by every candidate search."""
    def old(group_id, today, radius_factor):
        cache = matching._volunteer_cache.get()
        key = (group_id, today, radius_factor)
        if cache is not None and key in cache:
            return cache[key]
        arrays = VolunteerArrays.from_rows(matching.volunteer_rows(group_id, today, radius_factor=radius_factor))
        if cache is not None:
            cache[key] = arrays
        return arrays

    saved = matching._volunteers
    matching._volunteers = old
    try:
        yield
    finally:
        matching._volunteers = saved


def chase_open_needs(now: datetime) -> int:
    """Take every due ladder step of every open need, one need at a time."""
    done, started = 0, time.monotonic()
    with matching.volunteers_cached():
        while time.monotonic() - started < RUN_BUDGET_SECONDS:
            batch = _chase_batch(now)
            done += batch
            if batch == 0:
                break
    return done


def _chase_batch(now: datetime) -> int:
    """One batch of due needs, each in its own savepoint."""
    ids = actions._due_ids(db.select(Need.id).where(Need.status == "open", Need.next_chase_at.is_not(None),
                                                    Need.next_chase_at <= now).order_by(Need.next_chase_at), now)
    done = 0
    every = COMMIT_EVERY if db.engine.dialect.name == "postgresql" else 1
    for position, need_id in enumerate(ids, start=1):
        with db.session.begin_nested():
            done += _chase_one(db.session.get(Need, need_id), now)
        if position % every == 0:
            db.session.commit()
    db.session.commit()
    return done


def _chase_one(need: Need, now: datetime) -> int:
    """Take the due steps of one need, claimed with a conditional UPDATE; 1 if it moved on."""
    ladder = ladder_of(need)
    level = need.escalation_level
    steps = collapse_missed(steps_due(need.opened_at or need.created_at, level, ladder, now))
    if not steps:
        need.next_chase_at = due_at(need.opened_at or need.created_at, level, ladder)
        return 0
    new_level = max(steps)
    nxt = due_at(need.opened_at or need.created_at, new_level, ladder)
    claimed = db.session.execute(
        update(Need).where(Need.id == need.id, Need.status == "open", Need.escalation_level == level)
        .values(escalation_level=new_level, next_chase_at=nxt).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return 0
    set_committed_value(need, "escalation_level", new_level)
    set_committed_value(need, "next_chase_at", nxt)
    for step in steps:
        STEP_ACTIONS[step](need, now)
        audit.record("need.chased", need, now=now, step=STEP_NAMES[step])
    return 1


def _notify_ring(ring: int):
    """A step that tells candidates of the given ring."""
    def act(need: Need, now: datetime) -> None:
        notify_candidates(need, ring=ring, now=now)
    return act


def _alert_coordinators(need: Need, now: datetime) -> None:
    """Top of the list, and the on-call coordinators (all coordinators if none is on call) are told why."""
    need.match_reason = explain_unmatched(need) or need.match_reason
    coordinators = list(db.session.execute(db.select(Person).where(
        Person.group_id == need.group_id, Person.role == "coordinator")).scalars())
    on_call = [c for c in coordinators if c.on_call] or coordinators
    hours = int((now - (need.opened_at or need.created_at)).total_seconds() // 3600)
    told = db.session.execute(db.select(NeedNotification.id).where(NeedNotification.need_id == need.id)
                              .limit(1)).first() is not None
    for coordinator in on_call:
        tell(coordinator, "coordinator_alert", group=need.group, need=need, purpose="chase",
             urgent=need.urgency == "today", prefer="email", now=now,
             params={"ref": need.ref, "category": need.category, "hours": hours,
                     "reason": need.match_reason or ("nobody_took_it" if told else "unknown")})


def _update_requester(need: Need, now: datetime) -> None:
    """Tell the requester honestly we are still looking, and offer a neighbouring group if there is one."""
    other = neighbouring_group(need)
    params = {"ref": need.ref, "other": other.name if other else ""}
    tell(need.requester, "still_looking_referral" if other else "still_looking", group=need.group, need=need,
         params=params, purpose="chase", now=now)


def _last_message(need: Need, now: datetime) -> None:
    """Say we will close it soon unless they tell us they still need it."""
    tell(need.requester, "closing_soon", group=need.group, need=need, params={"ref": need.ref},
         purpose="chase", now=now)
    expect_reply(need)


def _expire(need: Need, now: datetime) -> None:
    """Close a need nobody could take and whose requester did not answer."""
    lifecycle.expire(need, now=now)


STEP_ACTIONS = {NOTIFY_FIRST_RING: _notify_ring(1), NOTIFY_SECOND_RING: _notify_ring(2),
                ALERT_COORDINATORS: _alert_coordinators, UPDATE_REQUESTER: _update_requester,
                LAST_MESSAGE: _last_message, EXPIRE: _expire}
