"""A batch answered all together: the same answers as each text in its own savepoint, in a handful of statements."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import event

from mutualaid.claims.actions import claim_need
from mutualaid.extensions import db
from mutualaid.models import Conversation, Group, Message, Need, NeedMessage, Person
from mutualaid.people.opt_outs import keep_opt_out
from mutualaid.sms import actions, inbound_queue
from mutualaid.sms.actions import process_pending_inbound
from tests.builders import make_group, make_need, make_person, make_volunteer
from tests.sms.test_inbound_batches import inbound_statuses, number, outbox_by_recipient, store
from tests.sms_helpers import GROUP_NUMBER, sms_config, text_in

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
OTHER_NUMBER = "+442079876543"
# A: asked for help on the web, and a volunteer (V) has taken it, so their texts are relayed.
# B: an erased person who had said STOP from this number. C, D, E: nobody we know.
SENDERS = "ABCDEV"
BODIES = ["HELP", "STATUS", "hello", "need groceries", "E8 3RH", "1", "need groceries today E8 3RH", "STOP",
          "START", "necesito comida hoy E8 3RH", "LANG es", "", "thanks, see you at 5", "CANCEL", "2"]


@pytest.fixture
def config_overrides():
    """As in production (the job answers), and we answer STOP and HELP ourselves."""
    return sms_config(SMS_INBOUND_INLINE=False, SMS_TWILIO_ANSWERS_KEYWORDS=False)


def people_we_know() -> None:
    """The groups (one speaking Spanish), A's claimed request and B's kept opt-out."""
    group = make_group(phone_number=GROUP_NUMBER)
    make_group(slug="dalston", name="Dalston Apoyo", phone_number=OTHER_NUMBER, settings={"language": "es"})
    need = make_need(phone=number("A"), now=NOW - timedelta(hours=2))
    volunteer = make_volunteer(group, phone=number("V"))
    claim_need(volunteer, need.ref, now=NOW - timedelta(hours=1))
    keep_opt_out(number("B"), NOW - timedelta(days=30))
    db.session.commit()


def wipe() -> None:
    """Remove every row (as between tests)."""
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def store_to(client, texts) -> None:
    """The webhook stores each text (to either group's number), answering none."""
    for who, body, to in texts:
        assert text_in(client, body, sender=number(who), to=to).status_code == 200


def what_was_left() -> dict:
    """Everything answering leaves behind, comparable between two runs (need references and ids masked)."""
    db.session.expire_all()
    slug = dict(db.session.execute(db.select(Group.id, Group.slug)).all())
    people = sorted((phone, language, consent, opted_out, slug.get(group_id)) for phone, language, consent, opted_out,
                    group_id in db.session.execute(db.select(Person.phone, Person.language, Person.sms_consent,
                                                             Person.opted_out, Person.group_id)))
    conversations = sorted(((phone, slug[group_id], state) for phone, group_id, state in db.session.execute(
        db.select(Conversation.phone, Conversation.group_id, Conversation.state))), key=str)
    needs = sorted((status, category, language, slug[group_id]) for status, category, language, group_id in
                   db.session.execute(db.select(Need.status, Need.category, Need.language, Need.group_id)))
    return {"outbox": outbox_by_recipient(), "statuses": inbound_statuses(), "people": people,
            "conversations": conversations, "needs": needs,
            "relayed": sorted(db.session.execute(db.select(NeedMessage.author_role, NeedMessage.body)).all()),
            "linked": [(m.person_id is not None, m.need_id is not None) for m in db.session.execute(
                db.select(Message).where(Message.direction == "in").order_by(Message.id)).scalars()]}


def answered_both_ways(client, monkeypatch, texts, batch_size: int) -> tuple[dict, dict]:
    """What the job leaves answering each text of a batch in its own savepoint (as before), and what it
    leaves answering the batch all together, from the same start."""
    wipe()
    people_we_know()
    store_to(client, texts)
    with monkeypatch.context() as patch:
        patch.setattr(actions, "_answer_together", lambda *args: False)
        assert process_pending_inbound(NOW, batch_size=batch_size) == len(texts)
    one_by_one = what_was_left()
    wipe()
    people_we_know()
    store_to(client, texts)
    try:
        answered = process_pending_inbound(NOW, batch_size=batch_size)
    finally:
        together = what_was_left()
        wipe()
    assert answered == len(texts)
    return one_by_one, together


MORNING = [("A", "thanks, see you at 5", GROUP_NUMBER), ("B", "hello", GROUP_NUMBER), ("C", "HELP", OTHER_NUMBER),
           ("V", "STATUS", GROUP_NUMBER), ("D", "need groceries", GROUP_NUMBER), ("A", "STATUS", GROUP_NUMBER),
           ("E", "necesito comida hoy E8 3RH", OTHER_NUMBER), ("D", "E8 3RH", GROUP_NUMBER), ("B", "START", GROUP_NUMBER),
           ("C", "STOP", OTHER_NUMBER), ("D", "1", GROUP_NUMBER), ("E", "", GROUP_NUMBER)]


def test_known_and_new_texters_get_the_same_answers_together_as_one_by_one(client, monkeypatch):
    one_by_one, together = answered_both_ways(client, monkeypatch, MORNING, batch_size=5)
    assert together == one_by_one
    assert len(one_by_one["relayed"]) == 1  # A's thanks reached the volunteer
    assert [p for p in one_by_one["people"] if p[0] == number("B")][0][3] is False  # START after an erased STOP


@settings(max_examples=int(os.environ.get("INBOUND_EXAMPLES", "12")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(texts=st.lists(st.tuples(st.sampled_from(SENDERS), st.sampled_from(BODIES),
                                st.sampled_from([GROUP_NUMBER, OTHER_NUMBER])), min_size=1, max_size=14),
       batch_size=st.integers(1, 8))
def test_any_mix_of_texts_gets_the_same_answers_together_as_one_by_one(client, monkeypatch, texts, batch_size):
    note(f"texts={texts!r} batch_size={batch_size}")
    one_by_one, together = answered_both_ways(client, monkeypatch, texts, batch_size)
    assert together == one_by_one


def test_a_batch_of_new_texters_takes_a_few_statements_not_a_few_per_text(client, backend):
    make_group(phone_number=GROUP_NUMBER)
    store(client, [(chr(ord("A") + i), body) for i, body in enumerate(["HELP", "hello", "STOP", "HELP"] * 5)])
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert process_pending_inbound(NOW, batch_size=100) == 20
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(outbox_by_recipient()) == 20
    # Claim; read the batch, its senders and their earlier texts; create people and conversations; write it back:
    # one statement a table on PostgreSQL. SQLite inserts the rows one by one (at most 4 a text; 17 before).
    assert len(statements) <= (20 if backend == "postgresql" else 4 * 20), statements


def test_a_texter_created_meanwhile_is_answered_one_at_a_time_instead(client, monkeypatch, caplog):
    make_group(phone_number=GROUP_NUMBER)
    store(client, [("A", "HELP"), ("B", "HELP")])
    # Someone gives A's number on a web form after the batch looked for A: creating A again fails.
    make_person(phone=number("A"))
    monkeypatch.setattr(inbound_queue, "known_senders", lambda messages: inbound_queue.Senders({}, {}))
    assert process_pending_inbound(NOW, batch_size=2) == 2
    assert "answered one at a time after IntegrityError" in caplog.text
    assert inbound_statuses() == ["processed", "processed"]
    assert db.session.query(Person).filter_by(phone=number("A")).count() == 1
    assert {to: [template for template, _status, _body in sent] for to, sent in outbox_by_recipient().items()} == {
        number("A"): ["help"], number("B"): ["help"]}
