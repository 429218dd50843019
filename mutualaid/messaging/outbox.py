"""The outbox: every outbound SMS is a row written with the change that caused it, sent after commit."""
from __future__ import annotations

import logging
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache, partial
from zoneinfo import ZoneInfo

from babel import Locale
from flask import current_app
from flask_babel import force_locale, gettext
from jinja2 import TemplateNotFound
from sqlalchemy import and_, exists, func, or_, update
from sqlalchemy.orm import aliased

from mutualaid.core import audit, bulk
from mutualaid.core.clients import per_app
from mutualaid.domain.phones import display_phone
from mutualaid.extensions import db
from mutualaid.messaging import costs
from mutualaid.messaging.email_gateway import get_email_backend
from mutualaid.messaging.limits import (
    fit,
    gsm_lookalikes,
    in_quiet_hours,
    quiet_hours_end,
    retry_delay,
)
from mutualaid.messaging.pacing import Pacer
from mutualaid.messaging.sms_gateway import (
    INVALID_NUMBER_CODES,
    OPTED_OUT_CODES,
    PermanentFailure,
    TemporaryFailure,
    get_backend,
)
from mutualaid.models import EarlyStatus, Group, Message, Person
from mutualaid.people.opt_outs import number_opted_out

log = logging.getLogger(__name__)

DEFAULT_QUIET = (21, 8)
SENT_STATUSES = ("sending", "sent", "accepted", "queued_remote", "delivered", "undelivered", "read")
STALE_SENDING = timedelta(minutes=5)
# Purposes that may wait for the morning; replies to someone who just texted may not.
DEFERRABLE = frozenset({"notify", "chase", "relay"})
# The text confirming an erasure asked for by text (people/erasure.py): emptied once it has gone.
FORGOTTEN = "forgotten"
# A wave is about WAVE_SECONDS of sending at the configured rate (MAX_WAVE unpaced); a pass takes no
# new wave after PASS_SECONDS, far below STALE_SENDING.
WAVE_SECONDS = 2
MAX_WAVE = 100
PASS_SECONDS = 30


@lru_cache(maxsize=64)
def _locale(language: str) -> Locale:
    """The Babel locale for a language code (parsed once: parsing looks for its data on disk)."""
    return Locale.parse(language)


def render_sms(template: str, language: str, **params) -> str:
    """Render templates/sms/<template>.txt in `language`, on one line, within 3 segments.

    Our own words are kept to the GSM alphabet; text relayed from a person is left as written.
    """
    with force_locale(_locale(language or "en")):
        # Straight from the Jinja environment: no page context (no session, no CSRF token).
        text = " ".join(current_app.jinja_env.get_template(f"sms/{template}.txt").render(**params).split())
    return fit(text if template.startswith("relay_") else gsm_lookalikes(text))


def _local(now: datetime, group: Group | None) -> datetime:
    """`now` in the group's time zone."""
    zone = ZoneInfo(group.timezone if group and group.timezone else "Europe/London")
    return now.astimezone(zone)


def quiet_hours_for(person: Person | None) -> tuple[int, int]:
    """A person's quiet hours, or the default (21:00-08:00)."""
    if person is not None and person.quiet_start is not None and person.quiet_end is not None:
        return person.quiet_start, person.quiet_end
    return DEFAULT_QUIET


def _after_quiet_hours(now: datetime, group: Group | None, person: Person | None) -> datetime | None:
    """When `now` falls in the person's quiet hours (group's time zone), their end in UTC; else None."""
    start, end = quiet_hours_for(person)
    local = _local(now, group)
    if not in_quiet_hours(local, start, end):
        return None
    return quiet_hours_end(local, start, end).astimezone(timezone.utc)


def may_text(person: Person) -> bool:
    """Whether this person agreed to texts: by the web form's or API's "you may text me", by texting
    us themselves, or by giving their number to the group as a volunteer or coordinator. Someone
    imported from a spreadsheet is texted only when the sheet recorded their consent."""
    if person.imported_at is not None:
        return bool(person.sms_consent)
    return bool(person.sms_consent or person.role in ("volunteer", "coordinator") or person.volunteer is not None)


