"""A small neighbourhood driven only through the app's public actions and edges, with a clock.

Used by the lifecycle property tests: one group (Hackney) and its neighbour (Clapton), a requester
who uses the web form and texts, three volunteers, a coordinator, and the scheduler's jobs run
at a `now` we move by hand. Every action says what happened in words (for failure reports); a
refusal (ServiceError, IllegalTransition) is an ordinary outcome, anything else propagates.

`Checker.check` holds what must be true of the database after every step, whatever the people
and the clock did; each invariant raises from its own line, so hypothesis tells the failures
apart and shrinks each one separately. Invariants 1-7 are the brief's; 0 (no job or edge fails)
and 3b, 5a, 7b, 8, 9 are additions, described where they are checked.
"""
from __future__ import annotations

import importlib
import inspect
import itertools
import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import text as sql_text

from mutualaid.domain.transitions import IllegalTransition
from mutualaid.core.errors import ServiceError
from mutualaid.extensions import db
from mutualaid.jobs.runner import run_job
from mutualaid.models import AuditEvent, Claim, Conversation, Message, Need, Person
from tests.builders import make_coordinator, make_group, make_need, make_volunteer
from tests.sms_helpers import GROUP_NUMBER, text_in

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # a Monday morning in London
REQUESTER = "+447911123456"
VOLUNTEER_PHONES = ("+447911123410", "+447911123411", "+447911123412")
OTHER_GROUP = "clapton"
OTHER_GROUP_NUMBER = "+442071234568"
REPLY = "Yes I still need it please"  # the requester's answer to "we will close it unless you reply"
CLOSED = frozenset({"fulfilled", "cancelled", "expired", "referred"})
IN_PROGRESS = frozenset({"draft", "open", "claimed"})
# The scheduler's jobs that move needs and claims on, in the registry's order. The two that run
# every few seconds run after people's steps too: process_inbound after a text, deliver_outbox
# after every step (and after every moment the clock stops at).
CLOCK_JOBS = ("process_inbound", "chase_open_needs", "remind_claims", "follow_up_fulfilled")
FAST_JOBS = ("process_inbound",)
# Audit events that are a look or a word, never a change of status.
NOT_A_STATUS_CHANGE = frozenset({"need.private_viewed", "need.relayed", "need.noted", "need.edited",
                                 "need.location_fixed", "need.claim_confirmed", "need.merged_in"})
SENT = frozenset({"sending", "sent", "accepted", "queued_remote", "delivered", "undelivered", "read"})

# "0": no job fails and no edge answers 500 (with it off, a job error is only noted in the story,
# and the run goes on as the scheduler would, so the other invariants can be shrunk on their own).
ALL_INVARIANTS = ("0", "1", "2", "3", "3b", "4", "5", "5a", "6", "7", "7b", "8", "9")
EXTRA_INVARIANTS = ("3b", "5a", "7b", "8", "9")  # beyond the brief: see check_invariants


def enabled_invariants() -> frozenset[str]:
    """Invariants to check: LIFECYCLE_INVARIANTS="2,6" picks some (to shrink one failure at a time)."""
    chosen = os.environ.get("LIFECYCLE_INVARIANTS", "").strip()
    if not chosen or chosen == "all":
        return frozenset(ALL_INVARIANTS)
    if chosen == "core":
        return frozenset(ALL_INVARIANTS) - frozenset(EXTRA_INVARIANTS)
    return frozenset(part.strip() for part in chosen.split(",") if part.strip())


def lifecycle_action(name: str):
    """A public action (one that commits) by name, wherever the lifecycle rewrite has put it, looked up at
    call time; needs/lifecycle.py itself holds the steps actions call, not actions."""
    for module in ("mutualaid.coordination.actions", "mutualaid.needs.actions", "mutualaid.needs.reads",
                   "mutualaid.claims.actions"):
        try:
            found = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if callable(found):
            return found
    raise LookupError(f"no public action named {name!r} in the needs/coordination/claims packages")


