"""The outbox: sending through Twilio, retries, outages, delivery reports, quiet hours, rate caps, relay, logs."""
from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from twilio.http.response import Response

from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Claim, Message, Need, Person
from mutualaid.claims.actions import claim_need
from mutualaid.messaging.outbox import deliver_outbox, queue_sms
from tests.builders import make_group, make_need, make_person, make_volunteer
from tests.concurrency import at_once
from tests.sms_helpers import ACCOUNT_SID, BASE_URL, GROUP_NUMBER, FakeTwilio, signed_post, sms_config, text_in

UTC = timezone.utc
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
SENDER = "+447911123456"
SENDER_NATIONAL = "07911123456"
VOLUNTEER_PHONE = "+447911123450"
OTHER_NUMBERS = [f"+4479111230{i:02d}" for i in range(20)]
# Webhooks are stamped with the real clock, so passes over their replies run at a later noon.
SOON = (datetime.now(UTC) + timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
SUMMER_NOON = datetime(2026, 7, 15, 11, 0, tzinfo=UTC)  # 12:00 BST
WINTER_NOON = datetime(2026, 1, 14, 12, 0, tzinfo=UTC)  # 12:00 GMT


class SwitchableTwilio(FakeTwilio):
    """FakeTwilio that is safe to share between threads and answers "down" while `down` is set.

    Its sids are told apart from text_in's inbound MessageSids (both live in Message.provider_sid).
    """

    def __init__(self, script=()):
        super().__init__(script)
        self.down = False
        self.lock = threading.Lock()

    def request(self, *args, **kwargs):
        """One API call at a time; a connection error for every call while Twilio is down."""
        with self.lock:
            if self.down:
                self.script.insert(0, "down")
            response = super().request(*args, **kwargs)
            if response.status_code == 201:
                answer = json.loads(response.text)
                response = Response(201, json.dumps({**answer, "sid": fake_sid(len(self.requests))}))
            return response


@pytest.fixture
def fake():
    """Twilio's HTTP transport for this test."""
    return SwitchableTwilio()


@pytest.fixture
def config_overrides(fake):
    """The real Twilio backend over the fake transport, sending from the group's number."""
    return sms_config(SMS_BACKEND="twilio", TWILIO_FROM_NUMBER=GROUP_NUMBER, TWILIO_HTTP_CLIENT=fake)


@pytest.fixture(autouse=True)
def group(app):
    """The Hackney group, owning the number neighbours text."""
    return make_group(phone_number=GROUP_NUMBER)


def queue(to: str, *, now: datetime, purpose: str = "notify", person: Person | None = None, urgent=False,
          group=None) -> Message:
    """Queue (and commit) one short message to `to`."""
    message = queue_sms(to_number=to, template="help", group=group, person=person, purpose=purpose,
                        urgent=urgent, params={"group": "Hackney Mutual Aid", "contact": ""}, now=now)
    db.session.commit()
    return message


def outbound(to: str | None = None) -> list[Message]:
    """Outbound messages (to `to`, if given), oldest first, fresh from the database."""
    db.session.expire_all()
    query = db.select(Message).where(Message.direction == "out").order_by(Message.id)
    if to is not None:
        query = query.where(Message.to_number == to)
    return list(db.session.execute(query).scalars())


def only_outbound(to: str | None = None) -> Message:
    """The one outbound message (to `to`)."""
    messages = outbound(to)
    assert len(messages) == 1, [m.template for m in messages]
    return messages[0]


def person(phone: str = SENDER) -> Person:
    """The person behind a phone number."""
    db.session.expire_all()
    return db.session.execute(db.select(Person).where(Person.phone == phone)).scalar_one()


def audit_actions(subject: Person) -> list[str]:
    """Audit actions recorded about a person."""
    return list(db.session.execute(db.select(AuditEvent.action).where(
        AuditEvent.subject_type == "person", AuditEvent.subject_id == subject.id)).scalars())


def fake_sid(n: int) -> str:
    """The sid SwitchableTwilio answers for its n-th request."""
    return f"SMfake{n:028d}"


def statuses() -> list[tuple]:
    """Every outbound message's delivery state, for before/after comparisons."""
    return [(m.id, m.status, m.error_code) for m in outbound()]


# --- sending through Twilio -----------------------------------------------------------------

def test_a_reply_is_posted_to_twilio_once_with_sender_body_and_status_callback(client, fake):
    text_in(client, "STATUS")
    reply = only_outbound(SENDER)
    deliver_outbox(now=SOON)
    assert [(r["method"], r["url"]) for r in fake.requests] == [("POST", MESSAGES_URL)]
    assert fake.requests[0]["data"] == {"To": SENDER, "From": GROUP_NUMBER, "Body": reply.body,
                                        "StatusCallback": BASE_URL + "/sms/status"}


def test_a_sent_reply_keeps_twilios_sid_and_is_marked_sent(client, fake):
    text_in(client, "STATUS")
    deliver_outbox(now=SOON)
    reply = only_outbound(SENDER)
    assert (reply.provider_sid, reply.status, reply.sent_at) == (fake_sid(1), "sent", SOON)


class TestMessagingService:
    """With a messaging service, Twilio picks the sender from the service's pool."""

    @pytest.fixture
    def config_overrides(self, fake):
        """A messaging service sid and no from number."""
        return sms_config(SMS_BACKEND="twilio", TWILIO_MESSAGING_SERVICE_SID="MG" + "1" * 32,
                          TWILIO_HTTP_CLIENT=fake)

    def test_the_request_names_the_messaging_service_and_no_from_number(self, client, fake):
        text_in(client, "STATUS")
        deliver_outbox(now=SOON)
        data = fake.requests[0]["data"]
        assert data["MessagingServiceSid"] == "MG" + "1" * 32 and "From" not in data
        assert data["To"] == SENDER


class TestOwnFromNumber:
    """TWILIO_FROM_NUMBER differs from the group's number."""

    FROM = "+442070000001"

    @pytest.fixture
    def config_overrides(self, fake):
        """A deployment-wide sender number."""
        return sms_config(SMS_BACKEND="twilio", TWILIO_FROM_NUMBER=self.FROM, TWILIO_HTTP_CLIENT=fake)

    def test_a_message_without_a_group_is_sent_from_twilio_from_number(self, fake):
        queue(SENDER, now=SUMMER_NOON, purpose="reply")
        deliver_outbox(now=SUMMER_NOON)
        assert fake.requests[0]["data"]["From"] == self.FROM

    def test_a_reply_comes_from_the_number_the_neighbour_texted(self, client, fake):
        text_in(client, "STATUS")
        deliver_outbox(now=SOON)
        assert fake.requests[0]["data"]["From"] == GROUP_NUMBER


class TestRealTransport:
    """Twilio's own HTTP transport, built but never called."""

    @pytest.fixture
    def config_overrides(self):
        """The Twilio backend without a stand-in transport."""
        return sms_config(SMS_BACKEND="twilio", TWILIO_FROM_NUMBER=GROUP_NUMBER)

    def test_a_twilio_call_gives_up_long_before_its_message_counts_as_abandoned(self, app):
        from mutualaid.messaging.sms_gateway import get_backend
        from mutualaid.messaging.outbox import STALE_SENDING

        # A call still hanging when another pass re-queues the "sending" row would send it twice.
        timeout = get_backend().client.http_client.timeout
        assert timeout is not None and 0 < timeout <= STALE_SENDING.total_seconds() / 4


# --- temporary failures ---------------------------------------------------------------------

@pytest.mark.parametrize("failure", [500, 503, 429, "down", "timeout"])
def test_a_temporary_failure_goes_back_to_the_queue_for_30_seconds(fake, failure):
    fake.script = [failure]
    message = queue(SENDER, now=SUMMER_NOON)
    report = deliver_outbox(now=SUMMER_NOON)
    db.session.refresh(message)
    assert (message.status, message.attempts, message.next_attempt_at) == (
        "queued", 1, SUMMER_NOON + timedelta(seconds=30))
    assert (message.provider_sid, report.retried, fake.accepted) == (None, 1, [])


@pytest.mark.parametrize("failure", [500, 429, "down", "timeout"])
def test_a_retried_message_is_sent_by_a_pass_after_its_retry_time(fake, failure):
    fake.script = [failure]
    message = queue(SENDER, now=SUMMER_NOON)
    deliver_outbox(now=SUMMER_NOON)
    deliver_outbox(now=SUMMER_NOON + timedelta(seconds=30))
    db.session.refresh(message)
    assert (message.status, message.attempts, message.provider_sid) == ("sent", 2, fake_sid(2))
    assert len(fake.accepted) == 1


def test_a_pass_before_the_retry_time_sends_nothing(fake):
    fake.script = [500]
    message = queue(SENDER, now=SUMMER_NOON)
    deliver_outbox(now=SUMMER_NOON)
    report = deliver_outbox(now=SUMMER_NOON + timedelta(seconds=29))
    db.session.refresh(message)
    assert (message.status, message.attempts, len(fake.requests), report.sent) == ("queued", 1, 1, 0)


def test_backoff_doubles_from_30_seconds_and_stops_at_15_minutes(fake):
    fake.script = [500] * 8
    message = queue(SENDER, now=SUMMER_NOON)
    now, delays = SUMMER_NOON, []
    for _ in range(8):
        deliver_outbox(now=now)
        db.session.refresh(message)
        delays.append(int((message.next_attempt_at - now).total_seconds()))
        now = message.next_attempt_at
    assert delays == [30, 60, 120, 240, 480, 900, 900, 900]
    assert message.attempts == 8 and message.status == "queued"


def test_twilio_down_for_an_hour_loses_and_duplicates_nothing(fake, group):
    messages = [queue(number, now=SUMMER_NOON, group=group) for number in OTHER_NUMBERS]
    expected = Counter((m.to_number, m.body) for m in messages)
    fake.down = True
    now = SUMMER_NOON
    while now < SUMMER_NOON + timedelta(hours=1):
        deliver_outbox(now=now)
        now += timedelta(seconds=30)
    assert fake.accepted == [] and len(fake.requests) > 20 * 6
    assert {m.status for m in outbound()} == {"queued"}
    fake.down = False
    back_up = now
    while any(m.status == "queued" for m in outbound()):
        assert now - back_up <= timedelta(minutes=16), "still queued 15 minutes after Twilio came back"
        deliver_outbox(now=now)
        now += timedelta(seconds=30)
    assert Counter((r["data"]["To"], r["data"]["Body"]) for r in fake.accepted) == expected
    assert {m.status for m in outbound()} == {"sent"} and len(outbound()) == 20


# --- permanent failures ---------------------------------------------------------------------

def test_carrier_opt_out_21610_fails_the_message_and_opts_the_person_out(client, fake):
    text_in(client, "STATUS")
    fake.script = [("error", 400, 21610)]
    report = deliver_outbox(now=SOON)
    reply = only_outbound(SENDER)
    assert (reply.status, reply.error_code, report.failed, report.retried) == ("failed", "21610", 1, 0)
    assert person().opted_out is True
    assert audit_actions(person()).count("person.opted_out") == 1


def test_nothing_is_queued_for_a_person_who_has_opted_out(client, fake):
    text_in(client, "STATUS")
    deliver_outbox(now=SOON)
    text_in(client, "STOP")
    later = queue(SENDER, now=SOON, person=person(), group=None)
    assert later.status == "suppressed" and later.next_attempt_at is None
    requests_before = len(fake.requests)
    deliver_outbox(now=SOON + timedelta(minutes=1))
    db.session.refresh(later)
    assert later.status == "suppressed" and len(fake.requests) == requests_before


def test_after_21610_later_messages_are_suppressed_without_a_request(client, fake):
    text_in(client, "STATUS")
    fake.script = [("error", 400, 21610)]
    deliver_outbox(now=SOON)
    later = queue(SENDER, now=SOON, person=person(), group=None)
    deliver_outbox(now=SOON + timedelta(minutes=1))
    db.session.refresh(later)
    assert later.status == "suppressed" and len(fake.requests) == 1


def test_invalid_number_21211_flags_the_phone_for_a_coordinator(client, fake):
    text_in(client, "STATUS")
    fake.script = [("error", 400, 21211)]
    deliver_outbox(now=SOON)
    reply = only_outbound(SENDER)
    assert (reply.status, reply.error_code) == ("failed", "21211")
    assert person().phone_status == "invalid" and person().opted_out is False
    assert "person.phone_invalid" in audit_actions(person())


@pytest.mark.parametrize("code", [21610, 21211])
def test_a_permanently_failed_message_is_never_tried_again(client, fake, code):
    text_in(client, "STATUS")
    fake.script = [("error", 400, code)]
    deliver_outbox(now=SOON)
    for hours in (1, 6, 48):
        deliver_outbox(now=SOON + timedelta(hours=hours))
    assert len(fake.requests) == 1 and only_outbound(SENDER).status == "failed"


# --- crashed workers and concurrent passes ----------------------------------------------------

def _left_sending(minutes_ago: int) -> Message:
    """A message a worker claimed `minutes_ago` and never finished."""
    then = SUMMER_NOON - timedelta(minutes=minutes_ago)
    message = queue(SENDER, now=then)
    message.status, message.attempts, message.updated_at = "sending", 1, then
    db.session.commit()
    return message


def test_a_message_left_sending_by_a_crashed_worker_is_sent_by_the_next_pass(fake):
    message = _left_sending(minutes_ago=10)
    deliver_outbox(now=SUMMER_NOON)
    db.session.refresh(message)
    assert (message.status, message.attempts, len(fake.accepted)) == ("sent", 2, 1)


def test_a_message_sending_for_only_a_minute_is_left_to_its_worker(fake):
    message = _left_sending(minutes_ago=1)
    deliver_outbox(now=SUMMER_NOON)
    db.session.refresh(message)
    assert (message.status, message.attempts, fake.requests) == ("sending", 1, [])


def test_two_passes_at_once_send_each_message_exactly_once(app, fake):
    numbers = OTHER_NUMBERS[:12]
    for number in numbers:
        queue(number, now=SUMMER_NOON)
    reports, errors = at_once(app, lambda: deliver_outbox(now=SUMMER_NOON))
    assert errors == []
    assert Counter(r["data"]["To"] for r in fake.requests) == Counter(numbers)
    assert sum(r.sent for r in reports) == 12
    assert [(m.status, m.attempts) for m in outbound()] == [("sent", 1)] * 12


# --- delivery reports (POST /sms/status) ------------------------------------------------------

@pytest.fixture
def sent_reply(client, fake) -> Message:
    """A reply to SENDER, accepted by Twilio and marked sent."""
    text_in(client, "STATUS")
    deliver_outbox(now=SOON)
    return only_outbound(SENDER)


def report_status(client, sid: str, status: str, **fields):
    """Twilio reports a message's delivery status."""
    form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID, "To": SENDER, **fields}
    return signed_post(client, "/sms/status", form)


