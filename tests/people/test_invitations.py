"""Inviting volunteers who have an email but no password (imported from a spreadsheet) to choose one."""
import io
import re

import pytest

from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Message, Person, VolunteerProfile
from tests.builders import csrf_from, make_coordinator, make_group, make_volunteer
from tests.imports.sheets import VOLUNTEER_HEADERS, csv_bytes, volunteer_row

NEW = "a-brand-new-password"


@pytest.fixture
def group(app):
    return make_group()


def imported_volunteer(group, email="imported@example.org", language="en") -> Person:
    """A volunteer as the import makes them: an email, no password."""
    person = Person(role="volunteer", group_id=group.id, email=email, name="Imported", language=language,
                    session_token="abc")
    person.volunteer = VolunteerProfile(home_label="E8 3", home_lat=51.54, home_lon=-0.06, radius_km=3,
                                        categories=["groceries"], languages=["en"], capacity=1,
                                        vetting_status="approved")
    db.session.add(person)
    db.session.commit()
    return person


def invite(client, person_id):
    """Press "Invite to log in" on the volunteers' page."""
    page = client.get("/coordinator/volunteers").get_data(as_text=True)
    return client.post(f"/coordinator/people/{person_id}/invite", data={"csrf_token": csrf_from(page)})


def invitations() -> list[Message]:
    return list(db.session.execute(db.select(Message).where(Message.template == "invitation")).scalars())


def test_the_button_shows_only_for_people_without_a_password(client, auth, group):
    imported = imported_volunteer(group)
    has_password = make_volunteer(group)
    auth.login(make_coordinator(group).email)
    page = client.get("/coordinator/volunteers").get_data(as_text=True)
    assert f"/coordinator/people/{imported.id}/invite" in page
    assert f"/coordinator/people/{has_password.id}/invite" not in page


def test_an_invitation_lets_an_imported_volunteer_log_in(client, auth, group):
    imported = imported_volunteer(group, language="es")
    coordinator = make_coordinator(group)
    auth.login(coordinator.email)
    answer = invite(client, imported.id)
    assert answer.status_code == 302
    [email] = invitations()
    assert email.channel == "email" and email.to_address == "imported@example.org"
    assert "Hackney Mutual Aid" in email.body and "te invita" in email.body  # in their language
    event = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "person.invited")).scalar_one()
    assert event.actor_id == coordinator.id and event.subject_id == imported.id
    auth.logout()
    path = re.search(r"https?://[^/\s]+(/auth/password/\S+)", email.body).group(1)
    page = client.get(path).get_data(as_text=True)
    assert "Hackney Mutual Aid" in page
    done = client.post(path, data={"csrf_token": csrf_from(page), "password": NEW, "again": NEW})
    assert done.status_code == 302
    auth.logout()
    assert auth.login("imported@example.org", NEW).headers["Location"].endswith("/volunteer/")


def test_a_double_click_sends_one_invitation(client, auth, group):
    imported = imported_volunteer(group)
    auth.login(make_coordinator(group).email)
    invite(client, imported.id)
    second = invite(client, imported.id)
    assert second.status_code == 302 and len(invitations()) == 1
    assert "a few minutes ago" in client.get("/coordinator/volunteers").get_data(as_text=True)


def test_someone_with_a_password_is_not_invited(client, auth, group):
    volunteer = make_volunteer(group)
    auth.login(make_coordinator(group).email)
    invite(client, volunteer.id)
    assert invitations() == []


def test_a_coordinator_of_another_group_is_refused(client, auth, group):
    imported = imported_volunteer(group)
    other = make_group(slug="islington", name="Islington Mutual Aid")
    auth.login(make_coordinator(other, email="other@example.org").email)
    assert invite(client, imported.id).status_code == 403
    assert invitations() == []


def test_a_volunteer_is_refused(client, auth, group):
    imported = imported_volunteer(group)
    auth.login(make_volunteer(group).email)
    page = client.get("/volunteer/").get_data(as_text=True)
    answer = client.post(f"/coordinator/people/{imported.id}/invite", data={"csrf_token": csrf_from(page)})
    assert answer.status_code == 403
    assert invitations() == []


def test_without_the_csrf_token_nothing_is_sent(client, auth, group):
    imported = imported_volunteer(group)
    auth.login(make_coordinator(group).email)
    client.post(f"/coordinator/people/{imported.id}/invite", data={})
    assert invitations() == []


def sheet():
    """Three volunteers: two with an email (one of them with a phone too), one with only a phone."""
    return csv_bytes(VOLUNTEER_HEADERS, [volunteer_row(1), volunteer_row(2, phone=""),
                                         volunteer_row(3, email="")])


def test_the_import_command_invites_by_email_only(runner, app, tmp_path, group):
    app.config["PUBLIC_BASE_URL"] = "https://aid.example.org"
    path = tmp_path / "sheet.csv"
    path.write_bytes(sheet())
    result = runner.invoke(args=["import", "volunteers", str(path), "--invite"])
    assert result.exit_code == 0, result.output
    assert "2 invited by email." in result.output
    sent = invitations()
    assert sorted(m.to_address for m in sent) == ["vol1@example.org", "vol2@example.org"]
    assert all("https://aid.example.org/auth/password/" in m.body for m in sent)
    assert db.session.execute(db.select(Message).where(Message.channel != "email")).first() is None
    assert db.session.execute(db.select(db.func.count(AuditEvent.id)).where(
        AuditEvent.action == "person.invited")).scalar_one() == 2


def test_the_import_command_without_invite_sends_nothing(runner, tmp_path, group):
    path = tmp_path / "sheet.csv"
    path.write_bytes(sheet())
    assert runner.invoke(args=["import", "volunteers", str(path)]).exit_code == 0
    assert db.session.execute(db.select(Message)).first() is None


def test_the_import_command_needs_the_public_address_to_invite(runner, app, tmp_path, group):
    app.config["PUBLIC_BASE_URL"] = ""
    path = tmp_path / "sheet.csv"
    path.write_bytes(sheet())
    result = runner.invoke(args=["import", "volunteers", str(path), "--invite"])
    assert result.exit_code != 0 and "PUBLIC_BASE_URL" in result.output
    assert db.session.execute(db.select(Person).where(Person.role == "volunteer")).first() is None


def test_the_import_page_invites_when_ticked(client, auth, group):
    auth.login(make_coordinator(group).email)
    page = client.get("/coordinator/import").get_data(as_text=True)
    url = client.post("/coordinator/import", data={"csrf_token": csrf_from(page), "kind": "volunteers",
                                                   "sheet": (io.BytesIO(sheet()), "sheet.csv")},
                      content_type="multipart/form-data").headers["Location"]
    page = client.get(url).get_data(as_text=True)
    chosen = dict(re.findall(r'<select id="(col_\d+)".*?<option selected value="(\w+)"', page, re.S))
    preview = client.post(url, data={"csrf_token": csrf_from(page), **chosen}).get_data(as_text=True)
    assert 'name="invite"' in preview
    done = client.post(f"{url}/run", data={"csrf_token": csrf_from(preview), "invite": "y"}).get_data(as_text=True)
    assert "2 volunteers were invited by email to choose a password." in done
    assert sorted(m.to_address for m in invitations()) == ["vol1@example.org", "vol2@example.org"]
    assert db.session.execute(db.select(Message).where(Message.channel != "email")).first() is None
