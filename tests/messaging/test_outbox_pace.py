"""Sending at the provider's pace: the real twilio Client over HTTP to a fake Twilio API on 127.0.0.1.

The rate is checked on the pacer's schedule (an injected clock), never on wall time.
"""
from __future__ import annotations

import threading
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

import pytest

from mutualaid.extensions import db
from mutualaid.messaging.outbox import deliver_outbox
from mutualaid.messaging.pacing import Pacer
from mutualaid.models import Message
from tests.builders import make_group
from tests.concurrency import at_once
from tests.fake_twilio_api import FakeTwilioAPI, LoopbackTransport
from tests.sms_helpers import GROUP_NUMBER, sms_config

NOON = datetime(2026, 7, 15, 11, 0, tzinfo=timezone.utc)
RATE = 50


class FakeClock:
    """A clock that moves only when slept on (thread-safe: two workers may share one)."""

    def __init__(self):
        self.now, self.lock = 0.0, threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


class RecordingPacer(Pacer):
    """A pacer on a fake clock that remembers every slot it gave."""

    def __init__(self, rate: float = RATE):
        clock = FakeClock()
        super().__init__(rate, clock=clock, sleep=clock.sleep)
        self.slots: list[tuple[str | None, float]] = []

    def wait(self, sender):
        slot = super().wait(sender)
        self.slots.append((sender, slot))
        return slot


@pytest.fixture
def api():
    """The fake Twilio API, listening for this test."""
    server = FakeTwilioAPI()
    server.base_url = server.start()
    yield server
    server.stop()


@pytest.fixture
def config_overrides(api):
    """The real Twilio backend and transport, pointed at the fake API, paced at RATE a second."""
    return sms_config(SMS_BACKEND="twilio", TWILIO_FROM_NUMBER=GROUP_NUMBER, SMS_SEND_RATE_PER_SECOND=RATE,
                      SMS_SEND_CONCURRENCY=4, TWILIO_HTTP_CLIENT=LoopbackTransport(api.base_url))


@pytest.fixture(autouse=True)
def group(app):
    """The group whose number sends."""
    return make_group(phone_number=GROUP_NUMBER)


def queue_texts(group, texts) -> None:
    """Queue (to, body, urgent) replies at NOON, in that order, and commit."""
    db.session.add_all([Message(direction="out", group_id=group.id, from_number=GROUP_NUMBER, to_number=to,
                                body=body, status="queued", purpose="reply", template="help", urgent=urgent,
                                next_attempt_at=NOON, created_at=NOON, updated_at=NOON)
                        for to, body, urgent in texts])
    db.session.commit()


def number(i: int) -> str:
    """The i-th neighbour's mobile number."""
    return f"+447700{i:06d}"


def waiting(status: str) -> bool:
    """Whether any message has this status."""
    return db.session.execute(db.select(Message.id).where(Message.status == status).limit(1)).first() is not None


def drain(now: datetime, pacer: Pacer, step: timedelta = timedelta(minutes=15), passes: int = 400) -> datetime:
    """Run passes until nothing is queued, moving the clock on by `step` whenever nothing was due and
    nothing is being sent (so a second worker's claims are never mistaken for a dead worker's)."""
    for _ in range(passes):
        report = deliver_outbox(now=now, limit=5000, pacer=pacer)
        if not waiting("queued") and not waiting("sending"):
            return now
        if report.sent + report.retried + report.failed == 0 and not waiting("sending"):
            now += step
    raise AssertionError("the outbox did not drain")


def assert_each_sent_once_in_order(api, texts) -> None:
    """Every text reached the API exactly once, and each person's texts in the order they were queued."""
    bodies = [call.body for call in api.accepted]
    assert Counter(bodies) == Counter(body for _, body, _ in texts)
    per_person = defaultdict(list)
    for call in api.accepted:
        per_person[call.to].append(call.body)
    queued = defaultdict(list)
    for to, body, _ in texts:
        queued[to].append(body)
    assert per_person == queued
    statuses = Counter(db.session.execute(db.select(Message.status)).scalars())
    assert statuses == Counter({"sent": len(texts)})


