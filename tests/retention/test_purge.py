"""The retention purge: months of a group, the clock moved on, and what is left."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from mutualaid.claims.actions import claim_need, complete_claim, relay_from_web
from mutualaid.coordination import dashboard, public_figures
from mutualaid.extensions import db
from mutualaid.jobs.runner import run_job
from mutualaid.models import Conversation, JobRun, Message, Need, NeedMessage, NeedNote, Person
from mutualaid.messaging.outbox import queue_sms
from mutualaid.needs import lifecycle
from mutualaid.people.opt_outs import number_opted_out
from mutualaid.retention.actions import BATCH, purge_personal_data
from tests.builders import make_coordinator, make_group, make_need, make_volunteer

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)


@pytest.fixture
def group(app):
    """Hackney, with a coordinator and a volunteer who does groceries."""
    group = make_group(phone_number="+442071234567")
    make_coordinator(group)
    make_volunteer(group, phone="+447911123401")
    return group


def volunteer() -> Person:
    """The group's volunteer."""
    return db.session.execute(db.select(Person).where(Person.role == "volunteer")).scalar_one()


def coordinator() -> Person:
    """The group's coordinator."""
    return db.session.execute(db.select(Person).where(Person.role == "coordinator")).scalar_one()


def need_with(canary: str, phone: str, *, now: datetime, email: str = "", **kw) -> Need:
    """A need whose requester's name, address and words each carry `canary`."""
    return make_need(details=f"Shopping for {canary}, ring twice", name=f"Ada {canary}",
                     where=f"12 {canary} Street E8 3RH", phone=phone, email=email, now=now, **kw)


def fulfilled(need: Need, *, at: datetime, canary: str) -> Need:
    """Claimed, written to, noted and done at `at`: every text column of the need gets the canary."""
    helper = volunteer()
    claim_need(helper, need.ref, now=at - timedelta(hours=5))
    relay_from_web(helper, need.ref, f"On my way {canary}", now=at - timedelta(hours=4))
    db.session.add(NeedNote(need_id=need.id, author_id=coordinator().id, body=f"Note {canary}", created_at=at))
    db.session.add(Message(direction="in", group_id=need.group_id, need_id=need.id, person_id=need.requester_id,
                           from_number=need.requester.phone, body=f"Thanks {canary}", created_at=at))
    db.session.commit()
    return complete_claim(helper, need.ref, f"Done {canary}", now=at)


def cancelled(need: Need, *, at: datetime) -> Need:
    """Cancelled by the requester at `at`."""
    lifecycle.cancel(need, actor=need.requester, now=at, via="sms", by_requester=True)
    db.session.commit()
    return need


def draft_with(canary: str, phone: str, *, now: datetime) -> Need:
    """A text dialogue that stopped half way: a draft need, its conversation and the texts so far."""
    need = need_with(canary, phone, now=now)
    need.status = "draft"
    db.session.add(Conversation(phone=phone, group_id=need.group_id, person_id=need.requester_id,
                                draft_need_id=need.id, state={"step": "where", "details": f"milk {canary}"}))
    db.session.add(Message(direction="in", group_id=need.group_id, need_id=need.id, person_id=need.requester_id,
                           from_number=phone, body=f"I need milk {canary}", created_at=now))
    db.session.commit()
    return need


def everything_held() -> str:
    """Every row of every table, as one string: what a canary must not be found in."""
    rows = []
    for table in db.metadata.sorted_tables:
        rows += [repr(tuple(row)) for row in db.session.execute(table.select()).all()]
    return "\n".join(rows)


def months_of_a_group() -> dict[str, Need]:
    """Needs of every kind made over three months from T0."""
    needs = {
        "old_done": need_with("Oldfulfilcanary", "+447911200101", now=T0, email="oldcanary@example.org"),
        "old_cancelled": need_with("Oldcancelcanary", "+447911200102", now=T0 + DAY),
        "old_open": need_with("Oldopencanary", "+447911200103", now=T0 + 2 * DAY),
        "recent_done": need_with("Recentcanary", "+447911200104", now=T0 + 80 * DAY),
        "draft": draft_with("Draftcanary", "+447911200105", now=T0 + 3 * DAY),
        "fresh_draft": draft_with("Freshdraftcanary", "+447911200106", now=T0 + 95 * DAY),
    }
    fulfilled(needs["old_done"], at=T0 + DAY, canary="Oldfulfilcanary")
    cancelled(needs["old_cancelled"], at=T0 + 2 * DAY)
    fulfilled(needs["recent_done"], at=T0 + 81 * DAY, canary="Recentcanary")
    return needs


