"""The process_inbound job in batches: the same answers as one text at a time, failures kept apart, two workers at once."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from mutualaid.extensions import db
from mutualaid.models import Group, Message, Need
from mutualaid.sms import actions
from mutualaid.sms.actions import InboundFailed, process_pending_inbound
from mutualaid.sms.console import messages_for
from tests.builders import make_coordinator, make_group
from tests.concurrency import at_once
from tests.sms_helpers import GROUP_NUMBER, sms_config, text_in

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
# A mixed morning, interleaved as texts arrive: a request in one text, a request over three texts,
# HELP, STOP and a text after it, a request in Spanish, and a status question.
MORNING = [("A", "need groceries today E8 3RH"), ("B", "need groceries"), ("C", "HELP"), ("B", "E8 3RH"),
           ("D", "STOP"), ("E", "necesito comida hoy E8 3RH"), ("B", "1"), ("D", "hello"), ("F", "STATUS")]


@pytest.fixture
def config_overrides():
    """As in production (the job answers), and we answer STOP and HELP ourselves."""
    return sms_config(SMS_INBOUND_INLINE=False, SMS_TWILIO_ANSWERS_KEYWORDS=False)


@pytest.fixture(autouse=True)
def group(app):
    """The group owning the number texted."""
    return make_group(phone_number=GROUP_NUMBER)


def number(who: str) -> str:
    """A UK mobile number for a letter."""
    return f"+4479111230{ord(who) - 60:02d}"


def store(client, texts) -> None:
    """The webhook stores each text, answering none."""
    for who, body in texts:
        assert text_in(client, body, sender=number(who)).status_code == 200


def inbound_statuses() -> list[str]:
    """Each stored text's status, oldest first."""
    return list(db.session.execute(db.select(Message.status).where(Message.direction == "in")
                                   .order_by(Message.id)).scalars())


def outbox_by_recipient() -> dict[str, list[tuple[str, str, str]]]:
    """What each number was sent, in order: template, status and body (need references masked)."""
    db.session.expire_all()
    refs = list(db.session.execute(db.select(Need.ref)).scalars())
    sent: dict[str, list[tuple[str, str, str]]] = {}
    for message in db.session.execute(db.select(Message).where(Message.direction == "out")
                                      .order_by(Message.id)).scalars():
        body = message.body
        for ref in refs:
            body = body.replace(ref, "<ref>")
        sent.setdefault(message.to_number, []).append((message.template, message.status, body))
    return sent


def wipe_and_start_again() -> None:
    """Remove every row and make the group again (as between tests)."""
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    make_group(phone_number=GROUP_NUMBER)


# A Spanish speaker whose later texts read as English: only a first text sets the language.
SWITCHING = [("E", "hola, necesito comida"), ("F", "hello"), ("E", "groceries please"), ("E", "E8 3RH"),
             ("F", "need a lift to the doctor E8 3RH tomorrow"), ("E", "2")]


@pytest.mark.parametrize("texts", [MORNING, SWITCHING], ids=["mixed", "languages"])
def test_a_batch_sends_the_same_replies_as_one_text_at_a_time(client, texts):
    store(client, texts)
    for message_id in db.session.execute(db.select(Message.id).where(Message.direction == "in")
                                         .order_by(Message.id)).scalars().all():
        actions.process_inbound(message_id, now=NOW)
    one_by_one, statuses_one_by_one = outbox_by_recipient(), inbound_statuses()
    needs_one_by_one = sorted(db.session.execute(db.select(Need.status, Need.category, Need.language)).all())
    wipe_and_start_again()

    store(client, texts)
    assert process_pending_inbound(NOW, batch_size=4) == len(texts)

    assert outbox_by_recipient() == one_by_one
    assert inbound_statuses() == statuses_one_by_one
    assert sorted(db.session.execute(db.select(Need.status, Need.category, Need.language)).all()) == needs_one_by_one
    assert sum(len(bodies) for bodies in one_by_one.values()) >= len(texts) - 1