def test_delivered_report_moves_a_sent_message_forward(client, sent_reply):
    response = report_status(client, sent_reply.provider_sid, "delivered")
    assert response.status_code == 204
    assert only_outbound(SENDER).status == "delivered"


def test_a_late_sent_report_does_not_move_a_delivered_message_back(client, sent_reply):
    report_status(client, sent_reply.provider_sid, "delivered")
    report_status(client, sent_reply.provider_sid, "sent")
    assert only_outbound(SENDER).status == "delivered"


def test_undelivered_report_keeps_the_carrier_error_code(client, sent_reply):
    report_status(client, sent_reply.provider_sid, "undelivered", ErrorCode="30003")
    reply = only_outbound(SENDER)
    assert (reply.status, reply.error_code) == ("undelivered", "30003")
    assert person().opted_out is False and person().phone_status == "ok"


def test_report_for_an_unknown_sid_is_acknowledged_and_changes_nothing(client, sent_reply):
    before = statuses()
    response = report_status(client, "SM" + "f" * 32, "delivered")
    assert response.status_code == 204 and statuses() == before


def test_forged_report_is_refused_and_changes_nothing(client, sent_reply):
    before = statuses()
    form = {"MessageSid": sent_reply.provider_sid, "MessageStatus": "undelivered", "ErrorCode": "21610"}
    response = signed_post(client, "/sms/status", form, token="not-our-token")
    assert response.status_code == 403
    assert statuses() == before and person().opted_out is False


