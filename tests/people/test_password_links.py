"""Setting a password by a link sent by email: "forgot your password?", used, expired and forged links."""
import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

from mutualaid.extensions import db
from mutualaid.models import AuditEvent, LoginSession, Message, Person
from mutualaid.people import password_links
from mutualaid.people.actions import erase_by_coordinator
from tests.builders import csrf_from, make_coordinator, make_group, make_need, make_volunteer, post_form

NEW = "a-brand-new-password"
ASKED = "If that email is ours, we have sent a link to it."


@pytest.fixture
def group(app):
    return make_group()


def ask(client, email):
    """Ask for a link on the forgot-your-password page."""
    return post_form(client, "/auth/forgot", {"email": email})


def link_emails() -> list[Message]:
    return list(db.session.execute(db.select(Message).where(Message.template.in_(("password_reset", "invitation")))
                                   .order_by(Message.id)).scalars())


def link_path(message: Message) -> str:
    """The path of the link in an email."""
    match = re.search(r"https?://[^/\s]+(/auth/password/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def set_password(client, path, password=NEW, again=None):
    """Open the link's page and choose a password."""
    return post_form(client, path, {"password": password, "again": again if again is not None else password})


def test_the_login_page_offers_a_link_for_a_forgotten_password(client, group):
    assert 'href="/auth/forgot"' in client.get("/auth/login").get_data(as_text=True)


def test_forgotten_password_full_flow(client, auth, group):
    volunteer = make_volunteer(group)
    other_browser = auth.login(volunteer.email)
    assert other_browser.status_code == 302
    answer = ask(client, "  VOL@example.org ")
    assert answer.status_code == 200 and ASKED in answer.get_data(as_text=True)
    [email] = link_emails()
    assert email.channel == "email" and email.to_address == "vol@example.org" and email.status == "queued"
    assert email.body.startswith("Choose a new password for Hackney Mutual Aid")
    page = client.get(link_path(email))
    assert page.status_code == 200 and 'name="again"' in page.get_data(as_text=True)
    done = set_password(client, link_path(email))
    assert done.status_code == 302 and done.headers["Location"].endswith("/volunteer/")
    # Every other login ended; this browser is logged in under a new one.
    assert db.session.execute(db.select(db.func.count(LoginSession.id))).scalar_one() == 1
    assert client.get("/volunteer/").status_code == 200
    auth.logout()
    assert auth.login("vol@example.org", NEW).headers["Location"].endswith("/volunteer/")
    event = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "person.password_reset")).scalar_one()
    assert event.subject_id == volunteer.id and "vol@" not in str(event.details)


def test_a_link_works_only_once(client, group):
    make_volunteer(group)
    ask(client, "vol@example.org")
    path = link_path(link_emails()[0])
    assert set_password(client, path).status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_from(client.get("/volunteer/").get_data(as_text=True))})
    again = client.get(path)
    assert again.status_code == 400 and 'data-testid="link-expired"' in again.get_data(as_text=True)
    assert 'href="/auth/forgot"' in again.get_data(as_text=True)
    posted = client.post(path, data={"csrf_token": csrf_from(client.get("/auth/login").get_data(as_text=True)),
                                     "password": "yet-another-password", "again": "yet-another-password"})
    assert posted.status_code == 400
    assert db.session.get(Person, link_owner()).check_password(NEW)


def link_owner() -> int:
    return db.session.execute(db.select(Person.id).where(Person.email == "vol@example.org")).scalar_one()


def test_an_expired_link_no_longer_works(client, group, monkeypatch):
    make_volunteer(group)
    with monkeypatch.context() as patched:  # the link was asked for an hour and a minute ago
        patched.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3660)
        ask(client, "vol@example.org")
    page = client.get(link_path(link_emails()[0]))
    assert page.status_code == 400 and "This link no longer works" in page.get_data(as_text=True)


def test_a_reset_link_lasts_an_hour_by_the_clock_passed_in(app, group):
    person = make_volunteer(group)
    token = password_links.make_token(person, password_links.RESET)
    now = datetime.now(timezone.utc)
    assert password_links.read_token(token, now=now + timedelta(minutes=59))[0].id == person.id
    with pytest.raises(password_links.LinkNoLongerWorks):
        password_links.read_token(token, now=now + timedelta(minutes=61))


