"""The need lifecycle holds together whatever people and the clock do (a hypothesis state machine).

A requester (web form and texts), three volunteers (web and texts), a coordinator and the
clock (with the scheduler's jobs) act in random order on one small group; only public actions
and edges are used. After every step the invariants in tests/needs/lifecycle_driver.py are
checked against the database. A refusal is a fine outcome of a step; an unexpected exception,
a webhook 500 or a job error is a failure.

A failure prints the shortest sequence of steps hypothesis found (replayable by pasting it into
a test of this module, which has the `app` fixture and this module's config) and, in the
message, the story of what each step did. The examples are the same on every run; with -s the
run also prints how many examples reached each text and kind of step. To chase one failure at a
time: LIFECYCLE_INVARIANTS="2" (or "6,7"; "core" for the brief's seven plus 0; "all", the
default); LIFECYCLE_RANDOM=1 LIFECYCLE_EXAMPLES=200 to search further.
"""
from __future__ import annotations

import functools
import os
from collections import Counter
from datetime import timedelta

import pytest
from flask import current_app
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import event as sqlalchemy_event
from werkzeug.security import generate_password_hash

import mutualaid.models.person as person_model
from mutualaid.extensions import db
from mutualaid.models import Claim, Message, Need
from tests.needs.lifecycle_driver import REPLY, REQUESTER, VOLUNTEER_PHONES, Checker, World
from tests.sms_helpers import sms_config

MAX_NEEDS = 4
EXAMPLES = {"sqlite": 30, "postgresql": 10}
STEPS = 30
needs_ = st.integers(0, MAX_NEEDS - 1)  # the n-th need so far (modulo how many there are)
volunteers_ = st.integers(0, len(VOLUNTEER_PHONES) - 1)
SPANS = {"5 minutes": timedelta(minutes=5), "40 minutes": timedelta(minutes=40), "2 hours": timedelta(hours=2),
         "7 hours": timedelta(hours=7), "1 day": timedelta(days=1), "3 days": timedelta(days=3),
         "6 days": timedelta(days=6), "15 days": timedelta(days=15)}


@pytest.fixture
def config_overrides():
    """Console SMS; the webhook only stores texts and the process_inbound job answers them (as in
    production), so every text is answered at the test's clock."""
    return sms_config(SMS_INBOUND_INLINE=False, NOTIFY_FIRST_RING=2)


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch):
    """The seeded coordinator and volunteers never log in here, and every example seeds them
    afresh: hash their passwords cheaply (the default scrypt takes ~0.4 s a person)."""
    monkeypatch.setattr(person_model, "generate_password_hash",
                        functools.partial(generate_password_hash, method="pbkdf2:sha256:1"), raising=False)


