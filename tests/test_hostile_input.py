"""Hostile input never gives a 500: every form and API route in the URL map, sent over-long strings, NUL
characters, too many fields, too large a body and values of the wrong type, answers 2xx-4xx (a 4xx with
a message), and nothing longer than its column is stored."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import String

from mutualaid.claims.actions import claim_need
from mutualaid.extensions import db
from mutualaid.needs.actions import cancel_key
from mutualaid.people.actions import issue_api_token
from tests.builders import (
    csrf_from,
    make_coordinator,
    make_group,
    make_need,
    make_offer,
    make_person,
    make_volunteer,
    post_form,
)
from tests.sms_helpers import GROUP_NUMBER, signed_post, sms_config

LONG = "x" * 5000
API_LONG = "x" * 6000
# A plausible value for every field a form may have, so that one hostile field at a time gets as far as it can.
PLAUSIBLE = {"category": "groceries", "details": "Bread and milk", "urgency": "soon", "where": "E8 3RH",
             "name": "Ada", "phone": "+447911123459", "email": "ada@example.org", "quantity": "1", "kind": "item",
             "language": "en", "home": "E8 3RH", "radius_km": "3", "capacity": "1", "channel": "sms",
             "password": "not-the-password", "reason": "Sorry", "outcome": "Done", "text": "Hello", "body": "A note",
             "message": "Back soon", "ref": "ZZZZZ", "contact": "+447911123459", "km": "3", "min_days": "1",
             "retention_days": "400", "message_retention_days": "100", "draft_retention_days": "30"}
API_ROUTES = {"/api/v1/needs": {"category": "groceries", "details": "Bread", "where": "E8 3RH", "urgency": "soon",
                                "contact": {"name": "Ada", "phone": "+447911123459", "email": "", "language": "en"}},
              "/api/v1/offers": {"category": "household", "details": "A cot", "kind": "item", "quantity": 1,
                                 "available_until": "2099-12-31", "where": "E8 4",
                                 "contact": {"name": "Olu", "phone": "+447911123458"}},
              "/api/v1/needs/{ref}/claim": {}, "/api/v1/needs/{ref}/release": {"reason": "Sorry"},
              "/api/v1/needs/{ref}/fulfil": {"outcome": "Done"}}
WRONG_TYPES = [12, 1.5, True, None, ["a"], {"a": 1}]


@pytest.fixture
def config_overrides():
    """Signed SMS webhooks, so a hostile text reaches the SMS path."""
    return sms_config()


class Forms(HTMLParser):
    """The forms of a page: action -> the names of their fields."""

    def __init__(self, page: str):
        super().__init__()
        self.page = page.split("?")[0]
        self.forms: dict[str, set[str]] = {}
        self._action = None

    def handle_starttag(self, tag, attrs):
        """Note each form's action and the names inside it."""
        attrs = dict(attrs)
        if tag == "form":
            self._action = (attrs.get("action") or self.page).split("?")[0]
            self.forms.setdefault(self._action, set())
        elif tag in ("input", "select", "textarea", "button") and self._action is not None and attrs.get("name"):
            self.forms[self._action].add(attrs["name"])

    def handle_endtag(self, tag):
        """A form ends."""
        if tag == "form":
            self._action = None


@pytest.fixture
def world(app):
    """A group, its coordinator and a volunteer (logged in, each in their own browser), a need the volunteer
    has taken, an open need, an offer, a person to erase, and an API token."""
    group = make_group(phone_number=GROUP_NUMBER)
    coordinator, volunteer = make_coordinator(group), make_volunteer(group)
    taken, open_need, offer = make_need(), make_need(details="A lift", phone="+447911123450"), make_offer()
    claim_need(volunteer, taken.ref)
    spare = make_person(group=group, phone="+447911123451", name="Spare")
    token = issue_api_token(volunteer)
    db.session.commit()
    browsers = {"anonymous": app.test_client(), "coordinator": app.test_client(), "volunteer": app.test_client()}
    for role, person in (("coordinator", coordinator), ("volunteer", volunteer)):
        page = browsers[role].get("/auth/login").get_data(as_text=True)
        browsers[role].post("/auth/login", data={"email": person.email, "password": "correct-horse-battery",
                                                 "csrf_token": csrf_from(page)})
    values = {"ref": taken.ref, "person_id": spare.id, "message_id": 1, "kind": "needs", "slug": group.slug,
              "token": "no-such-upload"}
    return {"browsers": browsers, "values": values, "taken": taken, "open": open_need, "offer": offer,
            "token": token, "cancel": cancel_key(open_need)}


