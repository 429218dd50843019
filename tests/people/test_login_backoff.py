"""Guessing passwords: an account waits after wrong passwords (kept in the database, so every worker and
a restarted server agree), and nothing tells a known email from an unknown one."""
import logging
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import redis
from sqlalchemy.orm.attributes import set_committed_value

from mutualaid import create_app
from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Person
from mutualaid.people import login
from mutualaid.people.actions import erase_person
from tests.builders import PASSWORD, csrf_from, make_coordinator, make_group, make_person, post_form
from tests.conftest import make_app

NOW = datetime(2026, 12, 4, 20, 0, tzinfo=timezone.utc)
WRONG = "not-the-password"
REFUSED = "That email and password do not match an account."


@pytest.fixture
def coordinator(app):
    """A coordinator of the Hackney group."""
    return make_coordinator(make_group())


@pytest.fixture
def password_checks(monkeypatch):
    """Counts the password hashes checked."""
    calls = []
    real = login.check_password_hash

    def counting(stored, password):
        calls.append(stored)
        return real(stored, password)

    monkeypatch.setattr(login, "check_password_hash", counting)
    return calls


def fail(email, times, now=NOW):
    """`times` wrong passwords for `email`."""
    for _ in range(times):
        assert login.authenticate(email, WRONG, now=now) is None


@pytest.mark.parametrize("email", ["nobody@example.org", "coord@example.org", "erased@example.org",
                                   "neighbour@example.org"])
def test_every_refusal_costs_exactly_one_password_check_of_the_same_kind(app, coordinator, password_checks, email):
    make_person(email="neighbour@example.org").password_hash = None
    erase_person(make_person("volunteer", email="erased@example.org"), actor=None)
    db.session.commit()
    assert login.authenticate(email, WRONG, now=NOW) is None
    assert len(password_checks) == 1
    assert password_checks[0].split("$")[0] == coordinator.password_hash.split("$")[0]


def test_an_account_waiting_still_costs_one_password_check(app, coordinator, password_checks):
    fail("coord@example.org", 5)
    password_checks.clear()
    assert login.authenticate("coord@example.org", PASSWORD, now=NOW) is None
    assert len(password_checks) == 1


def test_after_five_wrong_passwords_even_the_right_one_waits(app, coordinator):
    fail("coord@example.org", 4)
    assert login.authenticate("coord@example.org", PASSWORD, now=NOW) is not None  # four are forgiven
    fail("coord@example.org", 5)
    assert login.authenticate("coord@example.org", PASSWORD, now=NOW + timedelta(seconds=59)) is None
    assert login.authenticate("coord@example.org", PASSWORD, now=NOW + timedelta(seconds=60)) is not None


def test_the_wait_doubles_with_each_further_wrong_password(app, coordinator):
    fail("coord@example.org", 5)
    fail("coord@example.org", 1, now=NOW + timedelta(seconds=60))
    db.session.refresh(coordinator)
    assert coordinator.failed_logins == 6
    assert coordinator.locked_until == NOW + timedelta(seconds=180)


def test_tries_while_waiting_do_not_lengthen_the_wait(app, coordinator):
    fail("coord@example.org", 5)
    fail("coord@example.org", 3, now=NOW + timedelta(seconds=10))
    db.session.refresh(coordinator)
    assert coordinator.failed_logins == 5 and coordinator.locked_until == NOW + timedelta(seconds=60)


def test_failures_on_two_workers_at_the_same_moment_both_count(app, coordinator):
    with make_app(app.config["SQLALCHEMY_DATABASE_URI"]).app_context():
        fail("coord@example.org", 1)  # another worker, between this one reading the count and writing it
        db.session.remove()
    db.session.rollback()
    set_committed_value(coordinator, "failed_logins", 0)  # what this worker had read
    fail("coord@example.org", 1)
    db.session.expire_all()
    assert db.session.get(Person, coordinator.id).failed_logins == 2


def test_a_right_password_clears_the_count(app, coordinator):
    fail("coord@example.org", 4)
    login.authenticate("coord@example.org", PASSWORD, now=NOW)
    fail("coord@example.org", 4)
    db.session.refresh(coordinator)
    assert coordinator.failed_logins == 4 and coordinator.locked_until is None


def test_the_wait_is_audited_without_personal_data(app, coordinator):
    fail("coord@example.org", 5)
    event = AuditEvent.query.filter_by(action="person.login_held").one()
    assert event.subject_id == coordinator.id and event.actor_id is None
    assert event.details == {"failures": 5, "seconds": 60}


