"""Logging in, sessions, volunteer sign-up and coordinator approval."""
import pytest

from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Person
from mutualaid.people.actions import change_password, set_vetting
from tests.builders import PASSWORD, make_coordinator, make_group, make_volunteer, post_form

SIGNUP = {"name": "Priya", "email": "Priya@Example.org", "phone": "07911 123450", "password": "a-long-password",
          "home": "E8 3RH", "radius_km": "3", "categories": ["groceries", "medicine"], "languages": ["en", "es"],
          "capacity": "2", "channel": "sms"}


@pytest.fixture(autouse=True)
def group(app):
    """The Hackney group."""
    return make_group()


def test_coordinator_logs_in_and_lands_on_the_coordinator_page(client, auth, group):
    make_coordinator(group)
    response = auth.login("coord@example.org")
    assert response.status_code == 302 and response.headers["Location"].endswith("/coordinator/")
    assert client.get("/coordinator/").status_code == 200


def test_wrong_password_and_unknown_email_get_the_same_message(client, auth, group):
    make_coordinator(group)
    wrong = auth.login("coord@example.org", "not-the-password").get_data(as_text=True)
    unknown = auth.login("nobody@example.org", "not-the-password").get_data(as_text=True)
    message = "That email and password do not match an account."
    assert message in wrong and message in unknown