def role_for(path: str) -> str:
    """Which browser may reach a path's form."""
    if path.startswith("/coordinator"):
        return "coordinator"
    if path.startswith("/volunteer") or path == "/auth/erase":
        return "volunteer"
    return "anonymous"


def url_for_rule(rule, world) -> str:
    """A rule's path with real values for its arguments (offers' routes get the offer's reference)."""
    values = dict(world["values"])
    if rule.rule.startswith("/coordinator/offers"):
        values["ref"] = world["offer"].ref
    if rule.rule.startswith("/need/"):
        values["ref"] = world["open"].ref
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)


def form_routes(app, world) -> list[tuple[str, str, set[str]]]:
    """Every HTML route that takes a POST: (role, url, the names its forms send), found by reading every
    page there is to GET (as the browser that may see it)."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static" and not r.rule.startswith(("/api", "/sms"))]
    forms: dict[str, set[str]] = {}
    for rule in rules:
        if "GET" not in rule.methods or "vendor" in rule.rule or rule.rule.endswith((".csv", ".json")):
            continue
        url = url_for_rule(rule, world)
        if rule.endpoint == "intake.need_cancel":
            url += f"?key={world['cancel']}"
        response = world["browsers"][role_for(url)].get(url)
        assert response.status_code < 500, url
        parser = Forms(url)
        parser.feed(response.get_data(as_text=True))
        for action, names in parser.forms.items():
            forms.setdefault(action, set()).update(names)
    routes = []
    for rule in rules:
        if "POST" in rule.methods:
            url = url_for_rule(rule, world)
            routes.append((role_for(url), url, forms.get(url)))
    return routes


def variants(names: set[str] | None):
    """(what, fields) to send: each field alone over-long, and alone sent twice; where no page showed the
    route's form (not for a need in this state), every field any form has, all at once."""
    if names is None:
        yield "every field long", {name: LONG for name in PLAUSIBLE}
        yield "every field twice", {name: ["a", "b"] for name in PLAUSIBLE}
        return
    base = {name: PLAUSIBLE.get(name, "1") for name in names if name != "csrf_token"}
    for name in sorted(base):
        yield f"{name} long", {**base, name: LONG}
        yield f"{name} twice", {**base, name: ["a", "b"]}
    yield "NUL everywhere", {name: f"a\x00{value}" for name, value in base.items()}


def csrf(world, role) -> str:
    """A CSRF token for that browser's session."""
    return csrf_from(world["browsers"][role].get("/need").get_data(as_text=True))


def assert_answered(response, where):
    """No server error; a refusal says why."""
    assert response.status_code < 500, where
    if response.status_code >= 400:
        if response.is_json:
            assert response.get_json()["error"]["message"], where
        else:
            assert len(response.get_data(as_text=True).strip()) > 20, where


def assert_nothing_stored_too_long():
    """No stored string is longer than its column (SQLite would have stored it; PostgreSQL would have failed)."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String) and column.type.length:
                longest = db.session.execute(db.select(db.func.max(db.func.length(column)))).scalar()
                assert (longest or 0) <= column.type.length, f"{table.name}.{column.name}"


def test_every_form_route_answers_hostile_fields_without_a_server_error(app, world):
    routes = form_routes(app, world)
    assert len(routes) >= 30
    for role, url, names in routes:
        browser, token = world["browsers"][role], csrf(world, role)
        if url.endswith("/cancel"):
            url += f"?key={world['cancel']}"
        for what, fields in variants(names):
            assert_answered(browser.post(url, data={**fields, "csrf_token": token}), f"{url} {what}")
            db.session.rollback()
    assert_nothing_stored_too_long()


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_every_form_route_refuses_too_many_fields_and_too_large_a_body_with_413(app, world, encoding):
    for role, url, _names in form_routes(app, world):
        browser, token = world["browsers"][role], csrf(world, role)
        content_type = "multipart/form-data" if encoding == "multipart" else "application/x-www-form-urlencoded"
        many = browser.post(url, data={**{f"f{i}": "1" for i in range(1001)}, "csrf_token": token},
                            content_type=content_type)
        big = browser.post(url, data={"details": "x" * (300 * 1024), "csrf_token": token}, content_type=content_type)
        for response, what in ((many, "1,001 fields"), (big, "body over the limit")):
            assert response.status_code == 413, f"{url} {what}"
            assert "too much" in response.get_data(as_text=True), f"{url} {what}"


def test_the_413_page_for_a_form_says_what_happened_in_the_page_language(client, world):
    response = client.post("/need", data={"details": "x" * (300 * 1024)}, headers={"Accept-Language": "es"})
    assert response.status_code == 413
    assert "Too long" in response.get_data(as_text=True) or "Demasiado" in response.get_data(as_text=True)


def api_url(template: str, world) -> str:
    """An API route with the taken need's reference."""
    return template.format(ref=world["taken"].ref)


