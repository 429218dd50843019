"""The escalation ladder walked through time with `now`, no clocks patched."""
from datetime import datetime, timedelta, timezone

from mutualaid.chase.ladder import (ALERT_COORDINATORS, EXPIRE, LAST_MESSAGE, NOTIFY_FIRST_RING,
                                         NOTIFY_SECOND_RING, UPDATE_REQUESTER, claim_deadlines, collapse_missed,
                                         due_at, ladder_for, steps_due)

OPENED = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
SOON = ladder_for("soon")


def test_the_first_ring_is_due_the_moment_a_need_opens():
    assert steps_due(OPENED, 0, SOON, OPENED) == [NOTIFY_FIRST_RING]


def test_an_ordinary_need_walks_every_step_in_order_at_its_time():
    hours = {NOTIFY_SECOND_RING: 1, ALERT_COORDINATORS: 4, UPDATE_REQUESTER: 24, LAST_MESSAGE: 12 * 24,
             EXPIRE: 14 * 24}
    level = NOTIFY_FIRST_RING
    for step, after in hours.items():
        assert steps_due(OPENED, level, SOON, OPENED + timedelta(hours=after) - timedelta(seconds=1)) == []
        assert steps_due(OPENED, level, SOON, OPENED + timedelta(hours=after)) == [step]
        level = step
    assert due_at(OPENED, EXPIRE, SOON) is None


def test_urgent_needs_move_faster_and_this_week_ones_slower():
    today, week = ladder_for("today"), ladder_for("this_week")
    assert today.coordinators < SOON.coordinators < week.coordinators
    assert today.second_ring < SOON.second_ring < week.second_ring


def test_a_group_can_override_the_ladder_in_hours():
    ladder = ladder_for("soon", {"soon": {"coordinators": 2, "nonsense": 5}})
    assert ladder.coordinators == timedelta(hours=2) and ladder.second_ring == SOON.second_ring


def test_after_downtime_every_due_step_is_listed_once():
    assert steps_due(OPENED, 0, SOON, OPENED + timedelta(hours=5)) == [1, 2, 3]


def test_after_downtime_only_the_latest_ring_is_notified():
    assert collapse_missed([1, 2, 3]) == [2, 3]
    assert collapse_missed([1]) == [1]
    assert collapse_missed([4, 5]) == [4, 5]


def test_claim_reminder_comes_before_the_claim_is_due():
    remind, due = claim_deadlines(OPENED, SOON)
    assert OPENED < remind < due and due - OPENED == SOON.claim_due
