"""The chase jobs: walk open needs up their ladder, remind and release stale claims, follow up, expire.

Each job finds due rows in the database and claims them with a conditional UPDATE (plus
FOR UPDATE SKIP LOCKED on PostgreSQL), acts, and commits: two schedulers never act twice, and a
crash half-way loses nothing and repeats nothing people can see. The chase of open needs works
in batches whose rows stay locked on PostgreSQL until the batch commits.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value

from mutualaid.chase.batch import BatchReads, claim_steps, load_needs, write_needs
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
from mutualaid.core import audit, bulk
from mutualaid.extensions import db
from mutualaid.matching.actions import _notice_params as notice_params
from mutualaid.matching.actions import explain_unmatched, volunteers_cached
from mutualaid.messaging.notifications import tell, tell_requester
from mutualaid.models import Claim, Need, NeedNotification, Offer
from mutualaid.needs import lifecycle
from mutualaid.sms.feedback import expect_feedback

log = logging.getLogger(__name__)
BATCH = 200
COMMIT_EVERY = 25
RUN_BUDGET_SECONDS = 50  # a run stops taking new batches after this; the next run carries on
_NOTIFICATION = NeedNotification.__table__


def _due_ids(query, now: datetime, *, hold: bool = False) -> list[int]:
    """Ids of due rows; on PostgreSQL rows another scheduler holds are skipped.

    With `hold`, the row locks are kept until the caller commits (the batch's own claim follows);
    otherwise they are released at once and a conditional UPDATE claims each row.
    """
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.execute(query.limit(BATCH)).scalars())
    if not hold:
        db.session.commit()
    return ids


def chase_open_needs(now: datetime) -> int:
    """Take every due ladder step of every open need, exactly once (volunteers loaded once per pass)."""
    done, started, failures = 0, time.monotonic(), []
    with volunteers_cached():
        while time.monotonic() - started < RUN_BUDGET_SECONDS:
            try:
                batch = _chase_batch(now)
            except ChaseErrors as errors:
                done, failures = done + errors.done, failures + errors.failures
                break  # the failed needs stay due: the next run tries them again
            done += batch
            if batch == 0:
                break
    if failures:
        raise ChaseErrors(done, failures)
    return done


def _chase_batch(now: datetime) -> int:
    """One batch of due needs, claimed, acted on and committed together; returns how many moved on.

    Its messages only sit in the outbox until the commit, so a crash before it sends nothing. If
    anything in the batch fails, the whole batch is rolled back and taken again need by need.
    """
    ids = _due_ids(db.select(Need.id).where(Need.status == "open", Need.next_chase_at.is_not(None),
                                            Need.next_chase_at <= now).order_by(Need.next_chase_at), now, hold=True)
    if not ids:
        db.session.commit()
        return 0
    try:
        # PostgreSQL: this transaction holds the rows' locks, so no other scheduler can move them.
        done = _chase_needs(load_needs(ids), now, locked=db.engine.dialect.name == "postgresql")
        db.session.commit()
        return done
    except Exception as exc:  # taken again one need at a time, so one bad need cannot stop the others
        db.session.rollback()
        log.warning("chase batch failed (%s); taking its needs one by one", type(exc).__name__)
    return _chase_one_by_one(ids, now)


def _chase_one_by_one(ids: list[int], now: datetime) -> int:
    """Each need's steps in its own savepoint: a failing need is skipped (and retried on the next run).

    SQLite cannot upgrade a stale read to a write while another writer holds the file, so there
    each need commits on its own (short transactions); PostgreSQL commits in groups.
    """
    done, failures = 0, []
    every = COMMIT_EVERY if db.engine.dialect.name == "postgresql" else 1
    for position, need_id in enumerate(ids, start=1):
        try:
            with db.session.begin_nested():
                done += _chase_needs(load_needs([need_id]), now)
        except OperationalError as exc:
            if every == 1 and "locked" in str(exc):
                db.session.rollback()  # SQLite: another scheduler holds the file; it is doing this work
                continue
            failures.append(f"need {need_id}: {type(exc).__name__}: {exc}")
            log.error("chase of need %s failed: %s", need_id, type(exc).__name__)
        except Exception as exc:  # one need's failure must not stop the chase for everyone else
            if every == 1:
                db.session.rollback()
            failures.append(f"need {need_id}: {type(exc).__name__}: {exc}")
            log.error("chase of need %s failed: %s", need_id, type(exc).__name__)
        if position % every == 0:
            db.session.commit()
    db.session.commit()
    if failures:
        raise ChaseErrors(done, failures)
    return done


class ChaseErrors(RuntimeError):
    """Some needs could not be chased this run (the others were); they are retried next run."""

    def __init__(self, done: int, failures: list[str]):
        super().__init__(f"{len(failures)} need(s) failed, {done} chased; first: {failures[0]}")
        self.done, self.failures = done, failures


def _chase_needs(needs: list[Need], now: datetime, *, locked: bool = False) -> int:
    """Take the due steps of these needs; how many moved on.

    Needs whose rows this transaction has locked are simply moved on (in the batch's one UPDATE of
    its needs, write_needs); otherwise one conditional UPDATE claims them first, and a need another
    scheduler moved a moment ago is left to it.
    """
    steps, moves = {}, {}
    with db.session.no_autoflush:
        for need in needs:
            ladder = ladder_of(need)
            level = need.escalation_level
            need_steps = collapse_missed(steps_due(need.opened_at or need.created_at, level, ladder, now))
            if not need_steps:
                # Woken early (its ladder changed): sleep until its next step is really due.
                need.next_chase_at = due_at(need.opened_at or need.created_at, level, ladder)
                continue
            new_level = max(need_steps)
            moves[need.id] = (level, new_level, due_at(need.opened_at or need.created_at, new_level, ladder))
            steps[need] = need_steps
    claimed = set(moves) if locked else claim_steps(moves)
    steps = {need: need_steps for need, need_steps in steps.items() if need.id in claimed}
    # The batch's messages, notices and audit events are kept as rows and written together at the end.
    with db.session.no_autoflush, bulk.collected():
        reads = BatchReads(steps, now)
        for need, need_steps in steps.items():
            _, new_level, nxt = moves[need.id]
            # Written with the batch's needs (write_needs), as claim_steps already did when not locked.
            set_committed_value(need, "escalation_level", new_level)
            set_committed_value(need, "next_chase_at", nxt)
            for step in need_steps:
                STEP_ACTIONS[step](need, now, reads)
                audit.record("need.chased", need, now=now, step=STEP_NAMES[step])
        reads.write()
        write_needs(list(steps))
    return len(steps)


def _notify_ring(need: Need, now: datetime, reads: BatchReads) -> None:
    """Tell the volunteers chosen for this need's ring; nobody is told twice (practice needs: nobody)."""
    if need.practice:
        return
    need.match_reason = reads.found[need.id].reason
    for proposal in reads.chosen[need.id]:
        volunteer = reads.people[proposal.volunteer_id]
        # The need's step is claimed by one scheduler only; the unique (need, volunteer) row is the
        # last line of defence (a violation fails the batch, which is then taken need by need).
        bulk.pending().add(_NOTIFICATION, {"need_id": need.id, "volunteer_id": volunteer.id, "ring": reads.ring(need),
                                           "channel": volunteer.volunteer.channel,
                                           "distance_km": proposal.distance_km, "created_at": now})
        tell(volunteer, "notify_need", group=need.group, need=need, purpose="notify", urgent=need.urgency == "today",
             now=now, params=notice_params(need, proposal.distance_km))
    need.notified_at = now


def _alert_coordinators(need: Need, now: datetime, reads: BatchReads) -> None:
    """Top of the list, and the on-call coordinators (all coordinators if none is on call) are told why."""
    need.match_reason = explain_unmatched(need) or need.match_reason
    coordinators = reads.coordinators(need.group_id)
    on_call = [c for c in coordinators if c.on_call] or coordinators
    hours = int((now - (need.opened_at or need.created_at)).total_seconds() // 3600)
    # Someone fits: the usual reason is that those told have not taken it (not that we do not know why).
    told = bool(reads.chosen.get(need.id)) or db.session.execute(db.select(NeedNotification.id).where(
        NeedNotification.need_id == need.id).limit(1)).first() is not None
    reason = need.match_reason or ("nobody_took_it" if told else "unknown")
    for coordinator in on_call:
        tell(coordinator, "coordinator_alert", group=need.group, need=need, purpose="chase",
             urgent=need.urgency == "today", prefer="email", now=now,
             params={"ref": need.ref, "category": need.category, "hours": hours, "reason": reason})


def _update_requester(need: Need, now: datetime, reads: BatchReads) -> None:
    """Tell the requester honestly we are still looking, and offer a neighbouring group if there is one."""
    other = reads.neighbouring_group(need)
    params = {"ref": need.ref, "other": other.name if other else ""}
    tell(need.requester, "still_looking_referral" if other else "still_looking", group=need.group, need=need,
         params=params, purpose="chase", now=now)


def _last_message(need: Need, now: datetime, reads: BatchReads) -> None:
    """Say we will close it soon unless they tell us they still need it."""
    tell(need.requester, "closing_soon", group=need.group, need=need, params={"ref": need.ref},
         purpose="chase", now=now)
    reads.expect_reply(need)


def _expire(need: Need, now: datetime, reads: BatchReads) -> None:
    """Close a need nobody could take and whose requester did not answer."""
    lifecycle.expire(need, now=now)


STEP_ACTIONS = {NOTIFY_FIRST_RING: _notify_ring, NOTIFY_SECOND_RING: _notify_ring,
                ALERT_COORDINATORS: _alert_coordinators, UPDATE_REQUESTER: _update_requester,
                LAST_MESSAGE: _last_message, EXPIRE: _expire}


def remind_claims(now: datetime) -> int:
    """Remind volunteers before a claim is due; release claims that passed due unconfirmed."""
    done = 0
    for claim_id in _due_ids(db.select(Claim.id).where(Claim.status == "active", Claim.reminded_at.is_(None),
                                                       Claim.remind_at <= now), now):
        claimed = db.session.execute(update(Claim).where(Claim.id == claim_id, Claim.reminded_at.is_(None))
                                     .values(reminded_at=now).execution_options(synchronize_session=False))
        if claimed.rowcount == 1:
            claim = db.session.get(Claim, claim_id)
            reminder = tell(claim.volunteer, "claim_reminder", group=claim.need.group, need=claim.need,
                            purpose="chase", params={"ref": claim.need.ref}, now=now)
            _time_to_answer(claim, reminder, now)
            db.session.commit()
            done += 1
    for claim_id in _due_ids(db.select(Claim.id).where(Claim.status == "active", Claim.due_at <= now), now):
        done += _expire_or_extend(claim_id, now)
    return done


def _time_to_answer(claim: Claim, reminder, now: datetime) -> None:
    """A reminder held for the volunteer's quiet hours still leaves them the ladder's time to answer it
    (KEEP or DONE) before the claim lapses, instead of arriving with the news that it lapsed."""
    arrives = reminder.next_attempt_at if reminder is not None and reminder.status == "queued" else None
    if arrives is None or arrives <= now:
        return
    due = arrives + ladder_of(claim.need).claim_reminder
    if claim.due_at is not None and claim.due_at < due:
        claim.due_at = due


def _expire_or_extend(claim_id: int, now: datetime) -> int:
    """A confirmed claim gets one more period; an unconfirmed one goes back to open, without blame."""
    claim = db.session.get(Claim, claim_id)
    need = claim.need
    if claim.confirmed_at is not None and claim.confirmed_at >= (claim.reminded_at or claim.claimed_at):
        moved = db.session.execute(update(Claim).where(Claim.id == claim_id, Claim.due_at == claim.due_at)
                                   .values(due_at=now + ladder_of(need).claim_due, reminded_at=None,
                                           remind_at=now + ladder_of(need).claim_due - ladder_of(need).claim_reminder)
                                   .execution_options(synchronize_session=False))
        db.session.commit()
        return moved.rowcount
    # Claim the row first (two schedulers: one acts); the lifecycle then ends it as expired.
    moved = db.session.execute(update(Claim).where(Claim.id == claim_id, Claim.status == "active",
                                                   Claim.due_at == claim.due_at)
                               .values(due_at=None).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        db.session.rollback()
        return 0
    db.session.refresh(claim)
    lifecycle.claim_lapsed(claim, now=now)
    db.session.commit()
    return 1


def follow_up_fulfilled(now: datetime) -> int:
    """Ask requesters whether they got what they needed (a NO reopens the need)."""
    done = 0
    for need_id in _due_ids(db.select(Need.id).where(Need.status == "fulfilled", Need.followup_sent_at.is_(None),
                                                     Need.followup_at <= now, Need.feedback.is_(None)), now):
        claimed = db.session.execute(update(Need).where(Need.id == need_id, Need.followup_sent_at.is_(None))
                                     .values(followup_sent_at=now).execution_options(synchronize_session=False))
        if claimed.rowcount == 1:
            need = db.session.get(Need, need_id)
            tell_requester(need, "followup_ask", now=now)
            expect_feedback(need)
            db.session.commit()
            done += 1
    return done


def expire_offers(now: datetime) -> int:
    """Offers whose date has passed are closed."""
    moved = db.session.execute(update(Offer).where(Offer.status == "open", Offer.available_until < now.date())
                               .values(status="expired", updated_at=now).execution_options(synchronize_session=False))
    db.session.commit()
    return moved.rowcount
