"""The daily spend cap: past it only answers to people who texted us go, other texts wait for the group's next
day, and coordinators are told once a day; counted in the database, so every process sees the same spend."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from mutualaid.extensions import db
from mutualaid.messaging.costs import CAP_REASON, spend_today
from mutualaid.messaging.limits import segments
from mutualaid.messaging.outbox import deliver_outbox, queue_sms
from mutualaid.models import AuditEvent, Group, Message, SmsSpend
from tests.builders import make_coordinator, make_group, make_person
from tests.conftest import make_app
from tests.sms_helpers import GROUP_NUMBER, FakeTwilio, sms_config

UTC = timezone.utc
NOON = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # 12:00 in London (winter)
NEXT_MIDNIGHT = datetime(2026, 3, 5, 0, 0, tzinfo=UTC)
NEXT_NOON = NOON + timedelta(days=1)
NUMBERS = [f"+4474001230{i:02d}" for i in range(30)]
CAP = 3


@pytest.fixture
def fake():
    """Twilio's HTTP transport for this test."""
    return FakeTwilio()


@pytest.fixture
def config_overrides(fake):
    """The real Twilio backend over the fake transport."""
    return sms_config(SMS_BACKEND="twilio", TWILIO_FROM_NUMBER=GROUP_NUMBER, TWILIO_HTTP_CLIENT=fake)


@pytest.fixture
def group(app):
    """Hackney, in London's time zone, whose cap is three segments a day."""
    group = make_group(phone_number=GROUP_NUMBER, timezone="Europe/London", settings={"sms_daily_cap": CAP})
    make_coordinator(group, email="ada@example.org")
    make_coordinator(group, email="bea@example.org")
    return group


def queue(to: str, *, purpose: str = "notify", now: datetime = NOON, simulated: bool = False) -> Message:
    """Queue (and commit) one one-segment text from the group."""
    message = queue_sms(to_number=to, template="help", group=_group(), purpose=purpose,
                        params={"group": "Hackney Mutual Aid", "contact": ""}, simulated=simulated, now=now)
    db.session.commit()
    assert segments(message.body) == 1
    return message


def _group() -> Group:
    """The one group."""
    return db.session.execute(db.select(Group)).scalar_one()


def fresh(message: Message) -> Message:
    """The message as the database holds it now."""
    db.session.expire_all()
    return db.session.get(Message, message.id)


def cap_emails() -> list[str]:
    """Addresses the cap alert was queued for."""
    return list(db.session.execute(db.select(Message.to_address).where(
        Message.channel == "email", Message.template == "sms_cap_reached").order_by(Message.id)).scalars())


def cap_audits() -> int:
    """How many times the cap being reached was recorded."""
    return len(db.session.execute(db.select(AuditEvent.id).where(
        AuditEvent.action == "group.sms_cap_reached")).all())


def test_under_the_cap_everything_is_sent_and_counted(group, fake):
    messages = [queue(number) for number in NUMBERS[:2]]
    deliver_outbox(now=NOON)
    assert [fresh(m).status for m in messages] == ["sent", "sent"]
    assert len(fake.accepted) == 2
    assert spend_today(_group(), NOON).segments == 2
    assert cap_emails() == []


def test_at_the_cap_new_notices_wait_for_the_next_day(group, fake):
    for number in NUMBERS[:CAP]:
        queue(number)
    deliver_outbox(now=NOON)
    held = queue(NUMBERS[CAP])
    chase = queue(NUMBERS[CAP + 1], purpose="chase")
    deliver_outbox(now=NOON)
    for message in (fresh(held), fresh(chase)):
        assert (message.status, message.last_error, message.next_attempt_at) == ("queued", CAP_REASON, NEXT_MIDNIGHT)
    assert len(fake.accepted) == CAP


def test_one_pass_stops_at_the_cap_in_the_middle(group, fake):
    messages = [queue(number) for number in NUMBERS[:CAP + 2]]
    deliver_outbox(now=NOON)
    assert [fresh(m).status for m in messages] == ["sent"] * CAP + ["queued"] * 2
    assert spend_today(_group(), NOON).segments == CAP and cap_audits() == 1


def test_at_the_cap_a_reply_to_someone_who_texted_still_goes_and_is_counted(group, fake):
    for number in NUMBERS[:CAP]:
        queue(number)
    deliver_outbox(now=NOON)
    reply = queue(NUMBERS[10], purpose="reply")
    deliver_outbox(now=NOON)
    assert fresh(reply).status == "sent"
    assert spend_today(_group(), NOON).segments == CAP + 1


def test_at_the_cap_a_message_passed_between_a_neighbour_and_their_volunteer_still_goes(group, fake):
    for number in NUMBERS[:CAP]:
        queue(number)
    deliver_outbox(now=NOON)
    relay = queue(NUMBERS[11], purpose="relay")
    deliver_outbox(now=NOON)
    assert fresh(relay).status == "sent"


def test_the_coordinators_are_alerted_once_a_day_and_not_twice(group, fake):
    for number in NUMBERS[:CAP]:
        queue(number)
    deliver_outbox(now=NOON)
    assert cap_emails() == ["ada@example.org", "bea@example.org"]
    for number in NUMBERS[CAP:CAP + 3]:
        queue(number)
        deliver_outbox(now=NOON + timedelta(minutes=30))
    queue(NUMBERS[20], purpose="reply")
    deliver_outbox(now=NOON + timedelta(hours=1))
    assert cap_emails() == ["ada@example.org", "bea@example.org"]
    assert cap_audits() == 1


