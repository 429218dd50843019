"""Privacy (DESIGN.md §4): a planted name, phone, email and address never reach a volunteer who has not claimed."""
import logging

import pytest

from mutualaid.extensions import db
from mutualaid.models import Message
from mutualaid.people.actions import issue_api_token
from mutualaid.claims.actions import claim_need
from tests.builders import make_group, make_need, make_volunteer, post_form
from tests.sms_helpers import GROUP_NUMBER, sms_config

NAME, PHONE, EMAIL = "Zebedee Canarybird", "+447911123499", "zebedee@canary.example"
STREET = "99 Canary Wharf Lane"
CANARIES = (NAME, "Zebedee", "Canarybird", PHONE, "7911123499", "07911 123499", EMAIL, STREET, "E8 3RH")


@pytest.fixture
def config_overrides():
    """Console SMS."""
    return sms_config()


@pytest.fixture
def world(app, client, auth):
    """A canary need, an approved volunteer (logged in, not the claimer) and another who claims a second need."""
    group = make_group(phone_number=GROUP_NUMBER)
    onlooker = make_volunteer(group, email="onlooker@example.org", phone="+447911123450")
    claimer = make_volunteer(group, email="claimer@example.org", phone="+447911123451")
    need = make_need(name=NAME, phone=PHONE, email=EMAIL, where=f"{STREET}, E8 3RH",
                     details=f"Please ring {PHONE[3:]} or email {EMAIL}, I'm {NAME} at {STREET}")
    other = make_need(name=NAME, phone=PHONE, where=f"{STREET}, E8 3RH", details="second request")
    claim_need(claimer, other.ref)
    auth.login(onlooker.email)
    return {"need": need, "other": other, "onlooker": onlooker, "token": issue_api_token(onlooker)}


def assert_clean(text: str, where: str) -> None:
    """No canary in `text`."""
    for canary in CANARIES:
        assert canary.lower() not in text.lower(), f"{canary!r} leaked in {where}"


def test_no_page_a_volunteer_can_open_shows_the_requester(client, world):
    need, other = world["need"], world["other"]
    urls = ["/", "/volunteer/", "/volunteer/?category=groceries&km=10&urgency=soon", "/volunteer/claims",
            f"/volunteer/needs/{need.ref}", f"/volunteer/needs/{other.ref}", f"/need/{need.ref}/thanks",
            "/volunteer/needs/ZZZZZ", f"/coordinator/needs/{need.ref}", "/coordinator/messages",
            "/does-not-exist"]
    for url in urls:
        response = client.get(url)
        assert_clean(response.get_data(as_text=True), url)
    assert "Please ring" in client.get(f"/volunteer/needs/{need.ref}").get_data(as_text=True)


def test_the_map_data_holds_only_approximate_points(client, world):
    page = client.get("/volunteer/").get_data(as_text=True)
    data = page.split('id="need-points">')[1].split("</script>")[0]
    assert world["need"].ref in data
    assert str(world["need"].exact_lat) not in data and str(world["need"].exact_lon) not in data
    assert_clean(data, "map data")


def test_no_json_a_volunteer_can_fetch_shows_the_requester(client, world):
    headers = {"Authorization": f"Bearer {world['token']}"}
    need = world["need"]
    for url in [f"/api/v1/needs/{need.ref}", f"/api/v1/needs/{world['other'].ref}",
                "/api/v1/needs?lat=51.5431&lon=-0.06&radius_km=10", "/api/v1/claims", "/api/v1/needs/ZZZZZ"]:
        response = client.get(url, headers=headers)
        body = response.get_data(as_text=True)
        assert_clean(body, url)
        assert str(need.exact_lat) not in body


def test_a_failed_claim_and_its_error_do_not_reveal_the_requester(client, world):
    response = post_form(client, f"/volunteer/needs/{world['other'].ref}/claim", {},
                         page_url=f"/volunteer/needs/{world['need'].ref}", follow_redirects=True)
    assert_clean(response.get_data(as_text=True), "failed claim")
    api = client.post(f"/api/v1/needs/{world['other'].ref}/claim",
                      headers={"Authorization": f"Bearer {world['token']}"})
    assert api.status_code == 409
    assert_clean(api.get_data(as_text=True), "API 409")


def test_nothing_sent_to_volunteers_names_the_requester(client, world):
    volunteer_numbers = {"+447911123450", "+447911123451"}
    for message in db.session.execute(db.select(Message)).scalars():
        if message.to_number in volunteer_numbers or message.channel == "email":
            assert_clean(message.body, f"message {message.template}")


def test_no_log_line_holds_personal_data(client, world, caplog):
    caplog.set_level(logging.DEBUG)
    make_need(name=NAME, phone=PHONE, email=EMAIL, where=f"{STREET}, E8 3RH", details="third")
    client.get("/volunteer/")
    client.get(f"/volunteer/needs/{world['need'].ref}")
    assert_clean(caplog.text, "logs")


def test_a_crash_is_logged_by_type_and_place_never_with_the_errors_own_text(app, client, caplog):
    def crash():  # as a database error does: "DETAIL: Failing row contains (...)" or SQLAlchemy's parameters
        raise ValueError(f"Failing row contains ({PHONE}, {NAME}, {STREET})")

    app.add_url_rule("/crash-for-test", "crash_for_test", crash)
    caplog.set_level(logging.DEBUG)
    response = client.get("/crash-for-test")
    assert response.status_code == 500
    assert "unhandled ValueError on GET /crash-for-test" in caplog.text
    assert "raise ValueError" in caplog.text  # where it happened is kept
    assert_clean(caplog.text, "logs")
    assert_clean(response.get_data(as_text=True), "the error page")


def test_a_failed_job_is_logged_by_type_and_place_never_with_the_errors_own_text(app, caplog, monkeypatch):
    from mutualaid.jobs.registry import JOBS, Job
    from mutualaid.jobs.runner import run_job

    def fail(now):
        raise ValueError(f"Failing row contains ({PHONE}, {NAME}, {STREET})")

    monkeypatch.setitem(JOBS, "failing_for_test", Job("failing_for_test", 60, fail, "fails"))
    caplog.set_level(logging.DEBUG)
    run = run_job("failing_for_test")
    assert run is not None and run.error.startswith("ValueError")
    assert "job failing_for_test failed: ValueError" in caplog.text and "raise ValueError" in caplog.text
    assert_clean(caplog.text, "logs")