def test_undelivered_report_with_21610_opts_the_person_out(client, sent_reply):
    report_status(client, sent_reply.provider_sid, "undelivered", ErrorCode="21610")
    assert person().opted_out is True
    assert audit_actions(person()) == ["person.opted_out"]


@pytest.mark.parametrize("status, code", [("delivered", None), ("undelivered", "30003"), ("failed", "21610")])
def test_the_same_report_twice_leaves_the_same_state(client, sent_reply, status, code):
    fields = {"ErrorCode": code} if code else {}
    report_status(client, sent_reply.provider_sid, status, **fields)
    once = (statuses(), person().opted_out, audit_actions(person()))
    again = report_status(client, sent_reply.provider_sid, status, **fields)
    assert again.status_code == 204
    assert (statuses(), person().opted_out, audit_actions(person())) == once


# --- quiet hours ------------------------------------------------------------------------------

# 23:30 in London, and 08:00 London the next morning, both in UTC.
LATE_EVENINGS = [
    pytest.param(datetime(2026, 1, 14, 23, 30, tzinfo=UTC), datetime(2026, 1, 15, 8, 0, tzinfo=UTC), id="winter"),
    pytest.param(datetime(2026, 7, 15, 22, 30, tzinfo=UTC), datetime(2026, 7, 16, 7, 0, tzinfo=UTC), id="summer"),
    pytest.param(datetime(2026, 3, 28, 23, 30, tzinfo=UTC), datetime(2026, 3, 29, 7, 0, tzinfo=UTC),
                 id="clocks-go-forward"),
    pytest.param(datetime(2026, 10, 24, 22, 30, tzinfo=UTC), datetime(2026, 10, 25, 8, 0, tzinfo=UTC),
                 id="clocks-go-back"),
]


