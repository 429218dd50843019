"""A login ends for good: copied session and remember cookies are worth nothing after logging out, a new
password, erasure or "log out everywhere"; coordinators' logins run out when idle and after a day's work."""
import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest

from mutualaid.extensions import db
from mutualaid.models import AuditEvent, LoginSession
from mutualaid.people.actions import change_password, erase_person
from tests.builders import PASSWORD, csrf_from, make_coordinator, make_group, make_need, make_volunteer, post_form

COOKIES = ("session", "remember_token")


@pytest.fixture
def group(app):
    """The Hackney group."""
    return make_group()


def log_in(client, email, remember=False):
    """Log in through the form (ticking "keep me logged in" when asked)."""
    response = post_form(client, "/auth/login", {"email": email, "password": PASSWORD,
                                                 **({"remember": "y"} if remember else {})})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def copy_of(app, client, names=COOKIES):
    """A second browser holding copies of the first one's cookies (as a thief would)."""
    thief = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        if cookie is not None:
            thief.set_cookie(name, cookie.value)
    return thief


def logged_in(client, page="/volunteer/"):
    """Whether `client` can open a page that needs a login."""
    return client.get(page).status_code == 200


def test_a_copied_session_cookie_is_refused_after_logout(app, client, auth, group):
    make_volunteer(group)
    log_in(client, "vol@example.org")
    thief = copy_of(app, client, ["session"])
    assert logged_in(thief)
    auth.logout()
    assert not logged_in(client) and not logged_in(thief)


def test_a_copied_remember_cookie_is_refused_after_logout(app, client, auth, group):
    make_volunteer(group)
    log_in(client, "vol@example.org", remember=True)
    thief = copy_of(app, client, ["remember_token"])
    assert logged_in(thief)
    auth.logout()
    assert not logged_in(copy_of(app, thief, ["remember_token"]))
    assert not logged_in(thief)


def test_logout_forgets_the_remember_cookie_in_the_browser(client, auth, group):
    make_volunteer(group)
    log_in(client, "vol@example.org", remember=True)
    auth.logout()
    assert client.get_cookie("remember_token") is None


def test_logging_out_on_one_browser_keeps_the_others(app, client, auth, group):
    make_volunteer(group)
    phone = app.test_client()
    log_in(phone, "vol@example.org")
    log_in(client, "vol@example.org")
    auth.logout()
    assert logged_in(phone)


def test_copied_cookies_are_refused_after_a_new_password(app, client, group):
    volunteer = make_volunteer(group)
    log_in(client, "vol@example.org", remember=True)
    thief = copy_of(app, client)
    change_password(volunteer, "a-brand-new-password")
    assert not logged_in(thief) and not logged_in(client)
    assert LoginSession.query.count() == 0


def test_copied_cookies_are_refused_after_erasure(app, client, group):
    volunteer = make_volunteer(group)
    log_in(client, "vol@example.org", remember=True)
    thief = copy_of(app, client)
    erase_person(volunteer, actor=None)
    assert not logged_in(thief)
    assert LoginSession.query.count() == 0


def test_a_cookie_from_before_login_holds_nothing_after_it(app, client, group):
    make_volunteer(group)
    client.get("/auth/login")
    planted = copy_of(app, client, ["session"])
    log_in(client, "vol@example.org")
    assert client.get_cookie("session").value != planted.get_cookie("session").value
    assert not logged_in(planted)


def test_each_login_is_kept_only_as_a_digest(client, group):
    volunteer = make_volunteer(group)
    log_in(client, "vol@example.org")
    with client.session_transaction() as session:
        person_id, _, key = session["_user_id"].partition(":")
    login = LoginSession.query.one()
    assert int(person_id) == volunteer.id and len(key) >= 40
    assert key not in login.key_hash and len(login.key_hash) == 64