def queue_sms(*, to_number: str, template: str, group: Group | None, person: Person | None = None,
              params: dict | None = None, purpose: str = "reply", need=None, urgent: bool = False,
              conversation=None, simulated: bool = False, language: str | None = None,
              now: datetime | None = None) -> Message | None:
    """Add an outbound message to the outbox (the caller's transaction commits it; None when rows are collected)."""
    now = now or datetime.now(timezone.utc)
    language = language or (person.language if person else "en")
    body = render_sms(template, language, **(params or {}))
    send_at = now
    if purpose in DEFERRABLE and not urgent:
        send_at = _after_quiet_hours(now, group, person) or now
    row = _message_row(group_id=getattr(group, "id", None), person_id=getattr(person, "id", None),
                       need_id=getattr(need, "id", None), conversation_id=getattr(conversation, "id", None),
                       from_number=(group.phone_number if group else "") or "", to_number=to_number, body=body,
                       purpose=purpose, template=template, urgent=urgent,
                       simulated=simulated or bool(person and person.simulated) or bool(need and need.practice),
                       next_attempt_at=send_at, created_at=now, updated_at=now)
    if template != "opted_out" and (person.opted_out if person is not None else number_opted_out(to_number)):
        # Kept for coordinators, never sent: STOP holds from the moment it arrives (a text queued
        # before it is stopped at delivery instead).
        row.update(status="suppressed", last_error="opted out", next_attempt_at=None)
    elif person is not None and not may_text(person):
        # Kept for coordinators, never sent: they asked not to be texted (notifications use email instead).
        row.update(status="suppressed", last_error="no consent to texts", next_attempt_at=None)
    elif (refusal := costs.texting_refusal(group, to_number)) is not None:
        # Kept for coordinators, never sent: a country the group does not text, or a costly number type.
        row.update(status="suppressed", last_error=refusal, next_attempt_at=None)
    return _keep(row)


_MESSAGE = Message.__table__
# Every column an outbound row sets, so rows written together all carry the same keys.
_OUTBOUND = {"direction": "out", "channel": "sms", "to_address": "", "conversation_id": None, "group_id": None,
             "person_id": None, "need_id": None, "from_number": "", "to_number": "", "num_media": 0, "body": "",
             "status": "queued", "purpose": "", "template": "", "urgent": False, "simulated": False, "attempts": 0,
             "next_attempt_at": None, "last_error": "", "created_at": None, "updated_at": None}


def _message_row(**fields) -> dict:
    """An outbound message's columns, as plain values."""
    return {**_OUTBOUND, **fields}


def _keep(row: dict) -> Message | None:
    """Add the message to the session, or to the rows being collected (core/bulk.py: then None is returned)."""
    rows = bulk.pending()
    if rows is not None:
        rows.add(_MESSAGE, row)
        return None
    message = Message(**row)
    db.session.add(message)
    return message