@pytest.mark.parametrize("late, morning", LATE_EVENINGS)
def test_a_notification_at_half_past_eleven_waits_for_eight_in_the_morning(group, late, morning):
    message = queue(SENDER, now=late, group=group)
    assert message.next_attempt_at == morning


@pytest.mark.parametrize("late, morning", LATE_EVENINGS[:2])
def test_a_waiting_notification_is_not_sent_at_night_and_is_sent_at_eight(fake, group, late, morning):
    message = queue(SENDER, now=late, group=group)
    night = deliver_outbox(now=late + timedelta(minutes=1))
    deliver_outbox(now=morning - timedelta(seconds=1))
    assert (night.sent, fake.requests) == (0, [])
    deliver_outbox(now=morning)
    db.session.refresh(message)
    assert (message.status, len(fake.accepted)) == ("sent", 1)


def test_a_notification_after_midnight_waits_until_eight_the_same_morning(group):
    message = queue(SENDER, now=datetime(2026, 1, 15, 2, 0, tzinfo=UTC), group=group)
    assert message.next_attempt_at == datetime(2026, 1, 15, 8, 0, tzinfo=UTC)


def test_a_reply_late_at_night_is_sent_at_once(fake, group):
    late = datetime(2026, 1, 14, 23, 30, tzinfo=UTC)
    message = queue(SENDER, now=late, group=group, purpose="reply")
    deliver_outbox(now=late)
    db.session.refresh(message)
    assert (message.status, len(fake.accepted)) == ("sent", 1)


