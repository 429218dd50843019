"""CSV exports: the group's own records, for coordinators only, audited, safe to open in a spreadsheet."""
import csv
import html
import io

import pytest

from mutualaid.models import AuditEvent
from mutualaid.coordination.exports import restore_cell, safe_cell
from tests.builders import (csrf_from, make_coordinator, make_group, make_need, make_offer, make_volunteer,
                            post_form)

EXPORTS_PAGE = "/coordinator/exports/"


def download(client, kind):
    """Press the page's download button for `kind`; returns the response."""
    return post_form(client, f"/coordinator/exports/{kind}.csv", {}, page_url=EXPORTS_PAGE)


def rows_of(response) -> list[dict]:
    """The CSV body read back as a spreadsheet importer would (BOM removed), one dict per row."""
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def export_events():
    """(action, details) of every export audit event, oldest first."""
    return [(e.action, e.details) for e in AuditEvent.query.filter(AuditEvent.action.startswith("export."))
            .order_by(AuditEvent.id)]


# The rule for cells

@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"])
def test_text_a_spreadsheet_would_run_gets_one_apostrophe_in_front(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Bread and milk", "Café para la señora", "2 loaves", "E8 3RH", "", 42, -0.0601, 3.5])
def test_ordinary_text_and_the_apps_own_numbers_are_written_unchanged(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("text", ["=1+1", "+447911123456", "'already quoted", "''", "plain", "-"])
def test_removing_one_leading_apostrophe_gives_back_the_original_text(text):
    assert restore_cell(safe_cell(text)) == text


def test_a_phone_number_round_trips_through_csv_as_text_with_its_plus(client, coordinator):
    make_need(phone="+447911123456")
    [row] = rows_of(download(client, "needs"))
    assert row["requester_phone"] == "'+447911123456"
    assert restore_cell(row["requester_phone"]) == "+447911123456"


def test_the_exports_page_says_phones_are_written_as_text_with_an_apostrophe(client, coordinator):
    page = html.unescape(client.get(EXPORTS_PAGE).get_data(as_text=True))
    assert "Phone numbers are written as text" in page and "'+447911123456" in page
    assert "remove one apostrophe" in page


def test_a_formula_typed_into_a_request_is_neutralised_in_the_file(client, coordinator):
    make_need(details="=HYPERLINK(\"http://evil.example\",\"click\")")
    [row] = rows_of(download(client, "needs"))
    assert row["details"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"


def test_coordinates_stay_plain_numbers(client, coordinator):
    need = make_need(where="E8 3RH")
    [row] = rows_of(download(client, "needs"))
    assert float(row["exact_lon"]) == need.exact_lon < 0
    assert not row["exact_lon"].startswith("'")


# The files

def test_the_needs_file_is_utf8_with_a_bom_and_one_row_per_need(client, coordinator):
    first = make_need(name="Señora Núñez", details="Café y pan", where="E8 3RH")
    second = make_need(details="Paracetamol", category="medicine", phone="+447911123458")
    response = download(client, "needs")
    assert response.get_data().startswith(b"\xef\xbb\xbf")
    rows = rows_of(response)
    assert [r["ref"] for r in rows] == [first.ref, second.ref]
    assert rows[0]["requester_name"] == "Señora Núñez" and rows[0]["details"] == "Café y pan"
    assert rows[1]["category"] == "medicine"


def test_the_needs_file_has_stable_english_column_names(client, coordinator):
    make_need()
    header = next(csv.reader(io.StringIO(download(client, "needs").get_data().decode("utf-8-sig"))))
    assert header[:5] == ["ref", "status", "category", "urgency", "details"]
    assert {"requester_name", "requester_phone", "requester_email", "address", "exact_lat", "exact_lon"} <= set(header)


def test_a_download_is_a_csv_attachment_that_is_never_cached(client, coordinator):
    response = download(client, "offers")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="hackney-offers-')
    assert response.headers["Cache-Control"] == "no-store"


def test_the_offers_file_holds_the_offerers_contact(client, coordinator):
    offer = make_offer(name="Olu Offerer", phone="+447911123457", details="A cot", quantity=2)
    [row] = rows_of(download(client, "offers"))
    assert (row["ref"], row["offered_by_name"], row["offered_by_phone"], row["quantity"]) == (
        offer.ref, "Olu Offerer", "'+447911123457", "2")


def test_the_volunteers_file_lists_the_groups_volunteers_with_their_skills(client, coordinator, group):
    make_volunteer(group, name="Vera Volunteer", phone="+447911000111", categories=("groceries", "pets"))
    [row] = rows_of(download(client, "volunteers"))
    assert (row["name"], row["email"], row["phone"]) == ("Vera Volunteer", "vol@example.org", "'+447911000111")
    assert (row["categories"], row["vetting_status"], row["has_car"]) == ("groceries;pets", "approved", "no")


def test_an_unknown_kind_of_export_is_a_404(client, coordinator):
    assert download(client, "passwords").status_code == 404


def test_an_export_cannot_be_started_by_a_plain_link(client, coordinator):
    assert client.get("/coordinator/exports/needs.csv").status_code == 405


# Who may export, and the audit

@pytest.mark.parametrize("kind, build", [
    ("needs", lambda group: [make_need(), make_need(details="Soup", phone="+447911123458")]),
    ("offers", lambda group: [make_offer()]),
    ("volunteers", lambda group: [make_volunteer(group)]),
])
def test_each_export_is_audited_with_its_row_count_only(client, coordinator, group, kind, build):
    made = build(group)
    download(client, kind)
    event = AuditEvent.query.filter_by(action=f"export.{kind}").one()
    assert event.details == {"rows": len(made)}
    assert (event.actor_id, event.group_id, event.subject_type, event.subject_id) == (
        coordinator.id, group.id, "group", group.id)


def test_a_coordinator_of_another_group_exports_only_their_own_groups_records(client, auth, group):
    make_need(name="Hackney Canary", where="E8 3RH")
    leeds = make_group(slug="leeds", name="Leeds Mutual Aid", centre=(53.80, -1.55))
    leeds_need = make_need(name="Leeds Neighbour", where="LS1 3", phone="+447911123459")
    auth.login(make_coordinator(leeds, email="leeds@example.org").email)
    response = download(client, "needs")
    assert [r["ref"] for r in rows_of(response)] == [leeds_need.ref]
    assert "Hackney Canary" not in response.get_data().decode("utf-8-sig")
    assert AuditEvent.query.filter_by(action="export.needs").one().group_id == leeds.id


@pytest.mark.parametrize("url", [EXPORTS_PAGE])
def test_volunteers_cannot_open_the_exports_page(client, auth, group, url):
    make_volunteer(group)
    auth.login("vol@example.org")
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("kind", ["needs", "offers", "volunteers"])
def test_volunteers_cannot_download_and_nothing_is_audited(client, auth, group, kind):
    make_volunteer(group)
    make_need(name="Edna Canary")
    auth.login("vol@example.org")
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post(f"/coordinator/exports/{kind}.csv", data={"csrf_token": token})
    assert response.status_code == 403
    assert "Edna Canary" not in response.get_data(as_text=True)
    assert export_events() == []


def test_anonymous_visitors_are_sent_to_log_in(client, group):
    response = client.get(EXPORTS_PAGE)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
