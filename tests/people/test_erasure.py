"""Erasure on request: canaries planted through every channel are gone from every table and surface
afterwards, the figures still add up, and a STOP outlives the number."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import JSON, String, Text, func

from mutualaid.claims.actions import claim_need, relay_from_web
from mutualaid.coordination.actions import add_note
from mutualaid.coordination.exports import (
    csv_lines,
    export_needs,
    export_offers,
    export_volunteers,
)
from mutualaid.extensions import db
from mutualaid.messaging.outbox import deliver_outbox
from mutualaid.models import AuditEvent, Claim, Message, Need, OptOutHash, Person
from mutualaid.people.actions import erase_person, issue_api_token
from tests.builders import (
    make_coordinator,
    make_group,
    make_need,
    make_offer,
    make_volunteer,
)
from tests.sms_helpers import GROUP_NUMBER, sms_config, text_in

NAME = "Zebedee Quarrington"
PHONE = "+447911000111"
EMAIL = "zeb.canary@example.org"
STREET = "Canaryfield Road"
WORDS = "bluebell9931"
# Every form a canary might be stored in (the number also nationally and without its plus).
CANARIES = (NAME, "Quarrington", PHONE, "7911000111", EMAIL, STREET, WORDS)


@pytest.fixture
def config_overrides():
    """Console SMS, texts handled as they arrive."""
    return sms_config()


@pytest.fixture
def group(app):
    """The Hackney group, owning the number neighbours text."""
    return make_group(phone_number=GROUP_NUMBER)


def text_columns():
    """Every column of every table that can hold words."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (String, Text, JSON)):
                yield table, column


def canaries_in_database() -> list[str]:
    """`table.column: canary` for every canary still stored anywhere."""
    found = []
    for table, column in text_columns():
        values = db.session.execute(db.select(column).where(column.is_not(None))).scalars()
        for value in values:
            text = json.dumps(value) if not isinstance(value, str) else value
            found += [f"{table.name}.{column.name}: {c}" for c in CANARIES if c.lower() in text.lower()]
    return found


def canaries_in(text: str) -> list[str]:
    """The canaries in a page, a JSON answer or a file."""
    return [c for c in CANARIES if c.lower() in text.lower()]


def plant(client, group):
    """The canary requester asks on the web, through the API, by text, offers something and talks to
    their volunteer; a coordinator writes a note. Returns (coordinator, volunteer, web need)."""
    coordinator = make_coordinator(group)
    volunteer = make_volunteer(group, phone="+447400900001")
    web_need = make_need(name=NAME, phone=PHONE, email=EMAIL, where=f"77 {STREET}, E8 3RH",
                         details=f"I'm {NAME} at 77 {STREET}. {WORDS}")
    response = client.post("/api/v1/needs", json={
        "category": "medicine", "details": f"Prescription for {NAME} {WORDS}", "where": f"78 {STREET}, E8 3RH",
        "contact": {"name": NAME, "phone": PHONE, "email": EMAIL}})
    assert response.status_code == 201
    make_offer(name=NAME, phone=PHONE, details=f"A cot from {NAME}, {WORDS}", where=f"77 {STREET}, E8 3RH")
    claim_need(volunteer, web_need.ref)
    text_in(client, f"Thanks! The door is blue, {WORDS}", sender=PHONE)
    relay_from_web(volunteer, web_need.ref, f"On my way to 77 {STREET}, {NAME}")
    add_note(coordinator, web_need.ref, f"Called {NAME} on {PHONE}")
    text_in(client, f"need groceries, I'm {NAME} at 12 {STREET} E8 3RH", sender=PHONE)
    requester = db.session.execute(db.select(Person).where(Person.phone == PHONE)).scalar_one()
    assert canaries_in_database(), "the canaries were not planted"
    return coordinator, volunteer, web_need, requester


def figures():
    """Needs counted by category, and offers by category."""
    needs = db.session.execute(db.select(Need.category, func.count()).where(Need.status != "draft")
                               .group_by(Need.category)).all()
    return sorted(needs)


def test_after_erasure_no_canary_is_left_in_any_column_of_any_table(client, group):
    coordinator, _, _, requester = plant(client, group)
    erase_person(requester, actor=coordinator)
    assert canaries_in_database() == []


def test_the_erased_person_is_marked_erased_and_keeps_no_contact(client, group):
    coordinator, _, _, requester = plant(client, group)
    erase_person(requester, actor=coordinator)
    person = db.session.get(Person, requester.id)
    assert person.erased_at is not None
    assert (person.name, person.phone, person.email) == ("", None, None)