def test_an_urgent_notification_late_at_night_is_sent_at_once(fake, group):
    late = datetime(2026, 1, 14, 23, 30, tzinfo=UTC)
    message = queue(SENDER, now=late, group=group, urgent=True)
    deliver_outbox(now=late)
    db.session.refresh(message)
    assert (message.status, len(fake.accepted)) == ("sent", 1)


def test_a_persons_own_quiet_hours_replace_the_default(group):
    early_sleeper = make_person(phone=SENDER, sms_consent=True)
    early_sleeper.quiet_start, early_sleeper.quiet_end = 19, 9
    db.session.commit()
    evening = datetime(2026, 1, 14, 20, 0, tzinfo=UTC)  # 20:00 London: quiet for them, not by default
    message = queue(SENDER, now=evening, group=group, person=early_sleeper)
    assert message.next_attempt_at == datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def test_a_night_owl_with_own_quiet_hours_is_notified_late_in_the_evening(group):
    night_owl = make_person(phone=SENDER, sms_consent=True)
    night_owl.quiet_start, night_owl.quiet_end = 1, 7
    db.session.commit()
    late = datetime(2026, 1, 14, 23, 30, tzinfo=UTC)
    message = queue(SENDER, now=late, group=group, person=night_owl)
    assert message.next_attempt_at == late