def test_a_coordinator_logs_a_volunteer_out_everywhere(app, client, auth, group):
    make_coordinator(group)
    volunteer = make_volunteer(group)
    phone = app.test_client()
    log_in(phone, "vol@example.org", remember=True)
    thief = copy_of(app, phone)
    log_in(client, "coord@example.org")
    page = client.get("/coordinator/volunteers").get_data(as_text=True)
    assert f"/coordinator/people/{volunteer.id}/log-out-everywhere" in page
    response = client.post(f"/coordinator/people/{volunteer.id}/log-out-everywhere",
                           data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert not logged_in(phone) and not logged_in(thief)
    assert logged_in(client, "/coordinator/")
    event = AuditEvent.query.filter_by(action="person.logged_out_everywhere").one()
    assert event.subject_id == volunteer.id and event.details == {"sessions": 1}


def test_a_coordinator_logs_themself_out_everywhere_from_settings(app, client, group):
    make_coordinator(group)
    laptop = app.test_client()
    log_in(laptop, "coord@example.org", remember=True)
    log_in(client, "coord@example.org")
    page = client.get("/coordinator/settings").get_data(as_text=True)
    action = re.search(r'action="(/coordinator/people/\d+/log-out-everywhere)"', page).group(1)
    response = client.post(action, data={"csrf_token": csrf_from(page)})
    assert response.headers["Location"].startswith("/auth/login")
    assert not logged_in(client, "/coordinator/") and not logged_in(laptop, "/coordinator/")


def test_log_out_everywhere_needs_the_csrf_token(app, client, group):
    make_coordinator(group)
    volunteer = make_volunteer(group)
    phone = app.test_client()
    log_in(phone, "vol@example.org")
    log_in(client, "coord@example.org")
    client.post(f"/coordinator/people/{volunteer.id}/log-out-everywhere")
    assert logged_in(phone)


def test_a_coordinator_cannot_log_out_someone_of_another_group(app, client, group):
    leeds = make_group(slug="leeds", name="Leeds", centre=(53.8, -1.55))
    make_coordinator(leeds, email="leeds@example.org")
    volunteer = make_volunteer(group)
    phone = app.test_client()
    log_in(phone, "vol@example.org")
    log_in(client, "leeds@example.org")
    page = client.get("/coordinator/settings").get_data(as_text=True)
    response = client.post(f"/coordinator/people/{volunteer.id}/log-out-everywhere",
                           data={"csrf_token": csrf_from(page)})
    assert response.status_code == 403 and logged_in(phone)


def test_a_volunteer_cannot_log_anyone_out(app, client, group):
    coordinator = make_coordinator(group)
    make_volunteer(group)
    laptop = app.test_client()
    log_in(laptop, "coord@example.org")
    log_in(client, "vol@example.org")
    page = client.get("/volunteer/").get_data(as_text=True)
    response = client.post(f"/coordinator/people/{coordinator.id}/log-out-everywhere",
                           data={"csrf_token": csrf_from(page)})
    assert response.status_code == 403 and logged_in(laptop, "/coordinator/")


def age_logins(*, started: timedelta, seen: timedelta):
    """Make every login look as if it began `started` ago and was last used `seen` ago."""
    now = datetime.now(timezone.utc)
    for login in LoginSession.query.all():
        login.created_at, login.last_seen_at = now - started, now - seen
    db.session.commit()


def test_an_idle_coordinator_is_sent_to_log_in_with_a_reason_and_back_to_the_page(client, group):
    make_coordinator(group)
    log_in(client, "coord@example.org")
    age_logins(started=timedelta(minutes=40), seen=timedelta(minutes=31))
    response = client.get("/coordinator/volunteers?status=pending")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=%2Fcoordinator%2Fvolunteers%3Fstatus%3Dpending"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "logged out after a while without using the site" in page
    assert LoginSession.query.count() == 0
    response = post_form(client, response.headers["Location"], {"email": "coord@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/coordinator/volunteers?status=pending"


def test_a_form_sent_after_the_login_ran_out_comes_back_to_its_page_after_logging_in(client, group):
    make_coordinator(group)
    need = make_need()
    log_in(client, "coord@example.org")
    page = f"/coordinator/needs/{need.ref}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    age_logins(started=timedelta(minutes=40), seen=timedelta(minutes=31))
    response = client.post(f"{page}/note", data={"csrf_token": token, "body": "Rang them"},
                           headers={"Referer": f"http://localhost{page}"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=" + page.replace("/", "%2F")
    response = post_form(client, response.headers["Location"], {"email": "coord@example.org", "password": PASSWORD})
    assert response.headers["Location"] == page
    assert client.get(page).status_code == 200


def test_a_form_sent_from_another_site_after_the_login_ran_out_goes_home_after_logging_in(client, group):
    make_coordinator(group)
    need = make_need()
    log_in(client, "coord@example.org")
    token = csrf_from(client.get(f"/coordinator/needs/{need.ref}").get_data(as_text=True))
    age_logins(started=timedelta(minutes=40), seen=timedelta(minutes=31))
    response = client.post(f"/coordinator/needs/{need.ref}/note", data={"csrf_token": token, "body": "x"},
                           headers={"Referer": "https://evil.example/coordinator/"})
    assert response.headers["Location"] == "/auth/login"


def test_a_coordinator_used_within_the_idle_time_stays_logged_in(client, group):
    make_coordinator(group)
    log_in(client, "coord@example.org")
    age_logins(started=timedelta(hours=2), seen=timedelta(minutes=29))
    assert logged_in(client, "/coordinator/")
    assert datetime.now(timezone.utc) - LoginSession.query.one().last_seen_at < timedelta(minutes=1)


def test_keep_me_logged_in_does_not_outlast_the_coordinators_day(app, client, group):
    make_coordinator(group)
    log_in(client, "coord@example.org", remember=True)
    remembered = copy_of(app, client, ["remember_token"])
    age_logins(started=timedelta(hours=12, minutes=1), seen=timedelta(minutes=1))
    response = remembered.get("/coordinator/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")
    assert "logged in for a long time" in remembered.get(response.headers["Location"]).get_data(as_text=True)


def test_a_volunteer_stays_logged_in_through_a_quiet_week(client, group):
    make_volunteer(group)
    log_in(client, "vol@example.org")
    age_logins(started=timedelta(days=8), seen=timedelta(days=7))
    assert logged_in(client)


def test_a_volunteer_login_ends_after_two_idle_weeks(client, group):
    make_volunteer(group)
    log_in(client, "vol@example.org")
    age_logins(started=timedelta(days=15), seen=timedelta(days=14, minutes=1))
    assert not logged_in(client)


def test_the_remember_cookie_is_http_only_and_same_site_lax_for_thirty_days(client, group):
    make_volunteer(group)
    response = log_in(client, "vol@example.org", remember=True)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    assert timedelta(days=29) < expires - datetime.now(timezone.utc) <= timedelta(days=30)
