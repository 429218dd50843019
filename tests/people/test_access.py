"""Access is checked on the server for every route."""
import re

import pytest

from tests.builders import make_coordinator, make_group, make_need, make_volunteer, post_form

COORDINATOR_PAGES = ["/coordinator/", "/coordinator/volunteers", "/coordinator/intake"]


@pytest.fixture(autouse=True)
def group(app):
    """The Hackney group."""
    return make_group()


def every_rule(app):
    """(rule, methods) for every route the app serves, but static files."""
    return [(r.rule, r.methods - {"HEAD", "OPTIONS"}) for r in app.url_map.iter_rules() if r.endpoint != "static"]


@pytest.mark.parametrize("url", COORDINATOR_PAGES)
def test_anonymous_visitors_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("url", COORDINATOR_PAGES)
def test_volunteers_cannot_open_coordinator_pages(client, auth, group, url):
    make_volunteer(group)
    auth.login("vol@example.org")
    assert client.get(url).status_code == 403


def test_volunteer_cannot_open_a_need_through_the_coordinator_view(client, auth, group):
    make_volunteer(group)
    need = make_need()
    auth.login("vol@example.org")
    response = client.get(f"/coordinator/needs/{need.ref}")
    assert response.status_code == 403
    assert "Requester" not in response.get_data(as_text=True)


def test_volunteer_cannot_change_a_needs_status(client, auth, group):
    make_volunteer(group)
    need = make_need()
    auth.login("vol@example.org")
    response = post_form(client, f"/coordinator/needs/{need.ref}/status", {"status": "cancelled"}, page_url="/")
    assert response.status_code == 403
    assert need.status == "open"


def test_coordinator_of_another_group_cannot_see_a_needs_private_data(client, auth, group):
    leeds = make_group(slug="leeds", name="Leeds", centre=(53.8, -1.55))
    make_coordinator(leeds, email="leeds@example.org")
    need = make_need(name="Canary Name")
    auth.login("leeds@example.org")
    response = client.get(f"/coordinator/needs/{need.ref}")
    assert response.status_code == 403
    assert "Canary Name" not in response.get_data(as_text=True)


def test_a_neighbour_without_a_volunteer_profile_cannot_open_volunteer_pages(client, auth, group):
    from tests.builders import make_person

    make_person(group=group, email="n@example.org")
    auth.login("n@example.org")
    assert client.get("/volunteer/").status_code == 403


def test_every_non_public_route_refuses_anonymous_visitors(client, app):
    public = {"/", "/need", "/offer", "/auth/login", "/auth/signup", "/auth/forgot", "/healthz", "/language",
              "/need/<ref>/thanks", "/offer/<ref>/thanks", "/api/v1/openapi.json", "/api/v1/needs",
              "/api/v1/offers",
              "/vendor/<package>/<path:filename>", "/sms/inbound", "/sms/status", "/groups/<slug>", "/forget"}
    for rule, methods in every_rule(app):
        if rule in public:
            continue
        url = re.sub(r"<int:\w+>", "1", rule.replace("<ref>", "AAAAA"))
        for method in methods:
            response = client.open(url, method=method)
            allowed = (302, 400, 401, 403) + ((404,) if rule in ("/need/<ref>/cancel", "/setup") else ())  # needs its key
            assert response.status_code in allowed, (method, url, response.status_code)
            if response.status_code == 302:
                assert "/auth/login" in response.headers["Location"], (method, url)