def _email_defaults(group: Group | None) -> dict:
    """What every email may say about the group: its name, its texting number, how else to reach it, its site."""
    return {"group": group.name if group else "mutualaid",
            "number": display_phone(group.phone_number) if group and group.phone_number else "",
            "contact": group.contact_text if group else "",
            "site": (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")}


def queue_email(*, to_address: str, template: str, group: Group | None, person: Person | None = None,
                params: dict | None = None, purpose: str = "notify", need=None, urgent: bool = False,
                simulated: bool = False, language: str | None = None, now: datetime | None = None) -> Message | None:
    """Add an email to the outbox: templates/email/<template>.txt, whose first line is the subject."""
    now = now or datetime.now(timezone.utc)
    language = language or (person.language if person else "en")
    params = {**_email_defaults(group), **(params or {})}
    with force_locale(_locale(language)):
        try:
            # Straight from the Jinja environment, as texts are: no page context, so it renders the same
            # inside a webhook's request (which has no session) as in a job.
            text = current_app.jinja_env.get_template(f"email/{template}.txt").render(**(params or {})).strip()
        except TemplateNotFound:
            # No email wording of its own: the SMS wording, under a plain subject.
            subject = gettext("A message from %(group)s", group=group.name if group else "mutualaid")
            text = f"{subject}\n{render_sms(template, language, **(params or {}))}"
    return _keep(_message_row(channel="email", to_address=to_address, group_id=getattr(group, "id", None),
                              person_id=getattr(person, "id", None), need_id=getattr(need, "id", None), body=text,
                              purpose=purpose, template=template, urgent=urgent,
                              simulated=simulated or bool(person and person.simulated) or bool(need and need.practice),
                              next_attempt_at=now, created_at=now, updated_at=now))


@dataclass
class DeliveryReport:
    """What one delivery pass did (counts only: no personal data)."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    suppressed: int = 0
    deferred: int = 0
    ids: list[int] = field(default_factory=list)


def _status_callback_url() -> str | None:
    """Where Twilio should report delivery (needs PUBLIC_BASE_URL)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    return f"{base.rstrip('/')}/sms/status" if base else None


def _quiet_wait(message: Message, person: Person | None, now: datetime) -> datetime | None:
    """A message that may wait but fell due (retry, rate cap) in quiet hours waits for their end."""
    if message.urgent or message.purpose not in DEFERRABLE:
        return None
    return _after_quiet_hours(now, db.session.get(Group, message.group_id) if message.group_id else None, person)


def _cap_wait(message: Message, now: datetime) -> datetime | None:
    """When a per-number rate cap is reached, the time to try again; else None."""
    if message.channel != "sms" or message.urgent or message.template == "opted_out":
        return None
    hourly = current_app.config["SMS_MAX_PER_NUMBER_PER_HOUR"]
    daily = current_app.config["SMS_MAX_PER_NUMBER_PER_DAY"]
    recent = db.session.execute(
        db.select(func.count(Message.id)).where(
            Message.direction == "out", Message.to_number == message.to_number, Message.id != message.id,
            Message.status.in_(SENT_STATUSES), Message.sent_at >= now - timedelta(days=1))
    ).scalar_one()
    if recent >= daily:
        return now + timedelta(hours=6)
    last_hour = db.session.execute(
        db.select(func.count(Message.id)).where(
            Message.direction == "out", Message.to_number == message.to_number, Message.id != message.id,
            Message.status.in_(SENT_STATUSES), Message.sent_at >= now - timedelta(hours=1))
    ).scalar_one()
    return now + timedelta(minutes=20) if last_hour >= hourly else None


def _claim_wave(now: datetime, size: int, only_ids=None) -> list[int]:
    """Take up to `size` due messages for sending, urgent first, each at most once (also across processes).

    A message waits while an earlier one to the same recipient is being sent, is due, or is waiting to be
    retried, so each person gets their texts in the order they were written. Rows another process is
    choosing are skipped (PostgreSQL), and the UPDATE takes only rows still queued, so no row is taken twice.
    """
    earlier = aliased(Message)
    waiting_before = exists().where(
        earlier.direction == "out", earlier.channel == Message.channel, earlier.to_number == Message.to_number,
        earlier.to_address == Message.to_address, earlier.id < Message.id,
        or_(earlier.status == "sending",
            and_(earlier.status == "queued",
                 or_(earlier.attempts > 0, earlier.next_attempt_at.is_(None), earlier.next_attempt_at <= now))))
    query = db.select(Message.id).where(
        Message.direction == "out", Message.status == "queued",
        or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now), ~waiting_before,
    ).order_by(Message.urgent.desc(), Message.id).limit(size).with_for_update(skip_locked=True)
    if only_ids is not None:
        query = query.where(Message.id.in_(list(only_ids)))
    candidates = list(db.session.execute(query).scalars())
    if not candidates:
        db.session.commit()
        return []
    taken = set(db.session.execute(
        update(Message).where(Message.id.in_(candidates), Message.status == "queued")
        .values(status="sending", attempts=Message.attempts + 1, updated_at=now)
        .returning(Message.id).execution_options(synchronize_session=False)).scalars())
    db.session.commit()
    return [message_id for message_id in candidates if message_id in taken]


def _recover_stale(now: datetime) -> None:
    """Messages left 'sending' by a worker that died go back to the queue."""
    db.session.execute(
        update(Message).where(Message.status == "sending", Message.updated_at < now - STALE_SENDING)
        .values(status="queued", last_error="worker stopped while sending")
    )
    db.session.commit()


def sending_pacer() -> Pacer:
    """This process's pacer (SMS_SEND_RATE_PER_SECOND per sender), kept between passes."""
    return per_app("mutualaid.sms_pacer", lambda config: Pacer(float(config["SMS_SEND_RATE_PER_SECOND"])))


def deliver_outbox(now: datetime | None = None, limit: int = 200, only_ids=None,
                   pacer: Pacer | None = None) -> DeliveryReport:
    """Send what is due, at most once each, at the provider's pace; temporary failures are retried with
    capped backoff.

    Messages are taken in waves of about two seconds' sending, sent by a few threads (the HTTP calls
    only; the database work stays here), and recorded as the provider answers. A pass stops after
    PASS_SECONDS, so a backlog never holds a claim near STALE_SENDING.
    """
    now = now or datetime.now(timezone.utc)
    report = DeliveryReport()
    _recover_stale(now)
    pacer = pacer or sending_pacer()
    rate = float(current_app.config["SMS_SEND_RATE_PER_SECOND"])
    threads = max(1, int(current_app.config["SMS_SEND_CONCURRENCY"]))
    wave = min(MAX_WAVE, max(threads, math.ceil(rate * WAVE_SECONDS))) if rate > 0 else MAX_WAVE
    spends: dict = {}  # each group's day as this pass last saw it (see costs.cap_wait)
    started, taken = pacer.clock(), 0
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="outbox") as pool:
        while taken < limit and pacer.clock() - started < PASS_SECONDS:
            ids = _claim_wave(now, min(wave, limit - taken), only_ids)
            if not ids:
                break
            taken += len(ids)
            _deliver_wave(ids, now, report, spends, pacer, pool)
    return report