def test_coordinator_pages_exports_api_and_map_show_nothing_of_them_afterwards(client, group, auth):
    coordinator, volunteer, web_need, requester = plant(client, group)
    ref = web_need.ref
    erase_person(requester, actor=coordinator)
    auth.login("coord@example.org")
    for url in ("/coordinator/", f"/coordinator/needs/{ref}", "/coordinator/map", "/coordinator/messages",
                "/coordinator/offers", "/coordinator/figures", "/coordinator/audit/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert canaries_in(response.get_data(as_text=True)) == [], url
    for export in (export_needs(coordinator), export_offers(coordinator), export_volunteers(coordinator)):
        assert canaries_in("".join(csv_lines(export))) == []
    api = client.get(f"/api/v1/needs/{ref}", headers={"Authorization": f"Bearer {issue_api_token(coordinator)}"})
    assert api.status_code == 200 and canaries_in(api.get_data(as_text=True)) == []


def test_the_volunteer_sees_nothing_of_them_afterwards_and_is_told_it_was_cancelled(client, group, auth):
    coordinator, volunteer, web_need, requester = plant(client, group)
    erase_person(requester, actor=coordinator)
    need = db.session.get(Need, web_need.id)
    assert need.status == "cancelled"
    told = db.session.execute(db.select(Message).where(
        Message.person_id == volunteer.id, Message.template == "claim_cancelled_by_requester")).scalar_one()
    assert told.status == "queued" and web_need.ref in told.body
    auth.login("vol@example.org")
    for url in ("/volunteer/", f"/volunteer/needs/{web_need.ref}", "/volunteer/claims"):
        response = client.get(url)
        assert canaries_in(response.get_data(as_text=True)) == [], url


def test_their_texts_not_yet_sent_are_cancelled_and_never_sent(client, group):
    coordinator, _, _, requester = plant(client, group)
    queued = db.session.execute(db.select(Message.id).where(
        Message.person_id == requester.id, Message.direction == "out", Message.status == "queued")).scalars().all()
    assert queued
    erase_person(requester, actor=coordinator)
    statuses = {db.session.get(Message, i).status for i in queued}
    assert statuses == {"cancelled"}
    report = deliver_outbox()
    assert not set(report.ids) & set(queued)


def test_figures_by_category_are_unchanged_by_erasure(client, group):
    coordinator, _, _, requester = plant(client, group)
    before = figures()
    erase_person(requester, actor=coordinator)
    assert figures() == before


def test_the_audit_event_names_ids_and_counts_only(client, group):
    coordinator, _, _, requester = plant(client, group)
    erase_person(requester, actor=coordinator)
    event = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "person.erased")).scalar_one()
    assert (event.subject_id, event.actor_id) == (requester.id, coordinator.id)
    assert event.details["needs"] >= 2 and event.details["offers"] == 1
    assert canaries_in(json.dumps(event.details)) == []


def test_erasing_twice_changes_nothing_more(client, group):
    coordinator, _, _, requester = plant(client, group)
    erase_person(requester, actor=coordinator)
    assert erase_person(db.session.get(Person, requester.id), actor=coordinator) == {}
    assert db.session.execute(db.select(func.count()).where(AuditEvent.action == "person.erased")).scalar_one() == 1


def test_a_stop_survives_erasure_for_a_later_text_from_that_number(client, group):
    coordinator = make_coordinator(group)
    text_in(client, "STOP", sender=PHONE)
    requester = db.session.execute(db.select(Person).where(Person.phone == PHONE)).scalar_one()
    assert requester.opted_out
    erase_person(requester, actor=coordinator)
    assert db.session.execute(db.select(func.count()).select_from(OptOutHash)).scalar_one() == 1
    text_in(client, "need groceries please", sender=PHONE)
    newcomer = db.session.execute(db.select(Person).where(Person.phone == PHONE)).scalar_one()
    assert newcomer.id != requester.id and newcomer.opted_out
    assert not db.session.execute(db.select(Message).where(
        Message.to_number == PHONE, Message.status == "queued")).first()


def test_start_after_erasure_lifts_the_kept_opt_out(client, group):
    coordinator = make_coordinator(group)
    text_in(client, "STOP", sender=PHONE)
    erase_person(db.session.execute(db.select(Person).where(Person.phone == PHONE)).scalar_one(), actor=coordinator)
    text_in(client, "START", sender=PHONE)
    assert not db.session.execute(db.select(Person).where(Person.phone == PHONE)).scalar_one().opted_out
    assert db.session.execute(db.select(func.count()).select_from(OptOutHash)).scalar_one() == 0


def test_someone_who_never_said_stop_leaves_no_hash_and_may_ask_again(client, group):
    coordinator, _, _, requester = plant(client, group)
    erase_person(requester, actor=coordinator)
    assert db.session.execute(db.select(func.count()).select_from(OptOutHash)).scalar_one() == 0
    text_in(client, "need groceries please", sender=PHONE)
    assert not db.session.execute(db.select(Person).where(Person.phone == PHONE)).scalar_one().opted_out


def test_the_kept_hash_is_not_the_number_in_any_plain_form(client, group):
    coordinator = make_coordinator(group)
    text_in(client, "STOP", sender=PHONE)
    erase_person(db.session.execute(db.select(Person).where(Person.phone == PHONE)).scalar_one(), actor=coordinator)
    digest = db.session.execute(db.select(OptOutHash.digest)).scalar_one()
    assert digest != hashlib.sha256(PHONE.encode()).hexdigest() and "7911000111" not in digest


def test_a_volunteers_erasure_gives_back_their_claims_and_empties_their_profile(client, group):
    volunteer = make_volunteer(group, email=EMAIL, name=NAME, phone=PHONE)
    need = make_need()
    claim_need(volunteer, need.ref)
    relay_from_web(volunteer, need.ref, f"Hello from {NAME}, {WORDS}")
    erase_person(volunteer, actor=volunteer, now=datetime.now(timezone.utc))
    assert db.session.get(Need, need.id).status == "open"
    assert db.session.execute(db.select(Claim.status)).scalar_one() == "released"
    profile = db.session.get(Person, volunteer.id).volunteer
    assert (profile.home_lat, profile.home_label) == (None, "")
    assert canaries_in_database() == []
    assert db.session.get(Need, need.id).details == "Bread and milk please"  # someone else's request stays
