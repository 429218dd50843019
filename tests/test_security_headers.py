"""Security headers and `Cache-Control: no-store` on every route in the URL map, error pages included."""
from __future__ import annotations

import pytest
from flask import url_for

from mutualaid.claims.actions import claim_need
from mutualaid.imports.actions import store_upload
from mutualaid.people.actions import issue_api_token
from tests.builders import (
    Auth,
    make_coordinator,
    make_group,
    make_need,
    make_offer,
    make_volunteer,
    post_form,
)
from tests.conftest import make_app

# Kept here on purpose, apart from the app's own list: a new route is private (no-store) until someone
# decides here that it is public.
PUBLIC_ENDPOINTS = {"main.index", "public.group", "api.openapi", "static", "main.vendor"}
PUBLIC_FILES = {"static", "main.vendor"}
FIXED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
CSP = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:", "https://tile.openstreetmap.org"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}
QUERIES = {"api.list_needs": {"lat": 51.5431, "lon": -0.06}}  # what a route needs to answer 200
NEED_FORM = {"category": "groceries", "details": "Bread and milk, please", "urgency": "today",
             "where": "flat 2, 14 Mare St E8 3RH", "name": "Edna", "phone": "07911 123456", "sms_consent": "y"}


def parse_csp(value: str) -> dict[str, set[str]]:
    """A Content-Security-Policy header as directive -> its sources."""
    directives = {}
    for part in filter(None, (p.strip() for p in value.split(";"))):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


def assert_security_headers(response, where: str) -> None:
    """The headers every answer of ours carries."""
    for name, value in FIXED.items():
        assert response.headers.get(name) == value, f"{where}: {name} is {response.headers.get(name)!r}"
    assert parse_csp(response.headers.get("Content-Security-Policy", "")) == CSP, where
    policy = response.headers.get("Permissions-Policy", "")
    assert "camera=()" in policy and "microphone=()" in policy and "geolocation=()" in policy, where
    assert "Strict-Transport-Security" not in response.headers, f"{where}: HSTS outside production"


def is_stored(response) -> bool:
    """Whether a browser or proxy may keep the answer."""
    return "no-store" not in response.headers.get("Cache-Control", "")


@pytest.fixture
def world(app, client):
    """A group with a coordinator, a volunteer who has claimed one need, an open need, an offer, and a
    need this test client sent through the web form (so its thanks page answers 200)."""
    group = make_group()
    coordinator = make_coordinator(group)
    volunteer = make_volunteer(group)
    claimed = make_need(details="Prescription from the chemist")
    claim_need(volunteer, claimed.ref)
    offer = make_offer()
    sent = post_form(client, "/need", NEED_FORM)
    assert sent.status_code == 302, sent.get_data(as_text=True)
    import_token = store_upload(coordinator, "needs", "sheet.csv", b"Name,Phone\nAda,07911123456\n")
    return {"slug": group.slug, "need": claimed.ref, "offer": offer.ref, "import_token": import_token,
            "thanks": sent.headers["Location"].rsplit("/", 2)[-2]}


def route_arguments(endpoint: str, arguments: set[str], world: dict) -> dict:
    """Values for a rule's arguments that reach real records (a route with new arguments must be taught here)."""
    values = {}
    for name in arguments:
        if name == "ref":
            values[name] = (world["offer"] if "offer" in endpoint
                            else world["thanks"] if endpoint == "intake.need_done" else world["need"])
        elif name == "slug":
            values[name] = world["slug"]
        elif name == "token" and endpoint.startswith("coordinator.import"):
            values[name] = world["import_token"]
        elif name == "token" and endpoint == "auth.set_password":
            values[name] = "a-link-that-no-longer-works"
        elif endpoint == "static" and name == "filename":
            values[name] = "style.css"
        elif endpoint == "main.vendor":
            values.update(package="leaflet", filename="leaflet.js")
        else:
            raise AssertionError(f"no test value for <{name}> of {endpoint}: add one in route_arguments")
    return values