def test_a_notice_held_at_the_cap_alerts_even_when_the_cap_was_lowered_after_the_sending(group, fake):
    queue(NUMBERS[0])
    deliver_outbox(now=NOON)
    _group().settings = {"sms_daily_cap": 1}
    db.session.commit()
    held = queue(NUMBERS[1])
    deliver_outbox(now=NOON)
    assert fresh(held).last_error == CAP_REASON
    assert cap_emails() == ["ada@example.org", "bea@example.org"] and cap_audits() == 1


def test_the_next_day_sending_resumes_and_a_new_alert_may_go(group, fake):
    for number in NUMBERS[:CAP]:
        queue(number)
    deliver_outbox(now=NOON)
    held = queue(NUMBERS[CAP])
    deliver_outbox(now=NOON)
    deliver_outbox(now=NEXT_NOON)
    assert fresh(held).status == "sent"
    assert spend_today(_group(), NEXT_NOON).segments == 1
    assert spend_today(_group(), NOON).segments == CAP
    for number in NUMBERS[CAP + 1:CAP + 3]:
        queue(number, now=NEXT_NOON)
    deliver_outbox(now=NEXT_NOON)
    assert len(cap_emails()) == 4 and cap_audits() == 2


def test_the_day_is_the_group_s_own(app, fake):
    group = make_group(phone_number=GROUP_NUMBER, timezone="America/New_York", settings={"sms_daily_cap": 1})
    late = datetime(2026, 3, 5, 1, 0, tzinfo=UTC)  # still 4 March, 20:00, in New York
    queue(NUMBERS[0], purpose="reply", now=late)
    deliver_outbox(now=late)
    held = queue(NUMBERS[1], now=late)
    deliver_outbox(now=late)
    assert fresh(held).next_attempt_at == datetime(2026, 3, 5, 5, 0, tzinfo=UTC)  # midnight in New York
    assert db.session.execute(db.select(SmsSpend.day)).scalar_one().isoformat() == "2026-03-04"
    assert group.id


def test_practice_texts_wait_at_the_cap_but_cost_nothing(group, fake):
    practice = queue(NUMBERS[0], simulated=True)
    deliver_outbox(now=NOON)
    assert fresh(practice).status == "delivered"
    assert spend_today(_group(), NOON).segments == 0
    for number in NUMBERS[1:CAP + 1]:
        queue(number)
    deliver_outbox(now=NOON)
    held = queue(NUMBERS[10], simulated=True)
    deliver_outbox(now=NOON)
    assert (fresh(held).status, fresh(held).last_error) == ("queued", CAP_REASON)


def test_the_spend_is_counted_in_the_database_so_another_process_sees_it(group, fake, app):
    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"], **sms_config(SMS_BACKEND="console"))
    for number in NUMBERS[:CAP]:
        queue(number)
    with other.app_context():
        deliver_outbox(now=NOON)
        db.session.remove()
        db.engine.dispose()
    db.session.expire_all()
    assert spend_today(_group(), NOON).segments == CAP
    held = queue(NUMBERS[CAP])
    deliver_outbox(now=NOON)
    assert fresh(held).last_error == CAP_REASON
    assert fake.accepted == []


def test_emails_are_not_held_by_the_text_cap(group, fake):
    for number in NUMBERS[:CAP]:
        queue(number)
    deliver_outbox(now=NOON)
    deliver_outbox(now=NOON)
    emails = db.session.execute(db.select(Message.status).where(Message.channel == "email")).scalars().all()
    assert len(emails) == 2 and set(emails) <= {"sent", "delivered"}


def test_the_coordinators_front_page_shows_the_banner_once_the_cap_is_reached(group, client, auth):
    auth.login("ada@example.org")
    assert 'data-testid="sms-cap-reached"' not in client.get("/coordinator/").get_data(as_text=True)
    today = datetime.now(UTC)
    for number in NUMBERS[:CAP]:
        queue(number, purpose="reply", now=today)
    deliver_outbox(now=today)
    page = client.get("/coordinator/").get_data(as_text=True)
    assert 'data-testid="sms-cap-reached"' in page and f"({CAP} of {CAP})" in page


class TestConsoleBackend:
    """The console backend (and so a test install) keeps the same cap."""

    @pytest.fixture
    def config_overrides(self):
        """Console SMS."""
        return sms_config(SMS_BACKEND="console")

    def test_the_console_backend_counts_and_holds_at_the_cap(self, group):
        for number in NUMBERS[:CAP]:
            queue(number)
        deliver_outbox(now=NOON)
        held = queue(NUMBERS[CAP])
        deliver_outbox(now=NOON)
        assert spend_today(_group(), NOON).segments == CAP
        assert (fresh(held).status, fresh(held).last_error) == ("queued", CAP_REASON)
        assert cap_audits() == 1


def test_a_notice_to_a_known_person_is_held_at_the_cap_too(group, fake):
    person = make_person(phone=NUMBERS[29], sms_consent=True, group=group)
    for number in NUMBERS[:CAP]:
        queue(number)
    deliver_outbox(now=NOON)
    message = queue_sms(to_number=person.phone, template="help", group=_group(), person=person, purpose="notify",
                        params={"group": "Hackney Mutual Aid", "contact": ""}, now=NOON)
    db.session.commit()
    deliver_outbox(now=NOON)
    assert fresh(message).last_error == CAP_REASON