def _passes_every_ten_minutes(start: datetime, until: datetime) -> None:
    """Run delivery passes from `start` until just before `until`."""
    now = start
    while now < until:
        deliver_outbox(now=now)
        now += timedelta(minutes=10)


WINTER_MORNING = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)


def test_a_notification_pushed_into_the_night_by_the_rate_cap_waits_for_the_morning(app, fake, group):
    app.config["SMS_MAX_PER_NUMBER_PER_HOUR"] = 1
    evening = datetime(2026, 1, 14, 20, 50, tzinfo=UTC)
    queue(SENDER, now=evening, group=group)
    second = queue(SENDER, now=evening, group=group)
    _passes_every_ten_minutes(evening, WINTER_MORNING)
    db.session.refresh(second)
    assert (len(fake.accepted), second.status, second.next_attempt_at) == (1, "queued", WINTER_MORNING)
    deliver_outbox(now=WINTER_MORNING)
    assert len(fake.accepted) == 2


def test_a_notification_retried_into_the_night_waits_for_the_morning(fake, group):
    fake.script = [500]
    evening = datetime(2026, 1, 14, 20, 59, 45, tzinfo=UTC)
    message = queue(SENDER, now=evening, group=group)
    _passes_every_ten_minutes(evening, WINTER_MORNING)
    db.session.refresh(message)
    assert (len(fake.requests), message.status, message.next_attempt_at) == (1, "queued", WINTER_MORNING)
    deliver_outbox(now=WINTER_MORNING)
    assert len(fake.accepted) == 1


# --- per-number rate cap ----------------------------------------------------------------------

@pytest.fixture
def cap_of_three(app):
    """At most three messages an hour to one number."""
    app.config["SMS_MAX_PER_NUMBER_PER_HOUR"] = 3


def test_the_hourly_cap_sends_three_and_defers_the_rest_by_twenty_minutes(fake, group, cap_of_three):
    for _ in range(5):
        queue(SENDER, now=WINTER_NOON, group=group)
    report = deliver_outbox(now=WINTER_NOON)
    assert (report.sent, report.deferred, len(fake.accepted)) == (3, 2, 3)
    deferred = [m for m in outbound(SENDER) if m.status == "queued"]
    assert [(m.next_attempt_at, m.last_error, m.attempts) for m in deferred] == [
        (WINTER_NOON + timedelta(minutes=20), "rate cap", 0)] * 2


def test_the_cap_on_one_number_does_not_hold_back_another(fake, group, cap_of_three):
    for _ in range(5):
        queue(SENDER, now=WINTER_NOON, group=group)
    other = queue(OTHER_NUMBERS[0], now=WINTER_NOON, group=group)
    deliver_outbox(now=WINTER_NOON)
    db.session.refresh(other)
    assert other.status == "sent"


def test_an_urgent_message_is_not_capped(fake, group, cap_of_three):
    for _ in range(3):
        queue(SENDER, now=WINTER_NOON, group=group)
    deliver_outbox(now=WINTER_NOON)
    urgent = queue(SENDER, now=WINTER_NOON, group=group, urgent=True)
    deliver_outbox(now=WINTER_NOON + timedelta(minutes=1))
    db.session.refresh(urgent)
    assert (urgent.status, len(fake.accepted)) == ("sent", 4)