LATER = T0 + 100 * DAY  # the old ones closed 98-99 days before; the recent one 19 days before


def test_closed_needs_past_retention_lose_every_trace_of_their_requester(group):
    needs = months_of_a_group()
    purge_personal_data(LATER)
    held = everything_held()
    for canary in ("Oldfulfilcanary", "Oldcancelcanary", "Draftcanary", "+447911200101", "+447911200102",
                   "+447911200105", "oldcanary@example.org"):
        assert canary not in held
    old = db.session.get(Need, needs["old_done"].id)
    assert old.purged_at == LATER and old.requester_id is None and old.details == "" and old.address_text == ""
    assert old.exact_lat is None and old.postcode is None and old.submission_digest is None
    assert (old.status, old.category, old.public_label) == ("fulfilled", "groceries", needs["old_done"].public_label)
    assert old.public_lat is not None and old.closed_at is not None


def test_open_and_recently_closed_needs_keep_their_personal_data(group):
    needs = months_of_a_group()
    purge_personal_data(LATER)
    held = everything_held()
    for canary in ("Oldopencanary", "+447911200103", "Recentcanary", "+447911200104", "Freshdraftcanary"):
        assert canary in held
    recent = db.session.get(Need, needs["recent_done"].id)
    assert recent.purged_at is None and recent.requester.name == "Ada Recentcanary"
    assert db.session.get(Need, needs["old_open"].id).requester.phone == "+447911200103"


def test_message_words_go_sooner_than_the_rest_of_the_request(group):
    needs = months_of_a_group()
    purge_personal_data(T0 + 115 * DAY)  # the recent one closed 34 days before: past 30, not 90
    recent = db.session.get(Need, needs["recent_done"].id)
    assert recent.purged_at is None and "Recentcanary" in recent.details
    assert all(m.body == "" for m in db.session.execute(db.select(NeedMessage).where(
        NeedMessage.need_id == recent.id)).scalars())
    assert all(m.body == "" for m in db.session.execute(db.select(Message).where(
        Message.need_id == recent.id)).scalars())


def test_a_group_can_keep_messages_longer(group):
    needs = months_of_a_group()
    group.settings = {"message_retention_days": 60}
    db.session.commit()
    purge_personal_data(T0 + 115 * DAY)
    assert db.session.execute(db.select(NeedMessage.body).where(
        NeedMessage.need_id == needs["recent_done"].id)).scalar_one() == "On my way Recentcanary"


def test_stale_drafts_go_with_their_conversation(group):
    needs = months_of_a_group()
    draft_id = needs["draft"].id
    purged = purge_personal_data(LATER)
    assert purged.drafts == 1
    assert db.session.get(Need, draft_id) is None
    assert db.session.get(Need, needs["fresh_draft"].id).status == "draft"
    phones = set(db.session.execute(db.select(Conversation.phone)).scalars())
    assert "+447911200105" not in phones and "+447911200106" in phones


def test_someone_with_another_live_request_keeps_their_contact(group):
    old = need_with("Twicecanary", "+447911200107", now=T0)
    cancelled(old, at=T0 + DAY)
    make_need(details="Bread", name="Ada Twicecanary", phone="+447911200107", now=T0 + 99 * DAY)
    purge_personal_data(LATER)
    person = db.session.execute(db.select(Person).where(Person.phone == "+447911200107")).scalar_one()
    assert person.name == "Ada Twicecanary"
    assert db.session.get(Need, old.id).requester_id is None and db.session.get(Need, old.id).details == ""


def test_an_opted_out_number_is_kept_only_as_a_keyed_hash_so_stop_still_holds(group):
    old = need_with("Stopcanary", "+447911200108", now=T0)
    old.requester.opted_out = True
    person_id = old.requester_id
    cancelled(old, at=T0 + DAY)
    purged = purge_personal_data(LATER)
    person = db.session.get(Person, person_id)
    assert person.opted_out and person.name == "" and person.email is None and person.phone is None
    assert purged.people == 1
    assert number_opted_out("+447911200108") and not number_opted_out("+447911200109")
    queue_sms(to_number="+447911200108", template="help", group=group, now=LATER)  # a text to that number later
    assert db.session.execute(db.select(Message.status).where(
        Message.to_number == "+447911200108", Message.direction == "out")).scalars().all()[-1] == "suppressed"


def test_a_second_run_changes_nothing(group):
    months_of_a_group()
    first = purge_personal_data(LATER)
    before = everything_held()
    again = purge_personal_data(LATER)
    assert first.needs == 2 and first.drafts == 1 and first.people == 3
    assert again.total == 0 and everything_held() == before


