"""Texts, emails and audit events kept as rows (core/bulk.collected) are exactly the rows written one at a time."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mutualaid.core import audit, bulk
from mutualaid.extensions import db
from mutualaid.messaging.notifications import tell
from mutualaid.models import AuditEvent, Message
from tests.builders import make_coordinator, make_group, make_need, make_person, make_volunteer
from tests.sms_helpers import GROUP_NUMBER, sms_config

NIGHT = datetime(2026, 3, 2, 23, 30, tzinfo=timezone.utc)  # quiet hours: texts that may wait, wait


@pytest.fixture
def config_overrides():
    """Console SMS."""
    return sms_config()


@pytest.fixture
def people(app):
    """One of each: texts, email, opted out, no consent to texts, a costly number, Spanish."""
    group = make_group(phone_number=GROUP_NUMBER)
    need = make_need(now=NIGHT)
    opted_out = make_person(phone="+447911123402", sms_consent=True)
    opted_out.opted_out = True
    db.session.commit()
    return need, [make_volunteer(group, phone="+447911123401"),
                  make_coordinator(group, email="c@example.org", phone="+447911123403"),
                  opted_out,
                  make_person(phone="+447911123404"),
                  make_person(phone="+449001234567", sms_consent=True),
                  make_person(phone="+447911123405", sms_consent=True, language="es")]


def queue_everything(need, people) -> None:
    """What a chase step writes: a text or email to each person, and an audit event."""
    for person in people:
        tell(person, "closing_soon", group=need.group, need=need, params={"ref": need.ref}, purpose="chase",
             now=NIGHT)
    tell(people[1], "coordinator_alert", group=need.group, need=need, purpose="chase", prefer="email", now=NIGHT,
         params={"ref": need.ref, "category": need.category, "hours": 3, "reason": "unknown"})
    audit.record("need.chased", need, now=NIGHT, step="last_message")


def written() -> dict:
    """The rows written, in id order, without their ids."""
    columns = [c for c in Message.__table__.c if c.name != "id"]
    return {"messages": [tuple(r) for r in db.session.execute(
                db.select(*columns).where(Message.direction == "out").order_by(Message.id))],
            "audit": [tuple(r) for r in db.session.execute(
                db.select(AuditEvent.action, AuditEvent.subject_id, AuditEvent.group_id, AuditEvent.details,
                          AuditEvent.created_at).where(AuditEvent.action == "need.chased").order_by(AuditEvent.id))]}


def forget() -> None:
    """Delete what queue_everything wrote."""
    db.session.execute(db.delete(Message).where(Message.direction == "out"))
    db.session.execute(db.delete(AuditEvent).where(AuditEvent.action == "need.chased"))
    db.session.commit()


def test_collected_rows_are_the_rows_written_one_at_a_time(people):
    need, everyone = people
    forget()
    queue_everything(need, everyone)
    db.session.commit()
    one_at_a_time = written()
    forget()
    with bulk.collected():
        queue_everything(need, everyone)
        assert written()["messages"] == []  # kept until the block ends
    db.session.commit()
    assert written() == one_at_a_time
    statuses = {(m[written_index("status")], m[written_index("last_error")]) for m in one_at_a_time["messages"]}
    assert {("queued", ""), ("suppressed", "opted out"), ("suppressed", "no consent to texts")} <= statuses
    assert any(status == "suppressed" and "premium" in error for status, error in statuses)


def written_index(name: str) -> int:
    """Where column `name` sits in a row of written()["messages"]."""
    return [c.name for c in Message.__table__.c if c.name != "id"].index(name)


def test_nothing_collected_is_written_when_the_block_fails(people):
    need, everyone = people
    forget()
    with pytest.raises(RuntimeError), bulk.collected():
        queue_everything(need, everyone)
        raise RuntimeError("a step failed")
    db.session.commit()
    assert written() == {"messages": [], "audit": []}
