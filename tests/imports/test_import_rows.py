"""Importing volunteers, needs and offers from messy sheets: what each row becomes, and what is refused."""
from datetime import datetime, timezone

import pytest

from mutualaid.coordination.exports import csv_lines, export_needs
from mutualaid.extensions import db
from mutualaid.imports.actions import run_import
from mutualaid.imports.reading import UnreadableFile
from mutualaid.messaging.outbox import may_text, queue_sms
from mutualaid.models import AuditEvent, Message, Need, Offer, Person
from mutualaid.people.opt_outs import keep_opt_out
from tests.builders import make_coordinator, make_group, make_need
from tests.imports.sheets import (NEED_HEADERS, NEED_HEADERS_ES, OFFER_HEADERS, VOLUNTEER_HEADERS, csv_bytes,
                                  need_row, offer_row, volunteer_row)

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def group(app):
    return make_group()


def count(model) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def outcomes(report) -> dict:
    return {row.number: row.outcome for row in report.rows}


def words(report, number) -> str:
    row = next(row for row in report.rows if row.number == number)
    return "; ".join(str(w) for w in row.problems + row.notes)


def test_needs_enter_the_lifecycle_open_with_their_chase_started(group):
    report = run_import(group, "needs", csv_bytes(NEED_HEADERS, [need_row(1), need_row(2)]), dry_run=False, now=NOW)
    assert report.imported == 2
    needs = db.session.execute(db.select(Need).order_by(Need.id)).scalars().all()
    assert [(n.status, n.source, n.category, n.location_status) for n in needs] == [
        ("open", "import", "groceries", "approximate")] * 2
    assert all(n.next_chase_at is not None and n.ref and n.public_details for n in needs)
    assert needs[0].requester.phone == "+447911100001" and needs[0].requester.imported_at is not None


def test_spanish_headers_and_answers_are_imported(group):
    row = need_row(1, need="Medicinas", details="Recoger la receta en la farmacia", consent="Sí")
    run_import(group, "needs", csv_bytes(NEED_HEADERS_ES, [row], encoding="cp1252"), dry_run=False, now=NOW)
    need = db.session.execute(db.select(Need)).scalar_one()
    assert need.category == "medicine" and need.requester.sms_consent


def test_an_unknown_postcode_keeps_the_need_with_its_location_unknown(group):
    data = csv_bytes(NEED_HEADERS, [need_row(1, postcode="ZZ99 9ZZ")])
    dry = run_import(group, "needs", data, dry_run=True, now=NOW)
    assert outcomes(dry) == {2: "imported"} and "location unknown" in words(dry, 2)
    assert count(Need) == 0
    report = run_import(group, "needs", data, dry_run=False, now=NOW)
    assert outcomes(report) == {2: "imported"} and "location unknown" in words(report, 2)
    need = db.session.execute(db.select(Need)).scalar_one()
    assert need.status == "open" and need.location_status in ("not_found", "unknown") and need.public_lat is None


def test_a_bad_phone_on_a_need_is_reported_and_the_need_kept_without_it(group):
    report = run_import(group, "needs", csv_bytes(NEED_HEADERS, [need_row(1, phone="12345", email="a@example.org")]),
                        dry_run=False, now=NOW)
    assert outcomes(report) == {2: "imported"} and "phone number does not look right" in words(report, 2)
    need = db.session.execute(db.select(Need)).scalar_one()
    assert need.requester.phone is None and need.requester.email == "a@example.org"


def test_a_bad_phone_on_a_volunteer_skips_the_row(group):
    report = run_import(group, "volunteers", csv_bytes(VOLUNTEER_HEADERS, [volunteer_row(1, phone="0770")]),
                        dry_run=False, now=NOW)
    assert outcomes(report) == {2: "skipped"} and "phone number does not look right" in words(report, 2)
    assert count(Person) == 0


def test_an_unknown_postcode_skips_a_volunteer(group):
    report = run_import(group, "volunteers", csv_bytes(VOLUNTEER_HEADERS, [volunteer_row(1, postcode="ZZ99 9ZZ")]),
                        dry_run=False, now=NOW)
    assert outcomes(report) == {2: "skipped"} and "not found" in words(report, 2)