def test_the_job_leaves_a_ledger_row_with_counts_and_no_personal_data(group, caplog):
    months_of_a_group()
    caplog.set_level("INFO")
    run = run_job("purge_personal_data", LATER)
    assert run is not None and run.error == "" and run.rows > 0
    assert run_job("purge_personal_data", LATER) is None  # idle: nothing left to do
    assert db.session.execute(db.select(db.func.count(JobRun.id)).where(
        JobRun.name == "purge_personal_data")).scalar_one() == 1
    assert "needs=2" in caplog.text and "drafts=1" in caplog.text
    assert "canary" not in caplog.text.lower() and "+4479112001" not in caplog.text


def test_a_large_backlog_is_purged_in_batches(group, monkeypatch):
    commits = []
    monkeypatch.setattr(db.session, "commit", lambda real=db.session.commit: (commits.append(1), real())[1])
    for i in range(5):
        cancelled(need_with(f"Batch{i}canary", f"+44791120020{i}", now=T0), at=T0 + DAY)
    commits.clear()
    monkeypatch.setattr("mutualaid.retention.actions.BATCH", 2)
    purged = purge_personal_data(LATER)
    assert purged.needs == 5 and len(commits) >= 3
    assert "canary" not in everything_held()
    assert BATCH == 200


def test_an_unsent_text_about_a_long_closed_request_is_cancelled(group):
    need = need_with("Queuedcanary", "+447911200109", now=T0)
    cancelled(need, at=T0 + DAY)
    db.session.add(Message(direction="out", group_id=need.group_id, need_id=need.id, to_number="+447911200109",
                           body="Queuedcanary", status="queued", created_at=T0 + DAY))
    db.session.commit()
    purge_personal_data(LATER)
    message = db.session.execute(db.select(Message).where(Message.status == "suppressed")).scalar_one()
    assert message.body == "" and message.to_number == "" and message.last_error == "retention"


def test_a_group_that_keeps_data_longer_is_left_alone_until_then(group):
    group.settings = {"retention_days": 120}
    db.session.commit()
    need = need_with("Longercanary", "+447911200111", now=T0)
    cancelled(need, at=T0 + DAY)
    purge_personal_data(LATER)
    assert db.session.get(Need, need.id).purged_at is None
    purge_personal_data(T0 + 122 * DAY)
    assert db.session.get(Need, need.id).purged_at == T0 + 122 * DAY


def figures_of(now: datetime):
    """What the dashboard figures and the public page say as of `now`."""
    inside = dashboard.figures(coordinator(), now=now)
    public = public_figures.group_figures("hackney", now=now)
    return inside, public


def test_the_figures_and_the_public_page_add_up_the_same_after_a_purge(group):
    months_of_a_group()
    for i in range(6):  # enough done in the last month for the public median to show
        fulfilled(need_with(f"Month{i}canary", f"+44791120030{i}", now=LATER - 20 * DAY + i * DAY),
                  at=LATER - 19 * DAY + i * DAY, canary=f"Month{i}canary")
    for i in range(3):
        cancelled(need_with(f"Spring{i}canary", f"+44791120040{i}", now=LATER - 95 * DAY), at=LATER - 94 * DAY)
    before = figures_of(LATER)
    purged = purge_personal_data(LATER)
    assert purged.needs == 5
    assert figures_of(LATER) == before
    assert before[1].median_based_on == 7
    assert db.session.execute(text("select count(*) from need")).scalar_one() == 14


def test_after_a_purge_every_page_and_export_still_works_and_shows_no_trace(client, auth, group):
    from mutualaid.coordination.exports import export_needs

    needs = months_of_a_group()
    purge_personal_data(LATER)
    auth.login(coordinator().email)
    seen = [client.get(f"/coordinator/needs/{needs[name].ref}") for name in ("old_done", "old_cancelled")]
    seen += [client.get(url) for url in ("/coordinator/", "/coordinator/map", "/coordinator/figures",
                                         "/coordinator/messages", "/groups/hackney")]
    auth.logout()
    auth.login(volunteer().email)
    seen += [client.get("/volunteer/claims"), client.get("/volunteer/")]
    for page in seen:
        assert page.status_code == 200, page.request.path
        html = page.get_data(as_text=True)
        assert "Oldfulfilcanary" not in html and "Oldcancelcanary" not in html and "200101" not in html
    exported = export_needs(coordinator(), now=LATER)
    assert len(exported.rows) == 5 and "Oldfulfilcanary" not in repr(exported.rows)
    assert "Recentcanary" in repr(exported.rows)