# --- relay between requester and volunteer ----------------------------------------------------

REQUESTER_NAME = "Edna Canary"
STREET = "14 Mare Street"


@pytest.fixture
def volunteer(group) -> Person:
    """An approved volunteer with a phone, able to take two requests at once."""
    return make_volunteer(group, phone=VOLUNTEER_PHONE, name="Vera Lynn-Smith", capacity=2)


@pytest.fixture
def need(group) -> Need:
    """An open need from SENDER, with a name and a street address."""
    return make_need(name=REQUESTER_NAME, phone=SENDER, where=f"{STREET} E8 3RH")


@pytest.fixture
def claimed(volunteer, need) -> Need:
    """The need, claimed by the volunteer."""
    claim_need(volunteer, need.ref)
    return need


def caused_by(client, body: str, sender: str = SENDER) -> list[Message]:
    """Text `body` from `sender`; the outbound messages that text (and nothing before it) queued."""
    before = {m.id for m in outbound()}
    text_in(client, body, sender=sender)
    return [m for m in outbound() if m.id not in before]


def test_requester_text_is_relayed_to_the_volunteer(client, claimed):
    [message] = caused_by(client, "thank you, door code 1234")
    assert (message.to_number, message.template, message.need_id) == (VOLUNTEER_PHONE, "relay_to_volunteer",
                                                                       claimed.id)
    assert claimed.ref in message.body and "thank you, door code 1234" in message.body


def test_relay_to_the_volunteer_shows_no_phone_number_or_name_of_the_requester(client, claimed):
    [message] = caused_by(client, "thank you, door code 1234")
    for secret in (SENDER, SENDER_NATIONAL, "7911123456", "Edna", "Canary", "Mare"):
        assert secret not in message.body


def test_volunteer_text_is_relayed_to_the_requester_without_the_volunteers_details(client, claimed):
    [message] = caused_by(client, "on my way", sender=VOLUNTEER_PHONE)
    assert (message.to_number, message.template) == (SENDER, "relay_to_requester")
    assert "on my way" in message.body and claimed.ref in message.body
    for secret in (VOLUNTEER_PHONE, "07911123450", "Vera", "Lynn"):
        assert secret not in message.body


def test_volunteer_with_two_claims_is_asked_which_request_and_nothing_is_relayed(client, volunteer, claimed):
    second = make_need(name="Otto Other", phone=OTHER_NUMBERS[0], where="E8 3RH")
    claim_need(volunteer, second.ref)
    caused = caused_by(client, "on my way", sender=VOLUNTEER_PHONE)
    assert [(m.to_number, m.template) for m in caused] == [(VOLUNTEER_PHONE, "relay_which")]


def test_volunteer_with_two_claims_reaches_the_right_requester_by_starting_with_the_ref(client, volunteer,
                                                                                      claimed):
    second = make_need(name="Otto Other", phone=OTHER_NUMBERS[0], where="E8 3RH")
    claim_need(volunteer, second.ref)
    [message] = caused_by(client, f"{second.ref} on my way", sender=VOLUNTEER_PHONE)
    assert (message.to_number, message.template, message.need_id) == (OTHER_NUMBERS[0], "relay_to_requester",
                                                                       second.id)
    assert "on my way" in message.body


def test_a_third_partys_text_is_relayed_to_nobody(client, claimed):
    caused = caused_by(client, "thank you, door code 1234", sender=OTHER_NUMBERS[1])
    assert caused and {m.to_number for m in caused} == {OTHER_NUMBERS[1]}
    assert not any(m.template.startswith("relay_") for m in caused)


def test_yes_ref_from_an_approved_volunteer_claims_the_need(client, volunteer, need):
    text_in(client, f"YES {need.ref}", sender=VOLUNTEER_PHONE)
    db.session.refresh(need)
    claims = Claim.query.all()
    assert [(c.need_id, c.volunteer_id, c.status) for c in claims] == [(need.id, volunteer.id, "active")]
    assert need.status == "claimed"
    assert only_outbound(VOLUNTEER_PHONE).template == "claim_confirmed"