def test_volunteers_wait_to_be_vetted_unless_approved_on_import(group, app):
    coordinator = make_coordinator(group)
    run_import(group, "volunteers", csv_bytes(VOLUNTEER_HEADERS, [volunteer_row(1)]), dry_run=False, now=NOW)
    run_import(group, "volunteers", csv_bytes(VOLUNTEER_HEADERS, [volunteer_row(2)]), dry_run=False, now=NOW,
               actor=coordinator, approve=True)
    people = {p.email: p for p in db.session.execute(db.select(Person).where(Person.role == "volunteer")).scalars()}
    first, second = people["vol1@example.org"], people["vol2@example.org"]
    assert first.volunteer.vetting_status == "pending" and second.volunteer.vetting_status == "approved"
    assert second.volunteer.vetted_by_id == coordinator.id
    assert first.volunteer.categories == ["groceries", "medicine"] and first.volunteer.home_lat is not None
    assert first.password_hash is None


def test_unknown_kinds_of_help_are_reported(group):
    rows = [volunteer_row(1, skills="Shopping, juggling"), volunteer_row(2, skills="juggling")]
    report = run_import(group, "volunteers", csv_bytes(VOLUNTEER_HEADERS, rows), dry_run=False, now=NOW)
    assert outcomes(report) == {2: "imported", 3: "skipped"}
    assert "juggling" in words(report, 2) and "no kind of help" in words(report, 3)
    need_report = run_import(group, "needs", csv_bytes(NEED_HEADERS, [need_row(1, need="Juggling lessons",
                                                                              details="")]), dry_run=False, now=NOW)
    assert "something else" in words(need_report, 2)
    assert db.session.execute(db.select(Need.category)).scalar_one() == "other"


def test_imported_people_are_texted_only_with_consent_from_the_sheet(group):
    rows = [volunteer_row(1, consent="Yes"), volunteer_row(2, consent=""), volunteer_row(3, consent="No")]
    run_import(group, "volunteers", csv_bytes(VOLUNTEER_HEADERS, rows), dry_run=False, now=NOW)
    run_import(group, "needs", csv_bytes(NEED_HEADERS, [need_row(1, consent="I agree to be contacted by text"),
                                                        need_row(2, consent="")]), dry_run=False, now=NOW)
    consent = {p.name: may_text(p) for p in db.session.execute(db.select(Person)).scalars()}
    assert consent == {"Volunteer 1": True, "Volunteer 2": False, "Volunteer 3": False,
                       "Neighbour 1": True, "Neighbour 2": False}
    for person in db.session.execute(db.select(Person)).scalars():
        queue_sms(to_number=person.phone, template="help", group=group, person=person, now=NOW)
    db.session.commit()
    sent = {m.person_id: m.status for m in db.session.execute(db.select(Message)).scalars()}
    names = {p.id: p.name for p in db.session.execute(db.select(Person)).scalars()}
    assert {names[pid] for pid, status in sent.items() if status != "suppressed"} == {"Volunteer 1", "Neighbour 1"}


def test_a_number_an_erased_person_opted_out_stays_opted_out_when_imported(group):
    keep_opt_out("+447911200001", NOW)
    keep_opt_out("+447911100001", NOW)
    db.session.commit()
    run_import(group, "volunteers", csv_bytes(VOLUNTEER_HEADERS, [volunteer_row(1), volunteer_row(2)]),
               dry_run=False, now=NOW)
    run_import(group, "needs", csv_bytes(NEED_HEADERS, [need_row(1)]), dry_run=False, now=NOW)
    opted = {p.phone: p.opted_out for p in db.session.execute(db.select(Person)).scalars()}
    assert opted == {"+447911200001": True, "+447911200002": False, "+447911100001": True}


def test_importing_sends_no_text_or_email(group):
    run_import(group, "volunteers", csv_bytes(VOLUNTEER_HEADERS, [volunteer_row(1)]), dry_run=False, now=NOW)
    run_import(group, "needs", csv_bytes(NEED_HEADERS, [need_row(1), need_row(2)]), dry_run=False, now=NOW)
    run_import(group, "offers", csv_bytes(OFFER_HEADERS, [offer_row(1)]), dry_run=False, now=NOW)
    assert count(Message) == 0


def test_duplicates_in_the_file_are_reported_and_skipped(group):
    rows = [volunteer_row(1), volunteer_row(2, phone="07911 200001"), volunteer_row(3, email="VOL1@example.org")]
    report = run_import(group, "volunteers", csv_bytes(VOLUNTEER_HEADERS, rows), dry_run=False, now=NOW)
    assert outcomes(report) == {2: "imported", 3: "duplicate", 4: "duplicate"}
    assert "row 2" in words(report, 3)
    needs = run_import(group, "needs", csv_bytes(NEED_HEADERS, [need_row(1), need_row(1)]), dry_run=False, now=NOW)
    assert outcomes(needs) == {2: "imported", 3: "duplicate"}