def call(func, *args, **kwargs):
    """Call `func` with the keyword arguments it accepts (the actions' signatures are changing)."""
    accepted = inspect.signature(func).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in accepted}
    return func(*args, **kwargs)


class InvariantViolated(AssertionError):
    """An invariant does not hold; the message says which, about what, and the story so far."""


class UnexpectedFailure(AssertionError):
    """An edge or a job failed in a way no person should meet (a 500, a job error)."""


def reset_database() -> None:
    """Empty every table (each hypothesis example starts from nothing), as the app fixture does."""
    db.session.remove()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            conn.execute(sql_text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@dataclass
class Seen:
    """What the invariants saw at the last check (the model the next check compares against)."""

    status: dict[int, str] = field(default_factory=dict)
    claimer: dict[int, int | None] = field(default_factory=dict)  # need id -> volunteer of its active claim
    opted_out: dict[int, bool] = field(default_factory=dict)
    audit_id: int = 0
    message_id: int = 0  # outbound messages up to this id have been looked at
    inbound_id: int = 0
    sent: set[int] = field(default_factory=set)  # outbound messages already handed to the provider
    replied: dict[int, int] = field(default_factory=dict)  # need id -> the requester's text answering "closing_soon"
    idle: dict[int, bool] = field(default_factory=dict)  # person id -> none of their SMS conversations asks anything
    told: set[str] = field(default_factory=set)  # every template queued so far


@dataclass
class StepNote:
    """What one step did, for the failure report."""

    number: int
    at: datetime
    what: str
    outcome: str = ""
    until: datetime | None = None  # where the clock stopped, for steps that move it
    problems: list[str] = field(default_factory=list)  # job errors, when invariant 0 is off


class World:
    """The neighbourhood, its clock and its scheduler; every action is one a person or the scheduler takes."""

    def __init__(self, client, *, start: datetime = T0):
        reset_database()
        self.client = client
        self.now = start
        self.steps: list[StepNote] = []
        self._counter = itertools.count(1)
        # Refs the current step explicitly reopened (invariant 6) and volunteers' DONE texts (9).
        self.explicit_reopen: set[str] = set()
        self.volunteer_done: list[tuple[int, str]] = []
        self.seen = Seen()
        group = make_group(phone_number=GROUP_NUMBER)
        make_group(slug=OTHER_GROUP, name="Clapton Mutual Aid", centre=(51.55, -0.06), radius_km=3,
                   phone_number=OTHER_GROUP_NUMBER)
        coordinator = make_coordinator(group)
        coordinator.on_call = True
        volunteers = [make_volunteer(group, email=f"v{i}@example.org", phone=phone, name=f"Volunteer {i}",
                                     capacity=1 if i == 2 else 2)
                      for i, phone in enumerate(VOLUNTEER_PHONES)]
        db.session.commit()
        self.group_id, self.coordinator_id = group.id, coordinator.id
        self.volunteer_ids = [v.id for v in volunteers]
        db.session.remove()
        self.seen.opted_out = self._opt_outs()

    # --- people and things, by what the test knows them as ---------------------------------------

    def person(self, person_id: int) -> Person:
        """A person, fresh from the database."""
        return db.session.get(Person, person_id)

    def volunteer(self, index: int) -> Person:
        """Volunteer 0, 1 or 2."""
        return self.person(self.volunteer_ids[index % len(self.volunteer_ids)])

    def refs(self) -> list[str]:
        """References of every need, oldest first (drafts and referred-in copies too)."""
        refs = list(db.session.execute(db.select(Need.ref).order_by(Need.id)).scalars())
        db.session.remove()
        return refs

    def ref(self, index: int, among: str = "any", volunteer: int | None = None, *, ours: bool = False) -> str | None:
        """The index-th need (modulo how many) among those where an action makes sense, so fewer steps
        are refused: "open", "in_progress" (draft/open/claimed), "theirs" (an active claim by `volunteer`,
        else any claimed need) or "any"; `ours`: only Hackney's (not needs referred to Clapton), for
        its volunteers and coordinator. With none such, any need (the action is then refused, as it
        should be); None when there are no needs at all."""
        query = db.select(Need.ref).order_by(Need.id)
        if ours:
            query = query.where(Need.group_id == self.group_id)
        if among == "open":
            query = query.where(Need.status == "open")
        elif among == "in_progress":
            query = query.where(Need.status.in_(IN_PROGRESS))
        elif among == "theirs":
            query = query.join(Claim, Claim.need_id == Need.id).where(Claim.status == "active")
            if volunteer is not None:
                mine = query.where(Claim.volunteer_id == self.volunteer_ids[volunteer])
                query = mine if db.session.execute(mine.limit(1)).first() else query
        refs = list(db.session.execute(query).scalars()) or self.refs()
        db.session.remove()
        return refs[index % len(refs)] if refs else None

    # --- steps -------------------------------------------------------------------------------------

    def _step(self, what: str, action) -> str:
        """Run one person's action as a request would: a refusal is an outcome; the session ends after."""
        note = StepNote(next(self._counter), self.now, what)
        self.steps.append(note)
        self.explicit_reopen, self.volunteer_done = set(), []
        try:
            outcome = action() or "ok"
        except (ServiceError, IllegalTransition) as refusal:
            db.session.rollback()
            outcome = f"refused ({getattr(refusal, 'code', type(refusal).__name__)}): {refusal}"
        finally:
            db.session.remove()
        note.outcome = outcome
        return outcome

    def submit_need_web(self, category: str = "groceries", urgency: str = "soon") -> str:
        """The requester fills in the "I need help" form (the intake action the form calls)."""
        def act():
            need = make_need(category=category, urgency=urgency, name="Ada", phone=REQUESTER, now=self.now)
            return f"ok: {need.ref} {need.status}"
        return self._step(f"requester submits a {urgency} {category} need on the web", act) + self._after_people()

    def text(self, who: str, phone: str, body: str, *, new_thread: bool = False) -> str:
        """Someone texts us: the signed webhook stores it, process_inbound answers it. A reply goes to the
        number that last texted them (each group has its own); a new request to Hackney's number."""
        to = GROUP_NUMBER if new_thread else self._thread(phone)

        def act():
            before = self._max_id(Message.id)
            response = text_in(self.client, body, sender=phone, to=to)
            if response.status_code != 200 and "0" in enabled_invariants():
                raise UnexpectedFailure(f"the SMS webhook answered {response.status_code} to {who}'s {body!r}")
            self._run_jobs(FAST_JOBS)
            replies = db.session.execute(db.select(Message.template).where(
                Message.id > before, Message.direction == "out", Message.to_number == phone)
                .order_by(Message.id)).scalars().all()
            if who.startswith("volunteer") and body.upper().startswith("DONE "):
                self.volunteer_done.append((self._person_id(phone), body.split()[1].upper()))
            return f"replies: {', '.join(replies) or 'none'}"
        who = who if to == GROUP_NUMBER else f"{who} (to {OTHER_GROUP}'s number)"
        if body.strip().rstrip(".!").upper() in ("2", "NO"):
            outcome = self._step(f"{who} texts {body!r}", act)
            self.explicit_reopen = {r for r in self._requester_refs(phone)}  # the requester's NO reopens
            return outcome + self._after_people()
        return self._step(f"{who} texts {body!r}", act) + self._after_people()

    def claim(self, volunteer: int, ref: str) -> str:
        """A volunteer presses "I'll do this"."""
        from mutualaid.claims.actions import claim_need

        return self._step(f"volunteer {volunteer} claims {ref}",
                          lambda: claim_need(self.volunteer(volunteer), ref, now=self.now) and None
                          ) + self._after_people()

    def release(self, volunteer: int, ref: str) -> str:
        """A volunteer gives a need back, with a reason."""
        from mutualaid.claims.actions import release_claim

        return self._step(f"volunteer {volunteer} gives {ref} back",
                          lambda: release_claim(self.volunteer(volunteer), ref, "Something came up",
                                                now=self.now) and None) + self._after_people()

    def complete(self, volunteer: int, ref: str) -> str:
        """A volunteer marks a need done, with a note."""
        from mutualaid.claims.actions import complete_claim

        return self._step(f"volunteer {volunteer} marks {ref} done",
                          lambda: complete_claim(self.volunteer(volunteer), ref, "Delivered",
                                                 now=self.now) and None) + self._after_people()

    def change_status(self, ref: str, target: str) -> str:
        """A coordinator presses a status button on the need's page."""
        def act():
            # As the need's page sends it: "I am sure" ticked, and the volunteer or group the
            # status needs (older versions of the action take neither).
            call(lifecycle_action("change_status"), self.person(self.coordinator_id), ref, target, reason="",
                 confirmed=True, volunteer_id=self.volunteer_ids[0], group_slug=OTHER_GROUP, now=self.now)
            if target == "open":
                self.explicit_reopen = {ref}
        return self._step(f"coordinator sets {ref} to {target}", act) + self._after_people()

    def assign(self, ref: str, volunteer: int) -> str:
        """A coordinator assigns a need to a volunteer."""
        return self._step(f"coordinator assigns {ref} to volunteer {volunteer}",
                          lambda: lifecycle_action("assign_need")(self.person(self.coordinator_id), ref,
                                                                  self.volunteer_ids[volunteer],
                                                                  now=self.now) and None) + self._after_people()

    def refer(self, ref: str) -> str:
        """A coordinator refers a need to the neighbouring group."""
        def act():
            copy = lifecycle_action("refer")(self.person(self.coordinator_id), ref, OTHER_GROUP, now=self.now)
            return f"ok: copy {copy.ref}"
        return self._step(f"coordinator refers {ref} to {OTHER_GROUP}", act) + self._after_people()

    def advance(self, delta: timedelta, *, scheduler_running: bool = True) -> str:
        """Time passes. A running scheduler acts at each moment something falls due; a stopped one
        catches up once at the end (as after downtime)."""
        target = self.now + delta
        ticks = []

        def act():
            if scheduler_running:
                for _ in range(60):
                    due, jobs = self._next_deadline(after=self.now, until=target)
                    if due is None:
                        break
                    # Only the jobs with work due then: the others' runs would find nothing to do.
                    self.now = due
                    ticks.append(due)
                    self._run_jobs(jobs)
                    self._deliver()
            self.now = target
            self.steps[-1].until = target
            self._run_jobs(CLOCK_JOBS)
            return f"ok: jobs ran at {len(ticks) + 1} moment(s)"
        what = f"the clock moves on {_span(delta)}" + ("" if scheduler_running else " with the scheduler down")
        return self._step(what, act) + self._deliver()

    def advance_to_next_deadline(self) -> str:
        """Time passes until the next thing falls due (a chase step, a reminder, a follow-up)."""
        due, _jobs = self._next_deadline(after=self.now, until=self.now + timedelta(days=60))
        if due is None:
            self.steps.append(StepNote(next(self._counter), self.now, "the clock waits for what is due",
                                       "nothing is due"))
            self.explicit_reopen, self.volunteer_done = set(), []
            return "nothing is due"
        return self.advance(due - self.now + timedelta(seconds=1))

    # --- the scheduler -----------------------------------------------------------------------------

    def _after_people(self) -> str:
        """After a person's step the outbox job runs within seconds (its checks first: see before_delivery)."""
        return self._deliver()

    before_delivery = None  # set by the checker: looks at outbound messages as they were queued

    def _deliver(self) -> str:
        """Run deliver_outbox now, after letting the checker see what was queued (invariant 5)."""
        if self.before_delivery is not None:
            self.before_delivery()
        self._run_jobs(("deliver_outbox",))
        return ""

    def _run_jobs(self, names) -> None:
        """Run jobs exactly as the scheduler does (run_job, with its ledger); a job error fails the test
        (invariant 0), or with 0 off is noted in the story while the run goes on, as the scheduler's would."""
        for name in names:
            db.session.remove()
            run = run_job(name, now=self.now)
            if run is not None and run.error:
                error = f"job {name} failed at {self.now:%a %d %b %H:%M}: {run.error}"
                db.session.remove()
                if "0" in enabled_invariants():
                    raise UnexpectedFailure(error)
                if self.steps:
                    self.steps[-1].problems.append(error)
            db.session.remove()

    def _next_deadline(self, *, after: datetime, until: datetime) -> tuple[datetime | None, tuple[str, ...]]:
        """The earliest moment in (after, until] at which a job has something to do, and those jobs.

        Work already due at `after` (a need opened a moment ago: its first ring) is done at the
        job's next run, a minute later."""
        candidates = [
            ("chase_open_needs", db.select(db.func.min(Need.next_chase_at)).where(
                Need.status == "open", Need.next_chase_at.is_not(None))),
            ("remind_claims", db.select(db.func.min(Claim.remind_at)).where(
                Claim.status == "active", Claim.reminded_at.is_(None))),
            ("remind_claims", db.select(db.func.min(Claim.due_at)).where(Claim.status == "active")),
            ("follow_up_fulfilled", db.select(db.func.min(Need.followup_at)).where(
                Need.status == "fulfilled", Need.followup_sent_at.is_(None), Need.feedback.is_(None))),
        ]
        due: dict[str, datetime] = {}
        for job, query in candidates:
            value = db.session.execute(query).scalar()
            if value is not None:
                at = max(_aware(value), after + timedelta(minutes=1)) if _aware(value) <= after else _aware(value)
                due[job] = min(at, due.get(job, at))
        db.session.remove()
        due = {job: at for job, at in due.items() if at <= until}
        if not due:
            return None, ()
        first = min(due.values())
        return first, tuple(job for job in CLOCK_JOBS if due.get(job) == first)

    # --- small reads ---------------------------------------------------------------------------------

    def _max_id(self, column) -> int:
        """The largest id in a table (0 when empty)."""
        return db.session.execute(db.select(db.func.coalesce(db.func.max(column), 0))).scalar_one()

    def _thread(self, phone: str) -> str:
        """The group number that last texted this phone (Hackney's when none has)."""
        number = db.session.execute(db.select(Message.from_number).where(
            Message.direction == "out", Message.to_number == phone, Message.from_number != "")
            .order_by(Message.id.desc()).limit(1)).scalar()
        db.session.remove()
        return number or GROUP_NUMBER

    def _person_id(self, phone: str) -> int | None:
        """The person with this phone."""
        return db.session.execute(db.select(Person.id).where(Person.phone == phone)).scalar_one_or_none()

    def _requester_refs(self, phone: str) -> list[str]:
        """References of the needs this phone's person asked for."""
        refs = list(db.session.execute(db.select(Need.ref).join(Person, Person.id == Need.requester_id)
                                       .where(Person.phone == phone)).scalars())
        db.session.remove()
        return refs

    def _opt_outs(self) -> dict[int, bool]:
        """Who is opted out now."""
        rows = dict(db.session.execute(db.select(Person.id, Person.opted_out)).all())
        db.session.remove()
        return {pid: bool(flag) for pid, flag in rows.items()}

    def story(self, last: int = 40) -> str:
        """The steps so far, with what each did, for failure messages."""
        lines = [f"  {s.number:>2}. [{s.at:%a %d %b %H:%M}{f' -> {s.until:%a %d %b %H:%M}' if s.until else ''}] "
                 f"{s.what} -> {s.outcome}"
                 + "".join(f" [{problem}]" for problem in s.problems) for s in self.steps[-last:]]
        return "\n".join(lines) or "  (no steps)"


def _aware(value: datetime) -> datetime:
    """Datetimes read back from SQLite may be naive UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _span(delta: timedelta) -> str:
    """A time span in words ("3 days 4 hours")."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
             if n]
    return " ".join(parts) or f"{int(delta.total_seconds())} seconds"