def test_2000_queued_texts_reach_the_provider_at_the_configured_rate_once_each_in_order(api, group):
    api.fail_every = 100  # 1 % of calls answered 500
    texts = [(number(i % 487), f"text {i:04d}", i % 10 == 0) for i in range(2000)]  # 4 or 5 each for 487 people
    queue_texts(group, texts)
    pacer = RecordingPacer()
    drain(NOON, pacer)
    assert_each_sent_once_in_order(api, texts)
    failures = [call for call in api.calls if call.status == 500]
    assert len(failures) >= 19 and len(api.calls) == 2000 + len(failures)
    assert sum(db.session.execute(db.select(Message.attempts)).scalars()) == len(api.calls)
    slots = [slot for sender, slot in pacer.slots if sender == GROUP_NUMBER]
    assert len(slots) == len(api.calls)
    assert all(later - earlier >= 1 / RATE - 1e-9 for earlier, later in zip(slots, slots[1:]))
    assert (len(slots) - 1) / (slots[-1] - slots[0]) == pytest.approx(RATE, rel=0.01)


def test_urgent_texts_go_first_but_never_ahead_of_an_earlier_text_to_the_same_person(app, api, group):
    app.config["SMS_SEND_CONCURRENCY"] = 1  # one call at a time, so arrival order is sending order
    texts = [(number(1), "ordinary 1", False), (number(2), "ordinary 2", False),
             (number(2), "urgent after ordinary 2", True), (number(3), "urgent 3", True)]
    queue_texts(group, texts)
    drain(NOON, RecordingPacer())
    assert [call.body for call in api.accepted] == ["urgent 3", "ordinary 1", "ordinary 2", "urgent after ordinary 2"]


def test_a_later_text_waits_while_an_earlier_one_to_the_same_person_waits_for_its_retry(api, group):
    api.fail_every = 1  # the first call fails
    queue_texts(group, [(number(1), "first", False)])
    deliver_outbox(now=NOON, pacer=RecordingPacer())
    api.fail_every = 0
    queue_texts(group, [(number(1), "second", False)])
    deliver_outbox(now=NOON + timedelta(seconds=5), pacer=RecordingPacer())
    assert api.accepted == []
    drain(NOON + timedelta(minutes=1), RecordingPacer())
    assert [call.body for call in api.accepted] == ["first", "second"]


def test_a_ten_minute_outage_then_recovery_sends_every_text_once_in_order_urgent_first(app, api, group):
    app.config["SMS_SEND_CONCURRENCY"] = 1  # one call at a time, so arrival order is sending order
    ordinary = [(number(i % 40), f"ordinary {i:03d}", False) for i in range(160)]
    urgent = [(number(100 + i), f"urgent {i:02d}", True) for i in range(20)]
    texts = ordinary + urgent
    queue_texts(group, texts)
    api.down = True
    pacer = RecordingPacer()
    for seconds in range(0, 600, 5):  # a pass every 5 s for 10 minutes, every call answered 503
        deliver_outbox(now=NOON + timedelta(seconds=seconds), limit=5000, pacer=pacer)
    assert api.accepted == [] and len(api.calls) > 60
    assert Counter(db.session.execute(db.select(Message.status)).scalars()) == Counter({"queued": 180})
    api.down = False
    outage_calls = len(api.calls)
    drain(NOON + timedelta(minutes=10), pacer)
    assert_each_sent_once_in_order(api, texts)
    assert len(api.calls) - outage_calls == 180
    assert {call.body for call in api.accepted[:20]} == {body for _, body, _ in urgent}


def test_two_outbox_workers_at_once_send_each_text_once_in_order(app, api, group):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite is for one process; two workers at once need PostgreSQL")
    api.fail_every = 50
    texts = [(number(i % 100), f"text {i:03d}", i % 7 == 0) for i in range(400)]
    queue_texts(group, texts)
    _, errors = at_once(app, lambda: drain(NOON, RecordingPacer(rate=0), step=timedelta(minutes=1)))
    assert errors == []
    db.session.expire_all()
    assert_each_sent_once_in_order(api, texts)


def test_the_groups_daily_cap_holds_while_texts_are_in_flight(app, api, group):
    api.latency = 0.05  # answers come back while later texts are being sent
    group.settings = {**(group.settings or {}), "sms_daily_cap": 3}
    db.session.commit()
    db.session.add_all([Message(direction="out", group_id=group.id, from_number=GROUP_NUMBER, to_number=number(i),
                                body=f"new request {i}", status="queued", purpose="notify", template="help",
                                next_attempt_at=NOON, created_at=NOON, updated_at=NOON) for i in range(12)])
    db.session.commit()
    deliver_outbox(now=NOON, pacer=RecordingPacer(rate=0))
    assert len(api.accepted) == 3
    statuses = Counter(db.session.execute(db.select(Message.status, Message.last_error)).all())
    assert statuses == Counter({("sent", ""): 3, ("queued", "daily text limit"): 9})
