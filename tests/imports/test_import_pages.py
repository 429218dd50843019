"""The coordinators' import page: upload, preview with the guessed columns, change one, check every row, import."""
import io
import re

import pytest

from mutualaid.extensions import db
from mutualaid.models import AuditEvent, ImportUpload, Message, Need, Person
from tests.builders import csrf_from, make_coordinator, make_group, make_volunteer
from tests.imports.sheets import NEED_HEADERS, VOLUNTEER_HEADERS, csv_bytes, need_row, volunteer_row


@pytest.fixture
def coordinator(app, auth):
    group = make_group()
    person = make_coordinator(group)
    auth.login(person.email)
    return person


def upload(client, data: bytes, kind="needs", filename="sheet.csv"):
    page = client.get("/coordinator/import").get_data(as_text=True)
    return client.post("/coordinator/import", data={"csrf_token": csrf_from(page), "kind": kind,
                                                    "sheet": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def selects(html: str) -> dict:
    """Each column select's chosen field."""
    return dict(re.findall(r'<select id="(col_\d+)".*?<option selected value="(\w+)"', html, re.S))


def test_upload_preview_check_and_import(client, coordinator):
    data = csv_bytes(NEED_HEADERS, [need_row(1), need_row(2, postcode="ZZ99 9ZZ"), need_row(1)])
    answer = upload(client, data)
    assert answer.status_code == 302
    url = answer.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "Bread and milk for flat 1" in page and "Neighbour 2" in page
    chosen = selects(page)
    assert chosen["col_2"] == "name" and chosen["col_5"] == "category" and chosen["col_0"] == "ignore"
    checked = client.post(url, data={"csrf_token": csrf_from(page), **chosen}).get_data(as_text=True)
    assert "2 would be imported, 0 skipped, 1 duplicates, of 3 rows." in checked
    assert "location unknown" in checked and "the same as row 2" in checked
    assert db.session.execute(db.select(Need)).first() is None
    done = client.post(f"{url}/run", data={"csrf_token": csrf_from(checked)}).get_data(as_text=True)
    assert "2 imported, 0 skipped, 1 duplicates, of 3 rows." in done
    assert db.session.execute(db.select(db.func.count(Need.id))).scalar_one() == 2
    assert db.session.execute(db.select(ImportUpload)).first() is None
    assert db.session.execute(db.select(Message)).first() is None
    assert client.get(url).status_code == 404


def test_changing_a_column_changes_what_is_imported(client, coordinator):
    data = csv_bytes(("Who", "Digits", "Words"), [("Ada", "07911 100001", "Milk please")])
    url = upload(client, data).headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert set(selects(page).values()) == {"ignore"}
    checked = client.post(url, data={"csrf_token": csrf_from(page), "col_0": "name", "col_1": "phone",
                                     "col_2": "details"}).get_data(as_text=True)
    assert "1 would be imported" in checked
    assert selects(checked) == {"col_0": "name", "col_1": "phone", "col_2": "details"}
    client.post(f"{url}/run", data={"csrf_token": csrf_from(checked)})
    need = db.session.execute(db.select(Need)).scalar_one()
    assert (need.requester.name, need.details) == ("Ada", "Milk please")


def test_volunteers_can_be_approved_on_import(client, coordinator):
    url = upload(client, csv_bytes(VOLUNTEER_HEADERS, [volunteer_row(1)]), kind="volunteers").headers["Location"]
    page = client.get(url).get_data(as_text=True)
    checked = client.post(url, data={"csrf_token": csrf_from(page), **selects(page)}).get_data(as_text=True)
    client.post(f"{url}/run", data={"csrf_token": csrf_from(checked), "approve": "y"})
    person = db.session.execute(db.select(Person).where(Person.role == "volunteer")).scalar_one()
    assert person.volunteer.vetting_status == "approved"
    event = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "group.imported")).scalar_one()
    assert event.actor_id == coordinator.id


@pytest.mark.parametrize("data,words", [
    (b"", "The file is empty."), (b"Name,Phone\r\n", "header row but no rows"),
    (b"PK\x03\x04\x14\x00 xlsx", "not a CSV file"), (b"\x89PNG\r\n\x1a\n...", "not a CSV file"),
])
def test_a_file_that_is_not_a_sheet_is_refused_on_the_form(client, coordinator, data, words):
    answer = upload(client, data)
    assert answer.status_code == 200 and words in answer.get_data(as_text=True)
    assert db.session.execute(db.select(ImportUpload)).first() is None


def test_a_file_over_the_limit_is_refused(client, coordinator):
    answer = upload(client, b"name\n" + b"x" * (241 * 1024))
    assert answer.status_code == 200 and "under 240 KB" in answer.get_data(as_text=True)
    assert db.session.execute(db.select(ImportUpload)).first() is None


def test_the_file_can_be_thrown_away(client, coordinator):
    url = upload(client, csv_bytes(NEED_HEADERS, [need_row(1)])).headers["Location"]
    page = client.get(url).get_data(as_text=True)
    client.post(f"{url}/discard", data={"csrf_token": csrf_from(page)})
    assert db.session.execute(db.select(ImportUpload)).first() is None


def test_only_coordinators_of_the_group_reach_an_upload(client, coordinator, auth):
    url = upload(client, csv_bytes(NEED_HEADERS, [need_row(1)])).headers["Location"]
    other = make_coordinator(make_group(slug="other", name="Other"), email="other@example.org")
    auth.logout()
    auth.login(other.email)
    assert client.get(url).status_code == 404
    auth.logout()
    make_volunteer(coordinator.group, email="v@example.org")
    auth.login("v@example.org")
    assert client.get("/coordinator/import").status_code == 403
    assert client.get(url).status_code == 403


def test_a_post_without_csrf_is_refused(client, coordinator):
    answer = client.post("/coordinator/import", data={"kind": "needs", "sheet": (io.BytesIO(b"a\nb\n"), "a.csv")},
                         content_type="multipart/form-data")
    assert answer.status_code in (200, 400)
    assert db.session.execute(db.select(ImportUpload)).first() is None