@pytest.fixture
def throwaway_sqlite(app):
    """SQLite need not wait for the disk after each commit here (the database is thrown away; a
    hypothesis run commits thousands of times): PRAGMA synchronous=OFF on this app's connections."""
    if db.engine.dialect.name != "sqlite":
        yield
        return

    def no_sync(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA synchronous=OFF")

    sqlalchemy_event.listen(db.engine, "connect", no_sync)
    db.session.remove()
    db.engine.dispose()
    yield
    sqlalchemy_event.remove(db.engine, "connect", no_sync)


class LifecycleMachine(RuleBasedStateMachine):
    """People and the clock act on one group; the invariants are checked after every step."""

    reach: Counter = Counter()  # how many examples got somewhere (printed after the run)

    def __init__(self):
        super().__init__()
        self.world = World(current_app.test_client())
        self.checker = Checker(self.world)
        self.reached: set[str] = set()

    def needs(self) -> int:
        """How many needs there were at the last check."""
        return len(self.world.seen.status)

    def ref(self, index: int, among: str = "any", volunteer: int | None = None, ours: bool = True) -> str:
        """The index-th need among those where the action makes sense (see World.ref)."""
        return self.world.ref(index, among, volunteer, ours=ours)

    # --- the requester -------------------------------------------------------------------------

    @precondition(lambda self: self.needs() < MAX_NEEDS)
    @rule(category=st.sampled_from(["groceries", "medicine", "pets"]),
          urgency=st.sampled_from(["soon", "today", "this_week"]))
    def requester_asks_on_the_web(self, category, urgency):
        self.world.submit_need_web(category, urgency)

    @precondition(lambda self: self.needs() < MAX_NEEDS)
    @rule(body=st.sampled_from(["need groceries today E8 3RH", "need medicine E8 3RH this week"]))
    def requester_asks_by_text(self, body):
        self.world.text("requester", REQUESTER, body, new_thread=True)

    @precondition(lambda self: self.needs() > 0)
    @rule(need=needs_, word=st.sampled_from(["CANCEL", "DONE", "OTHER"]))
    def requester_texts_about_a_need(self, need, word):
        ref = self.ref(need, "open" if word == "OTHER" else "in_progress", ours=False)
        self.world.text("requester", REQUESTER, f"{word} {ref}")

    @precondition(lambda self: "followup_ask" in self.world.seen.told)
    @rule(answer=st.sampled_from(["1", "2"]))
    def requester_answers_the_follow_up(self, answer):
        self.world.text("requester", REQUESTER, answer)

    @precondition(lambda self: "closing_soon" in self.world.seen.told)
    @rule()
    def requester_replies_to_the_last_message(self):
        self.world.text("requester", REQUESTER, REPLY)

    # --- volunteers ------------------------------------------------------------------------------

    @precondition(lambda self: self.needs() > 0)
    @rule(volunteer=volunteers_, need=needs_)
    def volunteer_takes_it_on_the_web(self, volunteer, need):
        self.world.claim(volunteer, self.ref(need, "open"))

    @precondition(lambda self: self.needs() > 0)
    @rule(volunteer=volunteers_, need=needs_)
    def volunteer_gives_it_back(self, volunteer, need):
        self.world.release(volunteer, self.ref(need, "theirs", volunteer))

    @precondition(lambda self: self.needs() > 0)
    @rule(volunteer=volunteers_, need=needs_)
    def volunteer_marks_it_done_on_the_web(self, volunteer, need):
        self.world.complete(volunteer, self.ref(need, "theirs", volunteer))

    @precondition(lambda self: self.needs() > 0)
    @rule(volunteer=volunteers_, need=needs_, word=st.sampled_from(["YES", "DONE", "KEEP"]))
    def volunteer_texts_about_a_need(self, volunteer, need, word):
        ref = self.ref(need, "open" if word == "YES" else "theirs", volunteer)
        self.world.text(f"volunteer {volunteer}", VOLUNTEER_PHONES[volunteer], f"{word} {ref}")

    # --- the coordinator -------------------------------------------------------------------------

    @precondition(lambda self: self.needs() > 0)
    @rule(need=needs_, status=st.sampled_from(["fulfilled", "open", "cancelled", "claimed", "expired", "referred"]))
    def coordinator_changes_status(self, need, status):
        self.world.change_status(self.ref(need), status)

    @precondition(lambda self: self.needs() > 0)
    @rule(need=needs_, volunteer=volunteers_)
    def coordinator_assigns(self, need, volunteer):
        self.world.assign(self.ref(need, "open"), volunteer)

    @precondition(lambda self: self.needs() > 0)
    @rule(need=needs_)
    def coordinator_refers_to_the_neighbouring_group(self, need):
        self.world.refer(self.ref(need, "open"))

    # --- opting out, and the clock ---------------------------------------------------------------

    @rule(who=st.sampled_from(["requester", "volunteer 0", "volunteer 1"]), word=st.sampled_from(["STOP", "START"]))
    def someone_texts_stop_or_start(self, who, word):
        phone = REQUESTER if who == "requester" else VOLUNTEER_PHONES[int(who[-1])]
        self.world.text(who, phone, word)

    @rule(span=st.sampled_from(list(SPANS)), scheduler_down=st.booleans())
    def time_passes(self, span, scheduler_down):
        self.world.advance(SPANS[span], scheduler_running=not scheduler_down)

    @rule()
    def time_passes_until_something_is_due(self):
        self.world.advance_to_next_deadline()

    @invariant()
    def the_lifecycle_holds_together(self):
        self.checker.check()
        # How far the examples reach (printed after the run; see it with -s): which texts went
        # out, and whose steps were done or refused.
        self.reached |= {f"told {template}" for template in self.checker.templates_told}
        last = self.world.steps[-1] if self.world.steps else None
        if last is not None:
            actor = {"the": "clock"}.get(last.what.split(" ")[0], last.what.split(" ")[0])
            self.reached.add(f"{actor} step {'refused' if 'refused' in last.outcome else 'done'}")

    def teardown(self):
        LifecycleMachine.reach.update(self.reached | {"examples"})


def _settings(backend: str) -> settings:
    """Small enough to run in seconds, and the same examples every run (so a failure replays by running
    again); LIFECYCLE_RANDOM=1 explores afresh, LIFECYCLE_EXAMPLES / LIFECYCLE_STEPS search longer."""
    return settings(max_examples=int(os.environ.get("LIFECYCLE_EXAMPLES", EXAMPLES[backend])),
                    stateful_step_count=int(os.environ.get("LIFECYCLE_STEPS", STEPS)),
                    deadline=None, database=None, print_blob=True,
                    derandomize=not os.environ.get("LIFECYCLE_RANDOM"),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.function_scoped_fixture])