def test_every_text_is_answered_once_however_often_the_job_runs(client):
    store(client, MORNING)
    assert process_pending_inbound(NOW, batch_size=3) == len(MORNING)
    first = outbox_by_recipient()
    assert process_pending_inbound(NOW) == 0
    assert outbox_by_recipient() == first
    assert set(inbound_statuses()) <= {"processed", "opted_out"}


def test_one_persons_texts_are_answered_in_the_order_they_came(client):
    store(client, [("B", "need groceries"), ("B", "E8 3RH"), ("B", "1")])
    process_pending_inbound(NOW, batch_size=100)
    need = db.session.execute(db.select(Need)).scalar_one()
    assert need.status == "open" and need.postcode == "E8 3RH" and need.urgency == "today"


def test_a_number_texting_past_the_cap_is_held_back_in_batches_as_one_by_one(app, client):
    app.config["SMS_MAX_INBOUND_PER_10_MINUTES"] = 3
    store(client, [("A", "STATUS")] * 5 + [("B", "STATUS")])
    process_pending_inbound(NOW, batch_size=10)
    assert inbound_statuses() == ["processed"] * 3 + ["rate_limited"] * 2 + ["processed"]
    assert len(outbox_by_recipient()[number("A")]) == 3


def test_one_person_texting_from_two_spellings_of_their_number_in_one_batch_is_one_person(client):
    from mutualaid.models import Conversation, Person

    for sender in ("+447911123456", "07911123456"):
        assert text_in(client, "STATUS", sender=sender).status_code == 200
    assert process_pending_inbound(NOW) == 2
    assert inbound_statuses() == ["processed", "processed"]
    assert db.session.execute(db.select(Person.phone)).scalars().all() == ["+447911123456"]
    assert db.session.query(Conversation).count() == 1 and len(outbox_by_recipient()["+447911123456"]) == 2


def test_a_text_that_fails_is_kept_and_the_others_are_answered(client, monkeypatch):
    real = actions.converse

    def converse(message, *args, **kwargs):
        if message.body == "boom":
            db.session.execute(text("SELECT 1"))  # the failure comes after work on the database
            raise ValueError("cannot answer this one")
        return real(message, *args, **kwargs)

    monkeypatch.setattr(actions, "converse", converse)
    store(client, [("A", "STATUS"), ("B", "boom"), ("C", "STATUS"), ("B", "STATUS"), ("D", "STATUS")])
    with pytest.raises(InboundFailed):
        process_pending_inbound(NOW, batch_size=10)
    db.session.expire_all()
    assert inbound_statuses() == ["processed", "received", "processed", "received", "processed"]
    assert sorted(outbox_by_recipient()) == sorted(number(who) for who in "ACD")
    failed = db.session.execute(db.select(Message).where(Message.body == "boom")).scalar_one()
    assert failed.attempts == 1 and failed.last_error == "ValueError" and failed.person_id is None

    for _ in range(actions.MAX_INBOUND_ATTEMPTS - 1):
        with pytest.raises(InboundFailed):
            process_pending_inbound(NOW)
    db.session.expire_all()
    # Left for a coordinator after the last try; the sender's next text is then answered.
    assert inbound_statuses() == ["processed", "unanswered", "processed", "processed", "processed"]
    assert [template for template, _status, _body in outbox_by_recipient()[number("B")]] == ["status"]
    # Coordinators find it among the texts that need a person.
    coordinator = make_coordinator(group=Group.query.one())
    problems = messages_for(coordinator, problems_only=True)
    assert [(m.direction, m.status, m.body) for m in problems] == [("in", "unanswered", "boom")]


def test_a_number_s_next_text_waits_until_its_earlier_one_is_answered(client):
    from mutualaid.sms.inbound_queue import claim_batch

    store(client, [("A", "need groceries"), ("B", "STATUS"), ("A", "E8 3RH")])
    first, second, later = db.session.execute(db.select(Message.id).where(Message.direction == "in")
                                              .order_by(Message.id)).scalars().all()
    assert claim_batch(10) == [first, second]
    assert claim_batch(10) == []  # still being answered, in this transaction
    db.session.rollback()
    assert inbound_statuses() == ["received"] * 3  # nothing claimed is lost when a worker stops