# --- the invariants ---------------------------------------------------------------------------------

class Checker:
    """Checks the invariants against the database after every step, remembering what it saw."""

    def __init__(self, world: World, invariants: frozenset[str] | None = None):
        self.world = world
        self.on = enabled_invariants() if invariants is None else invariants
        self.seen = world.seen
        world.before_delivery = self.look_at_new_messages
        self._new_messages: list[tuple] = []
        self.templates_told: set[str] = set()  # by the last step (for hypothesis' statistics)

    # Outbound messages are looked at as queued (before deliver_outbox touches them): invariant 5.
    def look_at_new_messages(self) -> None:
        """Remember new outbound messages with their status as queued, and who was opted out then."""
        rows = db.session.execute(db.select(
            Message.id, Message.person_id, Message.to_number, Message.template, Message.status, Message.need_id)
            .where(Message.direction == "out", Message.id > self.seen.message_id).order_by(Message.id)).all()
        phones = dict(db.session.execute(db.select(Person.phone, Person.id)).all())
        opted_now = dict(db.session.execute(db.select(Person.id, Person.opted_out)).all())
        db.session.remove()
        for row in rows:
            person_id = row.person_id or phones.get(row.to_number)
            opted_before = self.seen.opted_out.get(person_id, False)
            self._new_messages.append((row, person_id, opted_before and bool(opted_now.get(person_id))))
            self.seen.message_id = max(self.seen.message_id, row.id)

    def check(self) -> None:
        """Every enabled invariant, against the database as it is now."""
        world, seen, on = self.world, self.seen, self.on
        self.look_at_new_messages()
        new_messages, self._new_messages = self._new_messages, []
        self.templates_told = {row.template for row, _, _ in new_messages}
        seen.told |= self.templates_told
        needs = {n.id: n for n in db.session.execute(db.select(Need).order_by(Need.id)).scalars()}
        claims = list(db.session.execute(db.select(Claim).order_by(Claim.id)).scalars())
        active = defaultdict(list)
        for claim in claims:
            if claim.status == "active":
                active[claim.need_id].append(claim)
        events = defaultdict(list)
        for event in db.session.execute(db.select(AuditEvent).where(
                AuditEvent.id > seen.audit_id, AuditEvent.subject_type == "need").order_by(AuditEvent.id)).scalars():
            events[event.subject_id].append(event)
        inbound = db.session.execute(db.select(Message.id, Message.person_id, Message.body, Message.to_number).where(
            Message.direction == "in", Message.id > seen.inbound_id).order_by(Message.id)).all()
        latest_closing, closing_from = {}, {}  # need id -> its last "closing_soon", and the number it came from
        for message_id, need_id, number in db.session.execute(db.select(
                Message.id, Message.need_id, Message.from_number).where(
                Message.direction == "out", Message.template == "closing_soon").order_by(Message.id)).all():
            latest_closing[need_id], closing_from[need_id] = message_id, number
        step = world.steps[-1] if world.steps else None

        def fail(invariant: str, need: Need | None, problem: str) -> str:
            """The failure message: which invariant, the need's state, and the story."""
            about = ""
            if need is not None:
                history = db.session.execute(db.select(AuditEvent.action, AuditEvent.details).where(
                    AuditEvent.subject_type == "need", AuditEvent.subject_id == need.id)
                    .order_by(AuditEvent.id)).all()
                told = db.session.execute(db.select(Message.template, Message.person_id, Message.status).where(
                    Message.need_id == need.id, Message.direction == "out").order_by(Message.id)).all()
                about = (f"\nneed {need.ref}: status={need.status} closed_at={need.closed_at} "
                         f"next_chase_at={need.next_chase_at} level={need.escalation_level}"
                         f"\n  claims: {[(c.id, c.volunteer_id, c.status) for c in need.claims]}"
                         f"\n  audit: {[a for a, _ in history]}"
                         f"\n  told: {[(t, p, s) for t, p, s in told]}")
            return (f"invariant {invariant} broken at step {step.number if step else 0} "
                    f"({step.what if step else 'start'}): {problem}{about}\nsteps so far:\n{world.story()}")

        for need in needs.values():
            mine = active.get(need.id, [])
            # 1. At most one active claim per need.
            if "1" in on and len(mine) > 1:
                raise InvariantViolated(fail("1 (one active claim per need)", need,
                                             f"{len(mine)} active claims"))
            # 2. Claimed <=> exactly one active claim.
            if "2" in on and (need.status == "claimed") != (len(mine) == 1):
                raise InvariantViolated(fail("2 (claimed iff one active claim)", need,
                                             f"status {need.status} with {len(mine)} active claim(s)"))
            # 3. Closed needs: no chase due, closed_at set; needs in progress: closed_at NULL.
            if "3" in on and need.status in CLOSED and (need.next_chase_at is not None or need.closed_at is None):
                raise InvariantViolated(fail("3 (closed needs are not chased and have closed_at)", need,
                                             f"{need.status} with next_chase_at={need.next_chase_at}, "
                                             f"closed_at={need.closed_at}"))
            if "3" in on and need.status in IN_PROGRESS and need.closed_at is not None:
                raise InvariantViolated(fail("3 (needs in progress have no closed_at)", need,
                                             f"{need.status} with closed_at={need.closed_at}"))
            # 3b (extra). An open need is always on its ladder: nobody's request sits unchased.
            if "3b" in on and need.status == "open" and need.next_chase_at is None:
                raise InvariantViolated(fail("3b (open needs are chased)", need, "open with next_chase_at NULL"))
            # 4. Every status change (and every new need) leaves an audit event for that need.
            before = seen.status.get(need.id)
            if "4" in on and before != need.status:
                changes = [e for e in events.get(need.id, []) if e.action not in NOT_A_STATUS_CHANGE
                           and not (e.action == "need.chased" and (e.details or {}).get("step") != "expire")]
                if not changes:
                    raise InvariantViolated(fail("4 (status changes are audited)", need,
                                                 f"{before or 'new'} -> {need.status} with no audit event "
                                                 f"(events this step: {[e.action for e in events.get(need.id, [])]})"))
            # 6. A fulfilled need opens again only when someone explicitly reopens it.
            if "6" in on and before == "fulfilled" and need.status in IN_PROGRESS \
                    and need.ref not in world.explicit_reopen:
                raise InvariantViolated(fail("6 (fulfilled stays fulfilled unless reopened)", need,
                                             f"fulfilled -> {need.status} without a coordinator's reopen "
                                             f"or the requester's NO"))
            # 8 (extra). "We will close it in 2 days unless you reply": a requester who replied is not expired.
            if "8" in on and need.status == "expired" and before != "expired" \
                    and seen.replied.get(need.id, 0) > latest_closing.get(need.id, 0):
                raise InvariantViolated(fail("8 (a reply to the last message keeps the need)", need,
                                             "expired although the requester answered 'closing_soon' (their only "
                                             "need waiting for an answer, with no question of ours open)"))

        for row, person_id, opted_out in new_messages:
            need = needs.get(row.need_id)
            # 5. Nothing is queued (let alone sent) to a person who had opted out when it was written.
            if "5" in on and opted_out and row.template != "opted_out" and row.status != "suppressed":
                raise InvariantViolated(fail("5 (nothing queued to an opted-out person)", need,
                                             f"message {row.id} ({row.template}) to person {person_id} "
                                             f"queued as {row.status!r} while they were opted out"))
            # 7. "Your claim expired" only to the volunteer whose claim it was, while it was.
            if "7" in on and row.template == "claim_expired" and (
                    seen.status.get(row.need_id) != "claimed" or seen.claimer.get(row.need_id) != person_id):
                raise InvariantViolated(fail("7 (claim_expired only to the current claimer)", need,
                                             f"person {person_id} told claim_expired; before this step the need was "
                                             f"{seen.status.get(row.need_id)}, with an active claim by person "
                                             f"{seen.claimer.get(row.need_id)}"))
            # 7b (extra). The same for the reminder that asks them how it is going.
            if "7b" in on and row.template == "claim_reminder" and (
                    seen.status.get(row.need_id) != "claimed" or seen.claimer.get(row.need_id) != person_id):
                raise InvariantViolated(fail("7b (claim_reminder only to the current claimer)", need,
                                             f"person {person_id} reminded; before this step the need was "
                                             f"{seen.status.get(row.need_id)}, with an active claim by person "
                                             f"{seen.claimer.get(row.need_id)}"))

        # 5a (extra). Whatever was queued, nothing is sent to a person who was opted out before and after the step.
        sent_now = db.session.execute(db.select(Message.id, Message.template, Message.person_id, Message.need_id)
                                      .where(Message.direction == "out", Message.status.in_(SENT),
                                             Message.id.not_in(seen.sent) if seen.sent else True)).all()
        opted_now = {pid: bool(flag) for pid, flag in db.session.execute(
            db.select(Person.id, Person.opted_out)).all()}  # (also what the next check compares with)
        for row in sent_now:
            if "5a" in on and row.template != "opted_out" and seen.opted_out.get(row.person_id) \
                    and opted_now.get(row.person_id):
                raise InvariantViolated(fail("5a (nothing sent to an opted-out person)", needs.get(row.need_id),
                                             f"message {row.id} ({row.template}) sent to person {row.person_id}, "
                                             f"who had opted out"))
        seen.sent |= {row.id for row in sent_now}

        # 9 (extra). The claim reminder says "Reply DONE <ref> when it is done": that text must work.
        if "9" in on:
            for volunteer_id, ref in world.volunteer_done:
                need = next((n for n in needs.values() if n.ref == ref), None)
                if need is not None and seen.claimer.get(need.id) == volunteer_id and need.status != "fulfilled":
                    raise InvariantViolated(fail("9 (a volunteer's DONE <ref>, as the reminder says, works)", need,
                                                 f"the volunteer (person {volunteer_id}) texted DONE {ref} for their "
                                                 f"claim; the need is still {need.status}"))

        # Remember what we saw, for the next check.
        for message_id, person_id, body, to_number in inbound:
            if body != REPLY or not seen.idle.get(person_id, True):
                continue
            # The reply answers the open need whose last message came from the number they texted.
            waiting = [nid for nid, closing_id in latest_closing.items()
                       if closing_id < message_id and closing_from[nid] in (to_number, "") and nid in needs
                       and needs[nid].requester_id == person_id and seen.status.get(nid) == "open"
                       and seen.replied.get(nid, 0) < closing_id]
            if len(waiting) == 1:
                seen.replied[waiting[0]] = message_id
        seen.idle = defaultdict(lambda: True)
        for conv in db.session.execute(db.select(Conversation)).scalars():
            seen.idle[conv.person_id] &= (conv.state or {}).get("step", "idle") == "idle"
        seen.status = {n.id: n.status for n in needs.values()}
        seen.claimer = {n.id: (active[n.id][0].volunteer_id if active.get(n.id) else None) for n in needs.values()}
        seen.audit_id = world._max_id(AuditEvent.id)
        seen.inbound_id = db.session.execute(db.select(db.func.coalesce(db.func.max(Message.id), 0)).where(
            Message.direction == "in")).scalar_one()
        db.session.remove()
        seen.opted_out = opted_now