def test_login_starts_a_new_session_so_planted_session_data_is_dropped(client, auth, group):
    make_coordinator(group)
    client.get("/auth/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login("coord@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_user_id", "").startswith(str(Person.query.first().id) + ":")


def test_changing_the_password_ends_other_sessions(client, auth, group, app):
    coordinator = make_coordinator(group)
    auth.login("coord@example.org")
    assert client.get("/coordinator/").status_code == 200
    change_password(coordinator, "a-brand-new-password")
    assert client.get("/coordinator/").status_code == 302


def test_logout_ends_the_session(client, auth, group):
    make_coordinator(group)
    auth.login("coord@example.org")
    auth.logout()
    assert client.get("/coordinator/").status_code == 302


def test_logout_by_get_is_not_possible(client, auth, group):
    make_coordinator(group)
    auth.login("coord@example.org")
    assert client.get("/auth/logout").status_code == 405


def test_open_redirect_after_login_is_refused(client, group):
    make_coordinator(group)
    response = post_form(client, "/auth/login?next=//evil.example/", {"email": "coord@example.org",
                                                                      "password": PASSWORD})
    assert response.headers["Location"] == "/coordinator/"


def test_volunteer_signs_up_pending_with_profile_and_hashed_password(client):
    response = post_form(client, "/auth/signup", SIGNUP)
    assert response.status_code == 302
    person = db.session.execute(db.select(Person).where(Person.email == "priya@example.org")).scalar_one()
    assert person.role == "volunteer" and person.phone == "+447911123450"
    assert person.password_hash != "a-long-password" and person.check_password("a-long-password")
    profile = person.volunteer
    assert profile.vetting_status == "pending"
    assert profile.categories == ["groceries", "medicine"] and profile.languages == ["en", "es"]
    assert profile.capacity == 2 and profile.radius_km == 3.0
    assert 51.53 < profile.home_lat < 51.56 and profile.home_label == "E8 3"


def test_pending_volunteer_sees_their_status_but_no_needs(client, auth):
    post_form(client, "/auth/signup", SIGNUP)
    auth.login("priya@example.org", "a-long-password")
    page = client.get("/volunteer/").get_data(as_text=True)
    assert "awaiting approval" in page


def test_signup_with_unknown_home_is_refused_with_a_message(client):
    response = post_form(client, "/auth/signup", {**SIGNUP, "home": "ZZ9 9ZZ"})
    assert response.status_code == 400
    assert "We could not find that place" in response.get_data(as_text=True)
    assert Person.query.count() == 0


def test_signup_with_short_password_is_refused(client):
    response = post_form(client, "/auth/signup", {**SIGNUP, "password": "short"})
    assert "at least 10 characters" in response.get_data(as_text=True)


def test_signup_without_any_category_is_refused(client):
    response = post_form(client, "/auth/signup", {k: v for k, v in SIGNUP.items() if k != "categories"})
    assert "at least one kind of help" in response.get_data(as_text=True)


def test_signup_cannot_make_itself_a_coordinator_or_approved(client):
    post_form(client, "/auth/signup", {**SIGNUP, "role": "coordinator", "vetting_status": "approved",
                                       "group_id": "99"})
    person = Person.query.one()
    assert person.role == "volunteer" and person.volunteer.vetting_status == "pending"


def test_coordinator_approves_a_volunteer_who_then_sees_needs(client, auth, group):
    make_coordinator(group)
    volunteer = make_volunteer(group, status="pending")
    auth.login("coord@example.org")
    page = client.get("/coordinator/volunteers").get_data(as_text=True)
    assert "Volunteer" in page
    response = post_form(client, f"/coordinator/volunteers/{volunteer.id}/vetting", {"status": "approved"},
                         page_url="/coordinator/volunteers")
    assert response.status_code == 302
    db.session.refresh(volunteer.volunteer)
    assert volunteer.volunteer.vetting_status == "approved"
    actions = [e.action for e in AuditEvent.query.filter_by(subject_id=volunteer.id, subject_type="person")]
    assert "volunteer.approved" in actions


def test_illegal_vetting_move_is_refused_with_a_message(client, auth, group):
    make_coordinator(group)
    volunteer = make_volunteer(group, status="pending")
    auth.login("coord@example.org")
    response = post_form(client, f"/coordinator/volunteers/{volunteer.id}/vetting", {"status": "paused"},
                         page_url="/coordinator/volunteers")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "cannot become paused" in page
    db.session.refresh(volunteer.volunteer)
    assert volunteer.volunteer.vetting_status == "pending"


def test_coordinator_of_another_group_cannot_vet(client, auth, group):
    other = make_group(slug="leeds", name="Leeds", centre=(53.8, -1.55))
    make_coordinator(other, email="leeds@example.org")
    volunteer = make_volunteer(group, status="pending")
    auth.login("leeds@example.org")
    post_form(client, f"/coordinator/volunteers/{volunteer.id}/vetting", {"status": "approved"},
              page_url="/coordinator/volunteers")
    db.session.refresh(volunteer.volunteer)
    assert volunteer.volunteer.vetting_status == "pending"


def test_approving_from_the_list_of_those_waiting_goes_back_to_that_list(client, auth, group):
    make_coordinator(group)
    first = make_volunteer(group, status="pending", email="first@example.org", name="First Waiting")
    make_volunteer(group, status="pending", email="second@example.org", name="Second Waiting")
    make_volunteer(group, status="approved", email="busy@example.org", name="Already Approved")
    auth.login("coord@example.org")
    page = client.get("/coordinator/volunteers?status=pending").get_data(as_text=True)
    assert 'name="back" value="/coordinator/volunteers?status=pending"' in page
    response = post_form(client, f"/coordinator/volunteers/{first.id}/vetting",
                         {"status": "approved", "back": "/coordinator/volunteers?status=pending"},
                         page_url="/coordinator/volunteers?status=pending")
    assert response.headers["Location"] == "/coordinator/volunteers?status=pending"
    listed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Second Waiting" in listed and "Already Approved" not in listed and "First Waiting" not in listed
    db.session.refresh(first.volunteer)
    assert first.volunteer.vetting_status == "approved"


def test_vetting_never_sends_the_browser_off_the_volunteers_pages(client, auth, group):
    make_coordinator(group)
    volunteer = make_volunteer(group, status="pending")
    auth.login("coord@example.org")
    for back in ("https://evil.example/", "//evil.example", "/auth/logout"):
        response = post_form(client, f"/coordinator/volunteers/{volunteer.id}/vetting",
                             {"status": "rejected", "back": back}, page_url="/coordinator/volunteers")
        assert response.headers["Location"] == "/coordinator/volunteers"


def test_two_coordinators_rejecting_the_same_volunteer_is_one_rejection_and_no_error(client, auth, group):
    make_coordinator(group)
    other = make_coordinator(group, email="other@example.org")
    volunteer = make_volunteer(group, status="pending")
    set_vetting(other, volunteer.id, "rejected")  # the other coordinator pressed first
    auth.login("coord@example.org")
    response = post_form(client, f"/coordinator/volunteers/{volunteer.id}/vetting", {"status": "rejected"},
                         page_url="/coordinator/volunteers")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved." in page and "cannot become" not in page
    db.session.refresh(volunteer.volunteer)
    assert volunteer.volunteer.vetting_status == "rejected"
    assert AuditEvent.query.filter_by(action="volunteer.rejected", subject_id=volunteer.id).count() == 1


def test_a_vetting_move_that_cannot_be_made_is_explained_in_words(client, auth, group):
    make_coordinator(group)
    volunteer = make_volunteer(group, status="rejected")
    auth.login("coord@example.org")
    response = post_form(client, f"/coordinator/volunteers/{volunteer.id}/vetting", {"status": "paused"},
                         page_url="/coordinator/volunteers")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A volunteer who is not approved cannot become paused." in page
    assert "that is rejected" not in page