def hostile_bodies(body: dict):
    """(what, body) pairs: each string field (also inside `contact`) over-long, with a NUL, and of each
    wrong type."""
    for key, value in body.items():
        if isinstance(value, dict):
            for inner in value:
                for what, bad in (("long", API_LONG), ("NUL", "a\x00b"), *(("type", w) for w in WRONG_TYPES)):
                    yield f"contact.{inner} {what}", {**body, key: {**value, inner: bad}}
            continue
        for what, bad in (("long", API_LONG), ("NUL", "a\x00b"), *(("type", w) for w in WRONG_TYPES)):
            if what == "type" and type(bad) is type(value):
                continue
            yield f"{key} {what}", {**body, key: bad}


def test_every_api_post_route_answers_hostile_json_with_a_4xx_and_a_message(client, world):
    headers = {"Authorization": f"Bearer {world['token']}"}
    for template, body in API_ROUTES.items():
        url = api_url(template, world)
        for what, hostile in hostile_bodies(body):
            response = client.post(url, json=hostile, headers=headers)
            assert_answered(response, f"{url} {what}")
            if what.endswith(("long", "NUL")) and body:
                assert 400 <= response.status_code < 500, f"{url} {what}"
        for what, data in (("not JSON", "{"), ("nested", "[" * 5000 + "]" * 5000), ("a list", "[1]"),
                           ("many fields", "{" + ",".join(f'"f{i}": 1' for i in range(1001)) + "}"),
                           ("too large", '{"details": "' + "x" * (300 * 1024) + '"}'), ("NUL key", '{"a\\u0000": 1}'),
                           ("bad UTF-8", b'{"details": "\xff"}')):
            response = client.post(url, data=data, content_type="application/json", headers=headers)
            assert_answered(response, f"{url} {what}")
            if body and what != "many fields":  # a claim reads no body; unknown fields are ignored
                assert 400 <= response.status_code < 500, f"{url} {what}"
        db.session.rollback()
    assert_nothing_stored_too_long()


def test_a_deeply_nested_body_is_refused_with_400_saying_so(client, world):
    for url in ("/api/v1/needs", "/api/v1/offers"):
        response = client.post(url, data="[" * 20000, content_type="application/json")
        assert response.status_code == 400
        assert "nested too deeply" in response.get_json()["error"]["message"]


def test_an_api_body_over_its_limit_is_refused_with_413(client, world):
    response = client.post("/api/v1/needs", json={**API_ROUTES["/api/v1/needs"], "padding": "x" * (40 * 1024)})
    assert response.status_code == 413
    assert response.get_json()["error"]["message"]


@pytest.mark.parametrize("key", ["k" * 65, "a\x00b", "tab\there"])
def test_a_strange_idempotency_key_is_refused_with_400(client, world, key):
    response = client.post("/api/v1/needs", json=API_ROUTES["/api/v1/needs"], headers={"Idempotency-Key": key})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.get_json()["error"]["message"]


def test_a_text_with_nul_and_an_over_long_body_is_kept_without_its_nul(client, world):
    for body in ("need groceries\x00 today E8 3RH", "need groceries " + LONG):
        assert_answered(signed_post(client, "/sms/inbound", {
            "MessageSid": f"SM{len(body):032d}", "From": "+447911123452", "To": GROUP_NUMBER, "Body": body}),
            "sms")
    assert_nothing_stored_too_long()


def test_the_need_form_stops_typing_at_each_fields_limit_and_says_so_when_passed(client, world):
    page = client.get("/need").get_data(as_text=True)
    for name, limit in (("name", 120), ("phone", 40), ("email", 254), ("where", 300)):
        assert re.search(rf'maxlength="{limit}"[^>]*name="{name}"|name="{name}"[^>]*maxlength="{limit}"', page), name
    response = post_form(client, "/need", {"category": "groceries", "details": "Bread", "where": "E8 3RH",
                                           "phone": "+447911123459", "name": "A" * 121})
    assert response.status_code == 400 and "Please keep this to 120 characters." in response.get_data(as_text=True)