def _deliver_wave(ids: list[int], now: datetime, report: DeliveryReport, spends: dict, pacer: Pacer,
                  pool: ThreadPoolExecutor) -> None:
    """Check, send (paced, in threads) and record one wave of claimed messages, in the order given."""
    messages = {m.id: m for m in db.session.execute(db.select(Message).where(Message.id.in_(ids))).scalars()}
    in_flight: list = []
    for message_id in ids:
        message = messages[message_id]
        person = db.session.get(Person, message.person_id) if message.person_id else None
        group = db.session.get(Group, message.group_id) if message.group_id else None
        if _held(message, person, group, now, report, spends):
            _forget_if_gone(message)
            continue
        backend, call = _sender_call(message)
        pacer.wait(backend.sender(message.from_number or None) if backend else None)
        in_flight.append((message, person, group, pool.submit(_attempt, call)))
        # Record what has come back while waiting for the next slot, so the wave ends with little left.
        in_flight = _record_finished(in_flight, now, report, spends)
    _record_finished(in_flight, now, report, spends, wait=True)
    db.session.commit()  # what rules held back


def _record_finished(in_flight: list, now: datetime, report: DeliveryReport, spends: dict,
                     wait: bool = False) -> list:
    """Record and commit the sends that have come back (all of them when `wait`); return those still going.

    Committed as they come back, so a worker that dies leaves only the calls in flight to be retried.
    """
    going, recounted = [], set()
    for message, person, group, future in in_flight:
        if wait or future.done():
            _record(message, person, group, future.result(), now, report, spends)
            _forget_if_gone(message)
            if message.sent_at is not None and group is not None:
                recounted.add(group.id)
        else:
            going.append((message, person, group, future))
    for message, _, group, _ in going:
        if group is not None and group.id in recounted:
            # The group's day was just read back without the texts still in flight: count them again.
            costs.count_pending(message, group, now, spends)
    if len(going) < len(in_flight):
        db.session.commit()
    return going


def _forget_if_gone(message: Message) -> None:
    """The confirmation that someone was erased: once it has gone, nothing keeps their number."""
    if message.template == FORGOTTEN and message.status != "queued":
        message.to_number, message.body = "", ""


def _attempt(call):
    """Run one provider call in a sending thread; its failure is returned, never raised."""
    try:
        return call()
    except (TemporaryFailure, PermanentFailure) as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - recorded as a retry, so the rest of the wave is still recorded
        log.exception("outbox: unexpected error while sending")
        return TemporaryFailure(type(exc).__name__)


def _held(message: Message, person: Person | None, group: Group | None, now: datetime,
          report: DeliveryReport, spends: dict) -> bool:
    """Whether a rule stops or defers this claimed message (recorded on it); else it may be sent."""
    if person is not None and person.opted_out and message.template != "opted_out":
        message.status, message.last_error = "suppressed", "opted out"
        report.suppressed += 1
        return True
    if person is not None and person.phone_status == "invalid":
        message.status, message.last_error = "suppressed", "number marked invalid"
        report.suppressed += 1
        return True
    wait, reason = _quiet_wait(message, person, now), "quiet hours"
    if wait is None:
        wait, reason = _cap_wait(message, now), "rate cap"
    if wait is None and (wait := costs.cap_wait(message, group, now, spends)) is not None:
        _announce_cap(group, now, spends)
        reason = costs.CAP_REASON
    if wait is not None:
        message.status, message.next_attempt_at, message.last_error = "queued", wait, reason
        message.attempts -= 1
        report.deferred += 1
        return True
    costs.count_pending(message, group, now, spends)
    return False