@pytest.mark.parametrize("token", ["nonsense", "", "a" * 1000, "WzEsImFiYyIsInJlc2V0Il0.Z0000.forged"])
def test_a_forged_or_broken_link_gets_the_plain_page_not_an_error(client, group, token):
    make_volunteer(group)
    page = client.get(f"/auth/password/{token}" if token else "/auth/password/x")
    assert page.status_code == 400 and "This link no longer works" in page.get_data(as_text=True)


def test_a_link_signed_with_another_secret_does_not_work(client, app, group):
    person = make_volunteer(group)
    forged = URLSafeTimedSerializer("not-our-secret", salt=password_links.SALT).dumps(
        [person.id, password_links.fingerprint(person), "reset"])
    assert client.get(f"/auth/password/{forged}").status_code == 400


def test_the_two_passwords_must_match_and_follow_the_rule(client, group):
    make_volunteer(group)
    ask(client, "vol@example.org")
    path = link_path(link_emails()[0])
    mismatch = set_password(client, path, again="something-else-entirely")
    assert mismatch.status_code == 400 and "The two passwords are not the same." in mismatch.get_data(as_text=True)
    short = set_password(client, path, password="short")
    assert short.status_code == 400 and "at least 10 characters" in short.get_data(as_text=True)
    assert set_password(client, path).status_code == 302  # still works: nothing was set


def test_an_unknown_email_gets_the_same_page_and_nothing_is_sent(client, group):
    make_volunteer(group)
    known = ask(client, "vol@example.org").get_data(as_text=True)
    unknown = ask(client, "nobody@example.org").get_data(as_text=True)
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731 (CSRF tokens differ)
    assert strip(known) == strip(unknown)
    assert len(link_emails()) == 1
    assert db.session.execute(db.select(db.func.count(Message.id))).scalar_one() == 1


def test_an_erased_person_and_a_requester_are_sent_nothing(client, group):
    coordinator = make_coordinator(group)
    gone = make_volunteer(group, email="gone@example.org")
    erase_by_coordinator(coordinator, gone.id, confirmed=True)
    make_need(email="asker@example.org")
    for email in ("gone@example.org", "asker@example.org"):
        assert ASKED in ask(client, email).get_data(as_text=True)
    assert link_emails() == []


def test_a_link_stops_working_once_the_person_is_erased(client, group):
    coordinator = make_coordinator(group)
    volunteer = make_volunteer(group)
    ask(client, "vol@example.org")
    path = link_path(link_emails()[0])
    erase_by_coordinator(coordinator, volunteer.id, confirmed=True)
    assert client.get(path).status_code == 400


def test_asking_twice_in_a_few_minutes_sends_one_email(client, group):
    make_volunteer(group)
    ask(client, "vol@example.org")
    ask(client, "vol@example.org")
    assert len(link_emails()) == 1


def test_account_emails_stay_out_of_the_groups_message_log(client, auth, group):
    make_volunteer(group)
    ask(client, "vol@example.org")
    make_coordinator(group)
    auth.login("coord@example.org")
    assert "/auth/password/" not in client.get("/coordinator/messages").get_data(as_text=True)


@pytest.mark.parametrize("config_overrides", [{"RATELIMIT_ENABLED": True, "RATELIMIT_PASSWORD_LINK": "2 per hour",
                                               "RATELIMIT_STORAGE_URI": "memory://"}])
def test_links_for_one_email_are_rate_limited(client, group):
    make_volunteer(group)
    assert [ask(client, "limited@example.org").status_code for _ in range(3)] == [200, 200, 429]
    assert ask(client, "other@example.org").status_code == 200


@pytest.mark.parametrize("config_overrides", [{"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "3 per hour",
                                               "RATELIMIT_STORAGE_URI": "memory://"}])
def test_links_from_one_address_are_rate_limited(client, group):
    codes = [ask(client, f"someone{n}@example.org").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
