"""The pure login rules: the wait after failed passwords, and when a login has run out."""
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from mutualaid.domain.logins import LockPolicy, SessionLimits, lock_for, session_ended

POLICY = LockPolicy(after=5, first_seconds=60, max_seconds=900)
policies = st.builds(LockPolicy, after=st.integers(1, 20), first_seconds=st.integers(1, 600),
                     max_seconds=st.integers(1, 86400))


def test_no_wait_before_the_threshold_then_doubling_up_to_the_cap():
    waits = [lock_for(n, POLICY).total_seconds() for n in range(0, 11)]
    assert waits == [0, 0, 0, 0, 0, 60, 120, 240, 480, 900, 900]


@given(policies, st.integers(0, 10_000))
def test_one_more_failure_never_shortens_the_wait_and_the_cap_holds(policy, failures):
    wait, longer = lock_for(failures, policy), lock_for(failures + 1, policy)
    assert timedelta(0) <= wait <= longer <= timedelta(seconds=max(policy.max_seconds, 0))
    assert (wait > timedelta(0)) == (failures >= policy.after)


NOW = datetime(2026, 12, 4, 20, 0, tzinfo=timezone.utc)
LIMITS = SessionLimits()


def test_a_coordinator_login_runs_out_when_idle_or_after_twelve_hours():
    assert session_ended(coordinator=True, started_at=NOW - timedelta(hours=1), now=NOW,
                         last_seen_at=NOW - timedelta(minutes=30), limits=LIMITS) == "idle"
    assert session_ended(coordinator=True, started_at=NOW - timedelta(hours=12), now=NOW,
                         last_seen_at=NOW, limits=LIMITS) == "absolute"
    assert session_ended(coordinator=True, started_at=NOW - timedelta(hours=11), now=NOW,
                         last_seen_at=NOW - timedelta(minutes=29), limits=LIMITS) is None


@given(st.timedeltas(timedelta(0), timedelta(days=60)), st.timedeltas(timedelta(0), timedelta(days=60)),
       st.booleans())
def test_a_login_lasts_exactly_while_both_limits_hold(age, idle, coordinator):
    idle = min(idle, age)
    ended = session_ended(coordinator=coordinator, started_at=NOW - age, last_seen_at=NOW - idle, now=NOW,
                          limits=LIMITS)
    absolute = LIMITS.coordinator_absolute if coordinator else LIMITS.other_absolute
    most_idle = LIMITS.coordinator_idle if coordinator else LIMITS.other_idle
    assert (ended is None) == (age < absolute and idle < most_idle)
