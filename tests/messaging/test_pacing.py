"""The pacer: each sender's sends spaced at its rate, on an injected clock (no waiting)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mutualaid.messaging.pacing import Pacer


class FakeClock:
    """A clock that moves only when slept on or told to."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@given(rate=st.floats(min_value=0.1, max_value=500),
       steps=st.lists(st.tuples(st.sampled_from(["+441", "+442", "MG1"]), st.floats(min_value=0, max_value=3)),
                      max_size=60))
def test_each_senders_slots_are_at_least_one_interval_apart_and_never_later_than_needed(rate, steps):
    clock = FakeClock()
    pacer = Pacer(rate, clock=clock, sleep=clock.sleep)
    last: dict[str, float] = {}
    for sender, idle in steps:
        clock.now += idle
        asked = clock.now
        slot = pacer.wait(sender)
        assert slot >= asked and clock.now >= slot - 1e-9  # now + (slot - now) may land an ulp short of slot
        if sender in last:
            assert slot - last[sender] >= 1 / rate - 1e-9
            assert slot == max(asked, last[sender] + 1 / rate)
        else:
            assert slot == asked
        last[sender] = slot


def test_a_sender_idle_for_a_while_earns_no_burst():
    clock = FakeClock()
    pacer = Pacer(2, clock=clock, sleep=clock.sleep)
    pacer.wait("+441")
    clock.now += 60
    assert [pacer.wait("+441") - 60 for _ in range(3)] == [0.0, 0.5, 1.0]


def test_unpaced_senders_and_a_rate_of_zero_never_wait():
    clock = FakeClock()
    assert [Pacer(1, clock=clock, sleep=clock.sleep).wait(None) for _ in range(5)] == [0.0] * 5
    assert [Pacer(0, clock=clock, sleep=clock.sleep).wait("+441") for _ in range(5)] == [0.0] * 5