def test_the_job_ledger_records_a_failed_text_without_its_content(client, monkeypatch):
    from mutualaid.jobs.runner import run_job

    monkeypatch.setattr(actions, "converse", lambda *args, **kwargs: (_ for _ in ()).throw(ValueError("Ada")))
    store(client, [("A", "my name is Ada")])
    run = run_job("process_inbound")
    assert run.error.startswith("InboundFailed") and "Ada" not in run.error


@pytest.mark.parametrize("workers", [2, 3])
def test_several_workers_at_once_answer_every_text_exactly_once(app, client, backend, workers):
    if backend != "postgresql":
        pytest.skip("several workers share the queue on PostgreSQL; SQLite is for one process")
    texts = []
    for i in range(280):
        texts.append((i, "STATUS"))
        if i % 14 == 0:  # 20 numbers text twice in a row, some of them across two workers' batches
            texts.append((i, "HELP"))
    senders = {who: f"+4479112{who:05d}" for who, _body in texts}
    for who, body in texts:
        assert text_in(client, body, sender=senders[who]).status_code == 200
    handled, errors = at_once(app, lambda: process_pending_inbound(datetime.now(timezone.utc), batch_size=25),
                              workers)
    assert errors == []
    assert sum(handled) == 300
    db.session.expire_all()
    assert set(inbound_statuses()) == {"processed"}
    sent = outbox_by_recipient()
    for who, sender in senders.items():
        templates = [template for template, _status, _body in sent[sender]]
        # Each text answered once, and a second text only after the first.
        assert templates == (["status", "help"] if who % 14 == 0 else ["status"]), who
    assert sum(len(bodies) for bodies in sent.values()) == 300


def test_the_job_looks_for_texts_every_second_unless_told_otherwise(app):
    from config.settings import BaseConfig
    from mutualaid.jobs.scheduler import build_scheduler

    assert build_scheduler(app).get_job("process_inbound").trigger.interval.total_seconds() == 1.0
    app.config.update(BaseConfig.from_env({"SMS_INBOUND_EVERY_SECONDS": "0.5"}))
    assert build_scheduler(app).get_job("process_inbound").trigger.interval.total_seconds() == 0.5



def test_a_surge_that_outruns_the_statistics_is_claimed_by_the_senders_index(app, backend):
    """Thousands of texts arrive after the table's statistics were taken with a few in it (a quiet day,
    then a surge faster than autovacuum): the claim still asks each text's sender on the partial index
    of waiting texts, never by reading every waiting text for every waiting text (as NOT EXISTS did)."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL's planner; SQLite keeps no statistics unless asked")
    from mutualaid.sms import inbound_queue

    row = {"direction": "in", "channel": "sms", "to_number": GROUP_NUMBER, "body": "hi", "num_media": 0,
           "simulated": False, "urgent": False, "attempts": 0, "created_at": NOW, "updated_at": NOW}
    db.session.execute(db.insert(Message), [dict(row, from_number=f"+4479110{i:05d}", status="processed")
                                            for i in range(20)])
    db.session.commit()
    db.session.execute(text("ANALYZE message"))
    db.session.execute(db.insert(Message), [dict(row, from_number=f"+4479110{i % 500:05d}", status="received")
                                            for i in range(5000)])
    db.session.commit()
    query = inbound_queue.waiting_texts(100).compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = "\n".join(db.session.execute(text(f"EXPLAIN {query}")).scalars())
    assert "ix_message_inbound_waiting" in plan and "Index Cond: ((from_number = " in plan, plan
    assert "Join Filter" not in plan, plan

    first_of_each = {}  # each sender's oldest waiting text
    for id_, sender in db.session.execute(db.select(Message.id, Message.from_number)
                                          .where(Message.status == "received").order_by(Message.id)):
        first_of_each.setdefault(sender, id_)
    claimed = inbound_queue.claim_batch(100)
    assert claimed == sorted(first_of_each.values())[:100]