@pytest.mark.parametrize("who", ["pending volunteer", "stranger"])
def test_yes_ref_from_anyone_but_an_approved_volunteer_claims_nothing(client, group, need, who):
    phone = OTHER_NUMBERS[2]
    if who == "pending volunteer":
        make_volunteer(group, email="new@example.org", phone=phone, status="pending")
    text_in(client, f"YES {need.ref}", sender=phone)
    db.session.refresh(need)
    assert (need.status, Claim.query.count()) == ("open", 0)
    assert only_outbound(phone).template == "claim_not_volunteer"


def test_yes_ref_for_a_need_already_taken_tells_the_second_volunteer(client, group, claimed):
    make_volunteer(group, email="second@example.org", phone=OTHER_NUMBERS[3])
    text_in(client, f"YES {claimed.ref}", sender=OTHER_NUMBERS[3])
    assert only_outbound(OTHER_NUMBERS[3]).template == "claim_taken"
    assert [c.volunteer_id for c in Claim.query.all()] == [claimed.active_claim.volunteer_id]


def test_yes_ref_for_a_need_already_taken_still_stores_the_inbound_text(client, group, claimed):
    make_volunteer(group, email="second@example.org", phone=OTHER_NUMBERS[3])
    response = text_in(client, f"YES {claimed.ref}", sender=OTHER_NUMBERS[3])
    assert response.status_code == 200
    db.session.expire_all()
    inbound = db.session.execute(db.select(Message).where(Message.direction == "in")).scalars().all()
    assert [(m.body, m.status) for m in inbound] == [(f"YES {claimed.ref}", "processed")]


# --- logs -------------------------------------------------------------------------------------

@pytest.fixture
def every_logger_on(monkeypatch):
    """Undo logging.config's disable_existing_loggers (alembic's env.py runs fileConfig in migration tests)."""
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            monkeypatch.setattr(logger, "disabled", False)


def test_no_personal_data_reaches_the_logs(client, fake, caplog, volunteer, every_logger_on):
    caplog.set_level(logging.DEBUG)
    for name in ("mutualaid", "twilio", "werkzeug", "flask.app"):
        caplog.set_level(logging.DEBUG, logger=name)
    # SQL echo is a deployment switch (off unless someone turns it on) and prints every parameter.
    caplog.set_level(logging.WARNING, logger="sqlalchemy")
    need = make_need(name=REQUESTER_NAME, phone=SENDER, where=f"{STREET} E8 3RH")
    text_in(client, "hello")
    text_in(client, "I need a lift to the hospital")
    text_in(client, f"{STREET}, E8 3RH")
    text_in(client, "today")
    claim_need(volunteer, need.ref)
    text_in(client, f"thank you, I am at {STREET}")
    text_in(client, "on my way", sender=VOLUNTEER_PHONE)
    fake.script = ["timeout", 500, ("error", 400, 30003)]
    deliver_outbox(now=SOON)
    deliver_outbox(now=SOON + timedelta(hours=1))
    assert caplog.records, "nothing was logged at all: the test would prove nothing"
    for secret in (SENDER, SENDER_NATIONAL, "7911123456", VOLUNTEER_PHONE, "Edna", "Canary", "Mare Street",
                   "Vera"):
        assert secret not in caplog.text, secret


def test_a_delivery_report_that_beats_our_commit_is_applied_when_the_id_is_recorded(app, client, fake):
    """Twilio can call /sms/status before we have stored the message's sid; the report is kept."""
    from mutualaid.models import EarlyStatus
    from mutualaid.messaging.outbox import record_status

    text_in(client, "STATUS")
    sid = fake_sid(1)  # the sid the fake Twilio will give the first message it accepts
    assert record_status(sid, "undelivered", "30003", now=datetime.now(UTC)) is False
    assert db.session.get(EarlyStatus, sid).status == "undelivered"
    deliver_outbox(now=datetime.now(UTC))
    reply = db.session.execute(db.select(Message).where(Message.direction == "out")).scalar_one()
    assert reply.provider_sid == sid and reply.status == "undelivered" and reply.error_code == "30003"
    assert db.session.get(EarlyStatus, sid) is None