def test_the_wait_settings_come_from_config(app, coordinator):
    app.config.update(LOGIN_LOCK_AFTER=2, LOGIN_LOCK_SECONDS=30)
    fail("coord@example.org", 2)
    db.session.refresh(coordinator)
    assert coordinator.locked_until == NOW + timedelta(seconds=30)


def login_page(client, email, password):
    """The answer to one login attempt, without the page's CSRF token."""
    response = post_form(client, "/auth/login", {"email": email, "password": password})
    page = response.get_data(as_text=True)
    return response.status_code, page.replace(csrf_from(page), "") if response.status_code == 400 else page


def test_a_waiting_account_and_an_unknown_email_get_the_same_page(client, coordinator):
    for _ in range(5):
        login_page(client, "coord@example.org", WRONG)
    waiting = login_page(client, "coord@example.org", PASSWORD)
    unknown = login_page(client, "nobody@example.org", PASSWORD)
    assert waiting[0] == unknown[0] == 400
    assert waiting[1].replace("coord@example.org", "") == unknown[1].replace("nobody@example.org", "")
    assert REFUSED in waiting[1]


def test_the_wait_holds_on_a_second_worker_sharing_the_database(app, client, coordinator):
    for _ in range(5):
        login_page(client, "coord@example.org", WRONG)
    other_worker = make_app(app.config["SQLALCHEMY_DATABASE_URI"])
    status, page = login_page(other_worker.test_client(), "coord@example.org", PASSWORD)
    assert status == 400 and REFUSED in page


def test_the_wait_holds_after_the_server_restarts(app, client, coordinator):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    first = make_app(url)
    first_client = first.test_client()
    for _ in range(5):
        login_page(first_client, "coord@example.org", WRONG)
    with first.app_context():
        db.engine.dispose()
    del first, first_client
    restarted = make_app(url)
    assert login_page(restarted.test_client(), "coord@example.org", PASSWORD)[0] == 400
    with restarted.app_context():
        person = db.session.execute(db.select(Person).where(Person.email == "coord@example.org")).scalar_one()
        person.locked_until = datetime.now(timezone.utc) - timedelta(seconds=1)
        db.session.commit()
    assert login_page(restarted.test_client(), "coord@example.org", PASSWORD)[0] == 302


def limited_app(url, storage):
    """A worker with the login limit on: three tries an hour per address, counted in `storage`."""
    return make_app(url, RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per hour", RATELIMIT_STORAGE_URI=storage)


def tries(app, address, times):
    """The status codes of `times` wrong passwords from `address` to `app`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return [login_page(client, "coord@example.org", WRONG)[0] for _ in range(times)]


def new_address() -> str:
    """An address no other test has used, so counts left in a shared store do not matter."""
    number = uuid.uuid4().int
    return f"10.{number % 250}.{number // 250 % 250}.{number // 62500 % 250 + 1}"


def redis_running() -> bool:
    """Whether the Redis on 127.0.0.1:6379 answers."""
    try:
        return redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not redis_running(), reason="needs Redis on 127.0.0.1:6379")
def test_a_shared_limit_store_counts_login_tries_across_workers(app, coordinator):
    storage, address = "redis://127.0.0.1:6379/15", new_address()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    assert tries(limited_app(url, storage), address, 2) == [400, 400]
    assert tries(limited_app(url, storage), address, 2) == [400, 429]  # its own connection to the store


def test_a_per_process_limit_store_lets_each_worker_count_from_zero(app, coordinator):
    url, address = app.config["SQLALCHEMY_DATABASE_URI"], new_address()
    assert tries(limited_app(url, "memory://"), address, 2) == [400, 400]
    assert tries(limited_app(url, "memory://"), address, 2) == [400, 400]


def test_production_warns_at_start_up_when_limits_are_counted_per_process(monkeypatch, caplog, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.sqlite3")
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    with caplog.at_level(logging.WARNING):
        create_app("production")
    assert sum("RATELIMIT_STORAGE_URI is memory://" in r.getMessage() for r in caplog.records) == 1
    caplog.clear()
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/15")
    with caplog.at_level(logging.WARNING):
        create_app("production")
    assert not any("RATELIMIT_STORAGE_URI" in r.getMessage() for r in caplog.records)