@pytest.fixture
def shrink_budget(monkeypatch):
    """Hypothesis shrinks a failure for up to 5 minutes; a minute (LIFECYCLE_SHRINK_SECONDS) is
    enough here to get a short story, and keeps a failing `make test` from taking 10 minutes more.
    (A private constant of hypothesis: if it goes away, the default applies.)"""
    from hypothesis.internal.conjecture import engine

    monkeypatch.setattr(engine, "MAX_SHRINKING_SECONDS", int(os.environ.get("LIFECYCLE_SHRINK_SECONDS", 60)),
                        raising=False)


def test_the_need_lifecycle_holds_whatever_people_and_the_clock_do(app, backend, throwaway_sqlite, shrink_budget):
    # run_state_machine_as_test rather than `TestCase = LifecycleMachine.TestCase`: the machine
    # needs the `app` fixture, which gives it SQLite and (with TEST_DATABASE_URL) PostgreSQL.
    LifecycleMachine.reach.clear()
    try:
        run_state_machine_as_test(LifecycleMachine, settings=_settings(backend))
    finally:
        reach = LifecycleMachine.reach
        print(f"{reach['examples']} examples reached:\n" + "\n".join(
            f"  {count:>4}  {what}" for what, count in sorted(reach.items()) if what != "examples"))


# --- the smallest cases, as plain examples -----------------------------------------------------------

@pytest.fixture
def world(app):
    """The neighbourhood at T0, with its invariants checked from the start."""
    world = World(app.test_client())
    world.checker = Checker(world)
    world.checker.check()
    return world


def step(world: World, action, *args, **kwargs) -> str:
    """One step, then every invariant."""
    outcome = action(*args, **kwargs)
    world.checker.check()
    return outcome


def test_with_no_needs_the_jobs_find_nothing_to_do(world):
    for span in (timedelta(minutes=5), timedelta(hours=7), timedelta(days=3), timedelta(days=15)):
        step(world, world.advance, span)
    assert db.session.execute(db.select(db.func.count(Message.id))).scalar_one() == 0
    assert db.session.execute(db.select(db.func.count(Need.id))).scalar_one() == 0


def test_a_need_the_coordinator_marked_done_stays_fulfilled_a_week_later(world):
    step(world, world.submit_need_web)
    ref = world.ref(0)
    assert step(world, world.claim, 0, ref) == "ok"
    assert step(world, world.change_status, ref, "fulfilled") == "ok"
    step(world, world.advance, timedelta(days=7))
    need = db.session.execute(db.select(Need).where(Need.ref == ref)).scalar_one()
    claim = db.session.execute(db.select(Claim).where(Claim.need_id == need.id)).scalar_one()
    told = db.session.execute(db.select(Message.template).where(
        Message.person_id == world.volunteer_ids[0])).scalars().all()
    assert (need.status, claim.status) == ("fulfilled", "completed")
    assert "claim_expired" not in told


def test_a_need_the_volunteer_marked_done_stays_fulfilled_and_the_requester_is_asked_once(world):
    step(world, world.submit_need_web)
    ref = world.ref(0)
    step(world, world.claim, 0, ref)
    assert step(world, world.complete, 0, ref) == "ok"
    step(world, world.advance, timedelta(days=7))
    need = db.session.execute(db.select(Need).where(Need.ref == ref)).scalar_one()
    asked = db.session.execute(db.select(db.func.count(Message.id)).where(
        Message.template == "followup_ask", Message.need_id == need.id)).scalar_one()
    assert need.status == "fulfilled" and asked == 1
