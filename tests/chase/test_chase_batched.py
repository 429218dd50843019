"""The batched chase pass does exactly what the pass that took one need at a time did."""
from __future__ import annotations

import importlib.util
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import update

from mutualaid.chase import actions as chase
from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Conversation, Message, Need, NeedNotification
from tests.builders import (
    HACKNEY,
    make_coordinator,
    make_group,
    make_need,
    make_volunteer,
)
from tests.concurrency import at_once
from tests.sms_helpers import GROUP_NUMBER, sms_config

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
NOW = T0 + timedelta(days=9)
PLACES = ["E8 3RH", "E8 2", "E5 8", "N16 7", "E9 6", "E8 1"]
# Hours since opening and the level already reached: every step of the "today" ladder, and some missed.
AGES = [(0.1, 0), (1, 1), (1, 0), (3, 2), (3, 0), (9, 3), (9, 1), (130, 4), (170, 5), (170, 3)]
REFERENCE = Path(__file__).resolve().parents[2] / "bench" / "chase_reference.py"


def reference():
    """The pass as it was, need by need (kept under bench/ for the comparison)."""
    spec = importlib.util.spec_from_file_location("chase_reference", REFERENCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def config_overrides():
    """Console SMS; a low daily notice cap so some volunteers reach it during the pass."""
    return sms_config(NOTIFY_FIRST_RING=2, NOTIFY_MAX_PER_DAY=3)


@pytest.fixture
def backlog(app):
    """Two groups, volunteers around Hackney (some near their daily cap), and needs at every ladder step."""
    rng = random.Random(20)
    group = make_group(phone_number=GROUP_NUMBER)
    make_group(slug="islington", name="Islington Aid", centre=(51.5465, -0.1058), radius_km=6.0)
    make_coordinator(group, phone="+447911123400").on_call = True
    make_coordinator(group, email="c2@example.org", phone="+447911123401")
    volunteers = [make_volunteer(group, email=f"v{i}@example.org", phone=f"+4479111{i:05d}",
                                 home=(HACKNEY[0] + rng.uniform(-.02, .02), HACKNEY[1] + rng.uniform(-.03, .03)),
                                 radius_km=rng.choice([1, 2, 3, 5]), capacity=rng.choice([1, 2]),
                                 categories=rng.sample(["groceries", "medicine", "errand", "company"], 2))
                  for i in range(30)]
    needs = []
    for i in range(240):
        hours, level = AGES[i % len(AGES)]
        opened = NOW - timedelta(hours=hours)
        need = make_need(details=f"need {i}", urgency="today", where=rng.choice(PLACES), now=opened - timedelta(days=1),
                         category=rng.choice(["groceries", "medicine", "errand"]), phone=f"+4479112{i % 90:05d}")
        need.practice = i % 37 == 0
        need.opened_at, need.escalation_level, need.next_chase_at = opened, level, NOW
        needs.append(need)
    for volunteer in volunteers[:8]:  # earlier notices today: some at the cap, some one short of it
        for k in range(2 + volunteer.id % 2):
            db.session.add(NeedNotification(need_id=needs[-1 - k].id, volunteer_id=volunteer.id, ring=1,
                                            channel="sms", distance_km=1.0, created_at=NOW - timedelta(hours=k + 1)))
    db.session.commit()
    return needs


def snapshot() -> dict:
    """What the chase may change, as plain values."""
    return {"needs": {n.id: (n.status, n.escalation_level, n.next_chase_at, n.match_reason, n.notified_at,
                             n.closed_at) for n in db.session.execute(db.select(Need)).scalars()},
            "max": {model: db.session.execute(db.select(db.func.max(model.id))).scalar() or 0
                    for model in (Message, NeedNotification, AuditEvent, Conversation)}}


def outcome(before: dict) -> dict:
    """What a pass left: its messages, notices, audit events and conversations, and every need's state."""
    def new(model, *columns):
        rows = db.session.execute(db.select(*columns).where(model.id > before["max"][model])).all()
        return sorted((tuple(r) for r in rows), key=repr)

    db.session.expire_all()
    return {
        "messages": new(Message, Message.need_id, Message.person_id, Message.to_number, Message.to_address,
                        Message.template, Message.body, Message.status, Message.purpose, Message.urgent,
                        Message.next_attempt_at, Message.last_error),
        "notifications": new(NeedNotification, NeedNotification.need_id, NeedNotification.volunteer_id,
                             NeedNotification.ring, NeedNotification.channel, NeedNotification.distance_km,
                             NeedNotification.created_at),
        "audit": [(a, s, i, repr(sorted(d.items()))) for a, s, i, d in new(
            AuditEvent, AuditEvent.action, AuditEvent.subject_type, AuditEvent.subject_id, AuditEvent.details)],
        "conversations": new(Conversation, Conversation.phone, Conversation.group_id, Conversation.person_id,
                             Conversation.state),
        "needs": snapshot()["needs"],
    }


def undo(before: dict) -> None:
    """Put the database back as it was before the pass."""
    for model in (Message, NeedNotification, AuditEvent, Conversation):
        db.session.execute(db.delete(model).where(model.id > before["max"][model]))
    for need_id, (status, level, nxt, reason, notified, closed) in before["needs"].items():
        db.session.execute(update(Need).where(Need.id == need_id).values(
            status=status, escalation_level=level, next_chase_at=nxt, match_reason=reason, notified_at=notified,
            closed_at=closed))
    db.session.commit()
    db.session.expire_all()


def test_the_batched_pass_queues_exactly_what_the_one_by_one_pass_did(backlog, caplog):
    old = reference()
    before = snapshot()
    with old.unsorted_volunteer_cache():
        assert old.chase_open_needs(NOW) == len(backlog)
    expected = outcome(before)
    undo(before)
    assert chase.chase_open_needs(NOW) == len(backlog)
    assert "chase batch failed" not in caplog.text  # done in batches, not need by need after a failure
    got = outcome(before)
    # The scenario reaches every step, some volunteers' daily cap, and messages of every kind.
    assert {d for _, _, _, d in got["audit"] if "step" in d} and len(got["audit"]) > len(backlog)
    assert {m[4] for m in got["messages"]} >= {"notify_need", "coordinator_alert", "still_looking_referral",
                                               "closing_soon", "need_expired"}
    assert len(got["notifications"]) > 0 and len(got["conversations"]) > 0
    for key in expected:
        assert got[key] == expected[key], key


def test_a_volunteer_at_the_daily_cap_is_not_told_within_one_batch(app, backlog):
    before = snapshot()
    chase.chase_open_needs(NOW)
    cap = app.config["NOTIFY_MAX_PER_DAY"]
    per_volunteer = db.session.execute(db.select(NeedNotification.volunteer_id, db.func.count()).where(
        NeedNotification.created_at >= NOW - timedelta(days=1)).group_by(NeedNotification.volunteer_id)).all()
    assert max(count for _, count in per_volunteer) <= cap
    told_now = db.session.execute(db.select(db.func.count()).where(NeedNotification.id > before["max"][NeedNotification])
                                  ).scalar_one()
    assert told_now > 0


def test_one_failing_need_does_not_stop_the_batch(backlog, monkeypatch):
    broken = backlog[3].id  # three hours old at level 2: its coordinator alert is due
    real = chase.STEP_ACTIONS[3]

    def alert(need, now, reads):
        if need.id == broken:
            raise RuntimeError("boom")
        real(need, now, reads)

    monkeypatch.setitem(chase.STEP_ACTIONS, 3, alert)
    with pytest.raises(chase.ChaseErrors) as failed:
        chase.chase_open_needs(NOW)
    assert failed.value.done == chase.BATCH - 1  # the rest of its batch went on; the run stopped there
    db.session.expire_all()
    assert db.session.get(Need, broken).next_chase_at == NOW  # still due: the next run takes it
    assert AuditEvent.query.filter_by(action="need.chased", subject_id=broken).count() == 0
    monkeypatch.setitem(chase.STEP_ACTIONS, 3, real)
    assert chase.chase_open_needs(NOW) == len(backlog) - chase.BATCH + 1
    assert AuditEvent.query.filter_by(action="need.chased", subject_id=broken).count() == 1


def test_two_passes_at_once_take_each_step_once(app, backlog, backend):
    if backend != "postgresql":
        pytest.skip("SQLite is for one scheduler process")
    done, errors = at_once(app, lambda: chase.chase_open_needs(NOW))
    assert errors == [] and sum(done) == len(backlog)
    db.session.expire_all()
    steps = db.session.execute(db.select(AuditEvent.subject_id, AuditEvent.details).where(
        AuditEvent.action == "need.chased")).all()
    assert len(steps) == len({(subject, repr(details)) for subject, details in steps})
    assert {subject for subject, _ in steps} == {n.id for n in backlog}
    pairs = db.session.execute(db.select(NeedNotification.need_id, NeedNotification.volunteer_id)).all()
    assert len(pairs) == len(set(pairs))


def test_a_pass_keeps_each_groups_volunteers_in_id_order_so_no_search_sorts_them_again(app, backlog, monkeypatch):
    from mutualaid.matching import actions as matching

    loaded = matching.volunteer_rows
    monkeypatch.setattr(matching, "volunteer_rows", lambda *a, **kw: list(reversed(loaded(*a, **kw))))
    group_id = backlog[0].group_id
    with matching.volunteers_cached():
        arrays = matching._volunteers(group_id, NOW.date(), 1.0)
        assert list(arrays.ids) == sorted(arrays.ids) and len(arrays) == 30
        assert arrays.sorted_by_id() is arrays
        assert matching._volunteers(group_id, NOW.date(), 1.0) is arrays