def _record(message: Message, person: Person | None, group: Group | None, outcome, now: datetime,
            report: DeliveryReport, spends: dict) -> None:
    """Record what the provider answered for one message."""
    if isinstance(outcome, TemporaryFailure):
        message.status, message.last_error = "queued", str(outcome)[:200]
        message.next_attempt_at = now + retry_delay(message.attempts)
        report.retried += 1
        log.warning("SMS %s temporary failure (attempt %d): %s", message.id, message.attempts, outcome)
        return
    if isinstance(outcome, PermanentFailure):
        message.status, message.error_code, message.last_error = "failed", str(outcome.code or ""), str(outcome)[:200]
        report.failed += 1
        _permanent_failure(message, person, outcome.code, now)
        return
    message.provider_sid, message.sent_at = outcome.sid, now
    message.status = "delivered" if outcome.status == "delivered" else "sent"
    costs.record_sent(message, group, now, spends)
    _announce_cap(group, now, spends)
    _apply_early_status(message, now)
    report.sent += 1
    report.ids.append(message.id)


def _announce_cap(group: Group | None, now: datetime, spends: dict) -> None:
    """Once a day, when a group's daily cap is reached: audit it and email its coordinators (the front
    page's banner reads the day's row)."""
    if (spend := costs.cap_to_announce(group, now, spends)) is None:
        return
    audit.record("group.sms_cap_reached", group, now=now, cap=spend.cap, segments=spend.segments)
    coordinators = db.session.execute(db.select(Person).where(
        Person.group_id == group.id, Person.role == "coordinator", Person.email.is_not(None))).scalars()
    for coordinator in coordinators:
        if coordinator.email:
            queue_email(to_address=coordinator.email, template="sms_cap_reached", group=group, person=coordinator,
                        params={"cap": spend.cap, "segments": spend.segments}, purpose="notify", urgent=True,
                        now=now)


def _sender_call(message: Message):
    """The SMS backend (None for email) and a call handing the message to its channel, built here, so
    the sending threads need no app context."""
    if message.channel == "email":
        subject, _, body = message.body.partition("\n")
        backend = get_email_backend(message.simulated)
        return None, partial(backend.send, to=message.to_address, subject=subject.strip(), body=body.strip())
    backend = get_backend(message.simulated)
    return backend, partial(backend.send, to=message.to_number, body=message.body, from_=message.from_number or None,
                            status_callback=None if message.simulated else _status_callback_url())


def _permanent_failure(message: Message, person: Person | None, code: int | None, now: datetime) -> None:
    """21610: the person opted out at the carrier; invalid numbers are flagged for a coordinator."""
    if person is None:
        return
    if code in OPTED_OUT_CODES and not person.opted_out:
        person.opted_out, person.opted_out_at = True, now
        audit.record("person.opted_out", person, now=now, via="carrier")
    elif code in INVALID_NUMBER_CODES:
        person.phone_status = "invalid"
        audit.record("person.phone_invalid", person, now=now, code=code)


STATUS_RANK = {"queued": 0, "sending": 1, "accepted": 1, "scheduled": 1, "sent": 2,
               "delivered": 4, "undelivered": 4, "failed": 4, "read": 5}


def record_status(sid: str, status: str, error_code: str | None, now: datetime | None = None) -> bool:
    """Record a delivery report, only ever moving forward; returns whether anything changed.

    A report for a message we have not yet matched to its provider id (the callback beat our
    commit) is kept and applied when the id is recorded.
    """
    now = now or datetime.now(timezone.utc)
    status = (status or "").lower()
    if status not in STATUS_RANK or not sid:
        return False
    message = db.session.execute(db.select(Message).where(Message.provider_sid == sid)).scalar_one_or_none()
    if message is None:
        early = db.session.get(EarlyStatus, sid[:64])
        if early is None or STATUS_RANK[status] > STATUS_RANK.get(early.status, 0):
            db.session.merge(EarlyStatus(provider_sid=sid[:64], status=status, error_code=error_code,
                                         received_at=now))
            db.session.commit()
        return False
    changed = _apply_status(message, status, error_code, now)
    db.session.commit()
    return changed


def _apply_status(message: Message, status: str, error_code: str | None, now: datetime) -> bool:
    """Move a message's delivery status forward (never back); flag the person on permanent failure."""
    if STATUS_RANK[status] <= STATUS_RANK.get(message.status, 0):
        return False
    message.status, message.updated_at = status, now
    if error_code:
        message.error_code = str(error_code)[:12]
    if status in ("undelivered", "failed"):
        person = db.session.get(Person, message.person_id) if message.person_id else None
        code = int(error_code) if error_code and str(error_code).isdigit() else None
        _permanent_failure(message, person, code, now)
    return True


def _apply_early_status(message: Message, now: datetime) -> None:
    """Apply a delivery report that arrived before the provider's id was recorded."""
    early = db.session.get(EarlyStatus, message.provider_sid)
    if early is not None:
        _apply_status(message, early.status, early.error_code, now)
        db.session.delete(early)