def get_urls(app, world: dict) -> list[tuple[str, str]]:
    """(endpoint, URL) for every rule that answers GET."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" in rule.methods:
                values = route_arguments(rule.endpoint, rule.arguments, world) | QUERIES.get(rule.endpoint, {})
                urls.append((rule.endpoint, url_for(rule.endpoint, **values)))
    assert len(urls) >= 25, urls
    return urls


def walk(client, app, world, headers=None) -> dict[str, object]:
    """GET every route; check the headers on each answer and return the answers by endpoint."""
    answers = {}
    for endpoint, url in get_urls(app, world):
        response = client.get(url, headers=headers or {})
        assert_security_headers(response, f"{endpoint} {url} ({response.status_code})")
        answers[endpoint] = response
    return answers


def test_anonymous_answers_carry_the_headers_and_only_public_ones_may_be_stored(client, app, world):
    answers = walk(client, app, world)
    for endpoint, response in answers.items():
        where = f"{endpoint} ({response.status_code})"
        assert is_stored(response) == (endpoint in PUBLIC_ENDPOINTS), where
    assert answers["intake.need_done"].status_code == 200  # the neighbour's own thanks page: private
    assert answers["coordinator.home"].status_code == 302 and answers["api.list_needs"].status_code == 401


@pytest.mark.parametrize("email, private_prefixes", [
    ("vol@example.org", ("volunteer.",)),
    ("coord@example.org", ("coordinator.", "audit_log.", "exports.")),
])
def test_logged_in_answers_are_never_stored_except_files(client, app, world, email, private_prefixes):
    client.get("/auth/logout")  # nothing carried over from the neighbour's form
    assert Auth(client).login(email).status_code == 302
    answers = walk(client, app, world)
    for endpoint, response in answers.items():
        assert is_stored(response) == (endpoint in PUBLIC_FILES), f"{endpoint} ({response.status_code})"
    reached = [e for e, r in answers.items() if e.startswith(private_prefixes) and r.status_code == 200]
    assert reached and all(answers[e].status_code == 200 for e in answers if e.startswith(private_prefixes)), \
        {e: r.status_code for e, r in answers.items() if e.startswith(private_prefixes)}


def test_api_answers_to_a_token_are_never_stored(client, app, world):
    from mutualaid.extensions import db
    from mutualaid.models import Person

    coordinator = db.session.execute(db.select(Person).filter_by(email="coord@example.org")).scalar_one()
    answers = walk(client, app, world, headers={"Authorization": f"Bearer {issue_api_token(coordinator)}"})
    api = {e: r for e, r in answers.items() if e.startswith("api.") and e != "api.openapi"}
    assert api and all(r.status_code == 200 for r in api.values()), {e: r.status_code for e, r in api.items()}
    assert not any(is_stored(r) for r in api.values())
    assert all(r.mimetype == "application/json" for r in api.values())


@pytest.mark.parametrize("method, url, status", [
    ("get", "/no/such/page", 404),
    ("get", "/api/v1/no-such-thing", 404),
    ("get", "/auth/logout", 405),
])
def test_error_pages_carry_the_headers_and_are_not_stored(client, method, url, status):
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert_security_headers(response, url)
    assert not is_stored(response)


def test_a_body_too_large_is_refused_with_the_headers(client, app):
    make_group()
    body = '{"details": "' + "x" * app.config["MAX_CONTENT_LENGTH"] + '"}'
    response = client.post("/api/v1/needs", data=body, content_type="application/json")
    assert response.status_code == 413
    assert_security_headers(response, "413")
    assert not is_stored(response)


def test_a_form_too_large_is_refused_with_the_headers(client, app):
    make_group()
    response = client.post("/need", data={"details": "x" * app.config["MAX_CONTENT_LENGTH"]})
    assert response.status_code == 413
    assert_security_headers(response, "413")
    assert not is_stored(response)


def test_an_unexpected_error_page_carries_the_headers(_schema):
    app = make_app(_schema, PROPAGATE_EXCEPTIONS=False)

    @app.route("/broken")
    def broken():
        """A page that fails."""
        raise RuntimeError("boom")

    response = app.test_client().get("/broken")
    assert response.status_code == 500
    assert_security_headers(response, "500")
    assert not is_stored(response)


def test_twilio_webhooks_get_none_of_the_browser_headers(client):
    response = client.post("/sms/inbound", data={"From": "+447911123456", "Body": "hi"})
    assert response.status_code == 403  # unsigned
    assert "Content-Security-Policy" not in response.headers and "X-Frame-Options" not in response.headers


@pytest.mark.parametrize("config_overrides, expected", [
    ({"HSTS_SECONDS": 600}, "max-age=600; includeSubDomains"),
    ({"HSTS_SECONDS": 600, "HSTS_INCLUDE_SUBDOMAINS": False}, "max-age=600"),
])
def test_hsts_is_sent_when_set(client, expected):
    assert client.get("/healthz").headers["Strict-Transport-Security"] == expected


@pytest.mark.parametrize("config_overrides", [{"MAP_TILE_URL": "https://{s}.tiles.example.org/{z}/{x}/{y}.png"}])
def test_the_map_tile_host_is_the_one_image_host_allowed(client):
    images = parse_csp(client.get("/healthz").headers["Content-Security-Policy"])["img-src"]
    assert images == {"'self'", "data:", "https://*.tiles.example.org"}
