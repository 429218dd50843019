"""The first-run setup page: one form, one time, behind a key from the server's log."""
from __future__ import annotations

import logging

import pytest

from mutualaid.extensions import db
from mutualaid.first_run import token as setup_keys
from mutualaid.first_run.actions import FirstRun, set_up
from mutualaid.models import AuditEvent, Group, Person
from tests.builders import csrf_from, make_group
from tests.concurrency import at_once

PASSWORD = "a-long-enough-password"
FORM = {"group_name": "Clapton Mutual Aid", "slug": "", "centre": "E5 0LH", "radius_km": "4", "country": "GB",
        "timezone": "Europe/London", "language": "es", "phone": "", "coordinator_name": "Ada Lovelace",
        "email": "Ada@Example.org", "password": PASSWORD, "password_again": PASSWORD}


@pytest.fixture
def limits():
    """Rate limits as in testing (off), unless a test says otherwise."""
    return {}


@pytest.fixture
def config_overrides(tmp_path, limits):
    """Each test keeps its setup key in its own folder."""
    return {"SETUP_TOKEN_FILE": str(tmp_path / "setup-token"), **limits}


@pytest.fixture
def key(app):
    """The setup key, as the server's log shows it."""
    return setup_keys.setup_token(app)


def submit(client, key, **changes):
    """Open the setup page with the key and send the form."""
    page = client.get(f"/setup?token={key}")
    assert page.status_code == 200, page.status_code
    return client.post("/setup", data={**FORM, **changes, "token": key,
                                       "csrf_token": csrf_from(page.get_data(as_text=True))})


def groups() -> list[Group]:
    """Every group."""
    db.session.remove()
    return list(db.session.execute(db.select(Group)).scalars())


def test_the_form_creates_the_group_and_its_first_coordinator_and_logs_them_in(client, key):
    response = submit(client, key)

    assert response.status_code == 302 and response.headers["Location"].endswith("/coordinator/")
    (group,) = groups()
    assert (group.name, group.slug, group.timezone, group.settings["language"], group.radius_km) == \
        ("Clapton Mutual Aid", "clapton-mutual-aid", "Europe/London", "es", 4.0)
    person = db.session.execute(db.select(Person)).scalar_one()
    assert (person.email, person.role, person.group_id) == ("ada@example.org", "coordinator", group.id)
    assert client.get("/coordinator/").status_code == 200
    assert db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "group.set_up")).scalar_one()


def test_once_a_group_exists_the_page_is_gone_and_the_key_stops_working(client, key):
    assert submit(client, key).status_code == 302
    other = client.application.test_client()
    assert other.get(f"/setup?token={key}").status_code == 404
    assert other.post("/setup", data={**FORM, "token": key}).status_code in (400, 404)
    assert not setup_keys.token_file(client.application).exists()


def test_an_instance_set_up_by_the_commands_has_no_setup_page(client, key):
    make_group()
    assert client.get(f"/setup?token={key}").status_code == 404


@pytest.mark.parametrize("query", ["", "?token=", "?token=wrong-key", "?token=%s-but-longer"])
def test_a_wrong_or_missing_key_gets_the_plain_not_found_page(client, key, query):
    response = client.get("/setup" + (query % key if "%s" in query else query))
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "We could not find that page." in page and "setup" not in page.lower().replace("/setup", "")