def test_duplicates_of_what_the_database_holds_are_reported_and_skipped(group):
    make_need(phone="+447911100001", details="Bread and milk for flat 1")
    report = run_import(group, "needs", csv_bytes(NEED_HEADERS, [need_row(1), need_row(2)]), dry_run=False, now=NOW)
    assert outcomes(report) == {2: "duplicate", 3: "imported"} and "already here" in words(report, 2)


def test_importing_the_same_file_twice_adds_nothing(group):
    for kind, headers, rows in (("volunteers", VOLUNTEER_HEADERS, [volunteer_row(1), volunteer_row(2)]),
                                ("needs", NEED_HEADERS, [need_row(1), need_row(2, phone="", email="")]),
                                ("offers", OFFER_HEADERS, [offer_row(1), offer_row(2)])):
        data = csv_bytes(headers, rows)
        first = run_import(group, kind, data, dry_run=False, now=NOW)
        before = (count(Person), count(Need), count(Offer))
        second = run_import(group, kind, data, dry_run=False, now=NOW)
        assert first.imported == 2 and second.imported == 0, kind
        assert set(outcomes(second).values()) == {"duplicate"}
        assert (count(Person), count(Need), count(Offer)) == before


def test_two_requests_from_one_person_make_one_person(group):
    make_need(phone="+447911100002", details="Something else entirely", sms_consent=False)
    rows = [need_row(1), need_row(1, details="And a lift on Tuesday"), need_row(2, consent="Yes")]
    run_import(group, "needs", csv_bytes(NEED_HEADERS, rows), dry_run=False, now=NOW)
    people = {p.phone: p for p in db.session.execute(db.select(Person)).scalars()}
    assert len(people) == 2 and count(Need) == 4
    assert people["+447911100002"].sms_consent and people["+447911100002"].imported_at is None


def test_a_dry_run_writes_nothing(group):
    run_import(group, "needs", csv_bytes(NEED_HEADERS, [need_row(1)]), dry_run=True, now=NOW)
    run_import(group, "volunteers", csv_bytes(VOLUNTEER_HEADERS, [volunteer_row(1)]), dry_run=True, now=NOW)
    assert (count(Need), count(Person), count(AuditEvent)) == (0, 0, 0)


def test_one_audit_event_per_import_with_counts_only(group):
    rows = [need_row(1), need_row(1), need_row(2, details="", need="")]
    run_import(group, "needs", csv_bytes(NEED_HEADERS, rows), dry_run=False, now=NOW)
    event = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "group.imported")).scalar_one()
    assert event.details == {"kind": "needs", "rows": 3, "imported": 1, "skipped": 1, "duplicates": 1}
    assert event.subject_type == "group" and event.group_id == group.id


def test_extra_and_missing_columns_and_short_rows(group):
    headers = ("Name", "Mobile", "Shoe size", "What do you need?")
    rows = [("Ada", "07911100001", "5", "Milk please"), ("Bo", "07911100002"), ("Cy", "07911100003", "9", "Bread", "x")]
    report = run_import(group, "needs", csv_bytes(headers, rows), dry_run=False, now=NOW)
    assert outcomes(report) == {2: "imported", 3: "skipped", 4: "imported"}
    assert "no words" in words(report, 3)
    assert {n.details for n in db.session.execute(db.select(Need)).scalars()} == {"Milk please", "Bread"}


def test_formulas_are_neither_kept_nor_exported_as_formulas(group):
    rows = [need_row(1, details='=HYPERLINK("http://evil.example","Click")')]
    run_import(group, "needs", csv_bytes(NEED_HEADERS, rows), dry_run=False, now=NOW)
    assert db.session.execute(db.select(Need.details)).scalar_one() == 'HYPERLINK("http://evil.example","Click")'
    exported = "".join(csv_lines(export_needs(make_coordinator(group))))
    assert ",=" not in exported and '"=' not in exported


def test_offers_are_imported_as_things_or_time(group):
    rows = [offer_row(1), offer_row(2, what="Dog walking", details="An hour on Sundays")]
    run_import(group, "offers", csv_bytes(OFFER_HEADERS, rows), dry_run=False, now=NOW)
    offers = {o.category: o.kind for o in db.session.execute(db.select(Offer)).scalars()}
    assert offers == {"household": "item", "pets": "service"}


@pytest.mark.parametrize("data", [b"", b"Name,Phone\r\n", b"PK\x03\x04 not a csv"])
def test_an_unreadable_file_imports_nothing(group, data):
    with pytest.raises(UnreadableFile):
        run_import(group, "needs", data, dry_run=False, now=NOW)
    assert count(AuditEvent) == 0