def test_a_post_with_a_wrong_key_creates_nothing(client, key):
    page = client.get(f"/setup?token={key}")
    response = client.post("/setup", data={**FORM, "token": "guess", "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 404 and groups() == []


def test_a_post_without_its_csrf_token_creates_nothing(client, key):
    response = client.post("/setup", data={**FORM, "token": key})
    assert response.status_code == 400 and groups() == []


def test_a_short_password_is_refused_with_the_apps_rule_and_nothing_is_made(client, key):
    response = submit(client, key, password="short", password_again="short")
    assert response.status_code == 400
    assert "at least 10 characters" in response.get_data(as_text=True)
    assert groups() == [] and db.session.execute(db.select(Person)).first() is None


def test_an_unknown_place_is_refused_next_to_its_field(client, key):
    response = submit(client, key, centre="Nowhere at all 123")
    assert response.status_code == 400
    assert "We could not find that place" in response.get_data(as_text=True)
    assert groups() == []


def test_passwords_that_differ_are_refused(client, key):
    response = submit(client, key, password_again=PASSWORD + "x")
    assert response.status_code == 400 and groups() == []


@pytest.mark.parametrize("limits", [{"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "3 per minute"}])
def test_the_setup_page_is_rate_limited(app, client, key):
    answers = [client.get("/setup?token=wrong").status_code for _ in range(4)]
    assert answers == [404, 404, 404, 429]
    assert client.get(f"/setup?token={key}").status_code == 429


def first_run(email: str) -> FirstRun:
    """What two people might send at the same moment."""
    return FirstRun(group_name=f"Group of {email}", slug=email.split("@")[0], centre="E8 3RH", radius_km=5,
                    country="GB", timezone="Europe/London", language="en", phone="", coordinator_name="Someone",
                    email=email, password=PASSWORD)


def test_two_submissions_at_once_make_one_group(app):
    emails = iter(["one@example.org", "two@example.org"])

    made, errors = at_once(app, lambda: set_up(first_run(next(emails))))

    assert len(made) == 1 and [type(e).__name__ for e in errors] == ["AlreadySetUp"], errors
    assert len(groups()) == 1


def test_the_not_set_up_page_points_to_the_setup_page_and_the_log_has_the_link(client, key, caplog):
    with caplog.at_level(logging.WARNING):
        response = client.get("/")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "flask --app wsgi setup-link" in page and key not in page
    assert f"/setup?token={key}" in caplog.text


def test_setup_link_prints_the_link_while_not_set_up_and_refuses_after(runner, key):
    result = runner.invoke(args=["setup-link", "--base-url", "https://aid.example.org"])
    assert result.exit_code == 0 and f"https://aid.example.org/setup?token={key}" in result.output
    make_group()
    result = runner.invoke(args=["setup-link"])
    assert result.exit_code != 0 and "already set up" in result.output


def test_the_key_is_private_to_the_servers_user(app, key):
    import os
    import stat

    assert stat.S_IMODE(os.stat(setup_keys.token_file(app)).st_mode) == 0o600 and len(key) >= 30


@pytest.mark.parametrize(("argv", "server"), [(["/srv/.venv/bin/gunicorn", "wsgi:app"], True),
                                              (["/srv/.venv/bin/flask", "--app", "wsgi", "run"], True),
                                              (["/srv/.venv/bin/flask", "--app", "wsgi", "backup"], False),
                                              (["/srv/.venv/bin/flask", "--app", "wsgi", "scheduler"], False)])
def test_only_a_web_server_process_is_told_to_log_the_link_at_start_up(argv, server):
    assert setup_keys.started_as_server(argv) is server


def test_a_server_starting_on_an_instance_not_set_up_logs_the_link(app, key, caplog):
    app.extensions.pop(setup_keys.ANNOUNCED_KEY, None)
    with caplog.at_level(logging.WARNING):
        setup_keys.announce_at_start_up(app, ["gunicorn", "wsgi:app"])
    assert f"/setup?token={key}" in caplog.text


def test_a_server_starting_on_an_instance_set_up_logs_no_link(app, key, caplog):
    make_group()
    app.extensions.pop(setup_keys.ANNOUNCED_KEY, None)
    with caplog.at_level(logging.WARNING):
        setup_keys.announce_at_start_up(app, ["gunicorn", "wsgi:app"])
    assert "setup?token" not in caplog.text


def test_the_link_logged_by_flask_run_carries_its_host_and_port():
    assert setup_keys.address_from_argv(["flask", "--app", "wsgi", "run", "--host", "0.0.0.0", "--port", "8080"]) \
        == "http://127.0.0.1:8080"
    assert setup_keys.address_from_argv(["gunicorn", "wsgi:app"]) is None
