"""The JSON API under /api/v1: creating needs and offers, reading them as the caller may, listing nearby."""
from __future__ import annotations

import json
from datetime import datetime, timezone
import re

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Need, Offer, Person
from mutualaid.coordination import actions as coordination
from mutualaid.people.actions import issue_api_token
from tests.builders import make_coordinator, make_group, make_need, make_person, make_volunteer

NEED = {"category": "groceries", "details": "Bread and milk, please", "urgency": "today",
        "where": "flat 2, 14 Mare St E8 3RH", "contact": {"name": "Edna", "phone": "07911 123456"}}
OFFER = {"category": "household", "details": "A baby cot, good condition", "kind": "item", "quantity": 2,
         "available_until": "2099-12-31", "where": "E8 4",
         "contact": {"name": "Olu", "phone": "07911 123457"}}
# A point inside the E8 1 sector, where none of the needs below are.
ORIGIN = (51.5470, -0.0601)


@pytest.fixture(autouse=True)
def group(app):
    """Every test here has the Hackney group."""
    return make_group()


def api_volunteer(group, status="approved") -> Person:
    """A volunteer who only calls the API with a token (no password: hashing one is slow)."""
    return make_volunteer(group, email=None, status=status)


def api_coordinator(group) -> Person:
    """A coordinator of `group` who only calls the API with a token."""
    return make_coordinator(group, email=None)


def bearer(person: Person) -> dict:
    """An Authorization header with a fresh API token for `person`."""
    return {"Authorization": f"Bearer {issue_api_token(person)}"}


def post_need(client, body, headers=None):
    """POST a need as JSON."""
    return client.post("/api/v1/needs", json=body, headers=headers or {})


def count(model) -> int:
    """How many rows of `model` are stored."""
    return len(db.session.execute(db.select(model.id)).all())


def only(model):
    """The single row of `model` (fails if there are more or none)."""
    rows = db.session.execute(db.select(model)).scalars().all()
    assert len(rows) == 1, rows
    return rows[0]


def error_of(response) -> dict:
    """The `error` object of a JSON error response."""
    assert response.is_json, response.get_data(as_text=True)
    return response.get_json()["error"]


def shown(response) -> str:
    """The response's JSON as text, without timestamps (whose digits could look like a phone's)."""
    def strip(value):
        """Drop `created_at` at every level."""
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "created_at"}
        return [strip(v) for v in value] if isinstance(value, list) else value
    return json.dumps(strip(response.get_json()), ensure_ascii=False)


def list_needs(client, person=None, **params):
    """GET /api/v1/needs near ORIGIN (unless told otherwise) as `person`."""
    query = {"lat": ORIGIN[0], "lon": ORIGIN[1], **params}
    return client.get("/api/v1/needs", query_string=query, headers=bearer(person) if person else {})


# Creating a need

def test_posting_a_need_creates_it_and_returns_201_with_the_public_view(client):
    response = post_need(client, NEED)
    need = only(Need)
    body = response.get_json()
    assert response.status_code == 201
    assert body["ref"] == need.ref and body["type"] == "need"
    assert body["category"] == "groceries" and body["urgency"] == "today" and body["status"] == "open"
    assert body["location"]["status"] == "known" and body["location"]["label"] == "E8 3"
    assert need.source == "api" and need.requester.phone == "+447911123456"


def test_the_created_need_response_holds_no_name_phone_address_or_exact_point(client):
    response = post_need(client, {**NEED, "details": "Bread please, ring Edna on 07911 123456"})
    need = only(Need)
    text = shown(response)
    body = response.get_json()
    assert "private" not in body
    for secret in ("Edna", "7911", "123456", "Mare St", "E8 3RH", "flat 2"):
        assert secret not in text
    assert str(need.exact_lat) not in text and str(need.exact_lon) not in text
    assert (body["location"]["approximate_lat"], body["location"]["approximate_lon"]) \
        == (need.public_lat, need.public_lon) != (need.exact_lat, need.exact_lon)


def test_replaying_a_post_with_the_same_idempotency_key_returns_200_and_the_same_need(client):
    first = post_need(client, NEED, {"Idempotency-Key": "retry-7f3a"})
    second = post_need(client, NEED, {"Idempotency-Key": "retry-7f3a"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["ref"] == second.get_json()["ref"]
    assert count(Need) == 1


def test_different_idempotency_keys_create_different_needs(client):
    post_need(client, NEED, {"Idempotency-Key": "first"})
    post_need(client, NEED, {"Idempotency-Key": "second"})
    assert count(Need) == 2


def test_long_idempotency_keys_that_differ_only_at_the_end_are_different_keys(client):
    first = post_need(client, NEED, {"Idempotency-Key": "k" * 60 + "0001"})
    second = post_need(client, NEED, {"Idempotency-Key": "k" * 60 + "0002"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert count(Need) == 2


def test_an_idempotency_key_longer_than_64_characters_is_refused(client):
    response = post_need(client, NEED, {"Idempotency-Key": "k" * 65})
    assert response.status_code == 400
    assert "Idempotency-Key" in error_of(response)["message"]
    assert count(Need) == 0


@pytest.mark.parametrize("body", ['["groceries"]', '"groceries"', "42", "null", '{"category": "groc'])
def test_a_body_that_is_not_a_json_object_is_refused_with_400(client, body):
    response = client.post("/api/v1/needs", data=body, content_type="application/json")
    error = error_of(response)
    assert response.status_code == 400
    assert error == {"status": 400, "message": "Send a JSON object with Content-Type: application/json.",
                     "field": None}
    assert count(Need) == 0


def test_a_json_object_sent_with_the_wrong_content_type_is_refused_with_400(client):
    response = client.post("/api/v1/needs", data=json.dumps(NEED), content_type="text/plain")
    assert response.status_code == 400
    assert "Content-Type: application/json" in error_of(response)["message"]
    assert count(Need) == 0


@pytest.mark.parametrize("changes, field", [
    ({"category": 5}, "category"),
    ({"details": ["bread", "milk"]}, "details"),
    ({"urgency": 1}, "urgency"),
    ({"where": {"street": "Mare St"}}, "where"),
    ({"contact": "Edna 07911 123456"}, "contact"),
    ({"contact": {"name": "Edna", "phone": 7911123456}}, "phone"),
    ({"contact": {"name": ["Edna"], "phone": "07911 123456"}}, "name"),
])
def test_fields_of_the_wrong_type_are_refused_naming_the_field(client, changes, field):
    response = post_need(client, {**NEED, **changes})
    error = error_of(response)
    assert response.status_code == 400
    assert error["field"] == field and error["message"]
    assert count(Need) == 0


def test_a_missing_category_is_refused_naming_the_field(client):
    response = post_need(client, {k: v for k, v in NEED.items() if k != "category"})
    assert response.status_code == 400
    assert error_of(response) == {"status": 400, "message": "'category' is required.", "field": "category"}


def test_an_unknown_category_is_refused_with_the_service_message(client):
    response = post_need(client, {**NEED, "category": "weapons"})
    assert response.status_code == 400
    assert error_of(response) == {"status": 400, "message": "Please choose what kind of help this is.",
                                  "field": "category"}
    assert count(Need) == 0


def test_a_need_without_any_way_to_reach_the_person_is_refused(client):
    response = post_need(client, {**NEED, "contact": {"name": "Edna"}})
    assert response.status_code == 400
    assert error_of(response)["field"] == "phone"


def test_mass_assignment_of_status_role_claimer_and_ref_is_ignored(client):
    response = post_need(client, {**NEED, "status": "fulfilled", "role": "coordinator", "claimed_by": 1,
                                  "ref": "AAAAA", "group_id": 999, "requester_id": 1,
                                  "contact": {**NEED["contact"], "role": "coordinator"}})
    need = only(Need)
    assert response.status_code == 201
    assert need.status == "open" and need.ref != "AAAAA" and need.claims == []
    assert need.requester.role == "neighbour"
    assert db.session.execute(db.select(Person).where(Person.role == "coordinator")).first() is None


# Reading one need

def test_reading_a_need_without_a_token_is_401_whether_or_not_it_exists(client):
    """The public page names no request, so an anonymous caller gets nothing, not even whether it exists."""
    need = make_need(name="Edna", phone="+447911123456", where="flat 2, 14 Mare St E8 3RH")
    real, made_up = client.get(f"/api/v1/needs/{need.ref}"), client.get("/api/v1/needs/ZZZZZ")
    assert real.status_code == made_up.status_code == 401
    assert real.get_json() == made_up.get_json() and error_of(real)["status"] == 401
    assert real.headers["WWW-Authenticate"].startswith("Bearer")
    assert need.ref not in real.get_data(as_text=True) and "Bread" not in real.get_data(as_text=True)


def test_an_approved_volunteer_reads_the_public_view_of_a_need(client, group):
    need = make_need(name="Edna", phone="+447911123456", where="flat 2, 14 Mare St E8 3RH")
    response = client.get(f"/api/v1/needs/{need.ref}", headers=bearer(api_volunteer(group)))
    body = response.get_json()
    assert response.status_code == 200
    assert body["ref"] == need.ref and "private" not in body
    text = shown(response)
    assert "Edna" not in text and "7911" not in text and "Mare St" not in text
    assert str(need.exact_lat) not in text


def test_a_volunteer_not_yet_approved_is_refused_the_same_for_real_and_made_up_references(client, group):
    need = make_need()
    headers = bearer(api_volunteer(group, status="pending"))
    real = client.get(f"/api/v1/needs/{need.ref}", headers=headers)
    made_up = client.get("/api/v1/needs/ZZZZZ", headers=headers)
    assert real.status_code == made_up.status_code == 403 and real.get_json() == made_up.get_json()


def test_a_reference_typed_in_lower_case_finds_the_need(client, group):
    need = make_need()
    response = client.get(f"/api/v1/needs/{need.ref.lower()}", headers=bearer(api_volunteer(group)))
    assert response.get_json()["ref"] == need.ref


def test_a_coordinator_of_the_group_sees_the_private_view_with_a_bearer_token(client, group):
    need = make_need(name="Edna", phone="+447911123456", where="flat 2, 14 Mare St E8 3RH")
    coordinator = api_coordinator(group)
    response = client.get(f"/api/v1/needs/{need.ref}", headers=bearer(coordinator))
    private = response.get_json()["private"]
    assert response.status_code == 200
    assert private["name"] == "Edna" and private["address"] == "flat 2, 14 Mare St E8 3RH"
    assert (private["exact_lat"], private["exact_lon"]) == (need.exact_lat, need.exact_lon)


def test_a_coordinators_look_at_private_data_is_audited(client, group):
    need = make_need()
    coordinator = api_coordinator(group)
    client.get(f"/api/v1/needs/{need.ref}", headers=bearer(coordinator))
    events = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "need.private_viewed")
                                ).scalars().all()
    assert [(e.actor_id, e.subject_type, e.subject_id) for e in events] == [(coordinator.id, "need", need.id)]


def test_a_coordinator_of_another_group_gets_only_the_public_view_and_no_audit(client):
    need = make_need()
    leeds = make_group(slug="leeds", name="Leeds Mutual Aid", centre=(53.80, -1.55))
    outsider = api_coordinator(leeds)
    response = client.get(f"/api/v1/needs/{need.ref}", headers=bearer(outsider))
    assert response.status_code == 200 and "private" not in response.get_json()
    assert db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "need.private_viewed")
                              ).first() is None


def test_an_invalid_token_reading_a_need_gets_401(client):
    need = make_need()
    response = client.get(f"/api/v1/needs/{need.ref}", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401 and "ref" not in response.get_json()


@pytest.mark.parametrize("ref", ["ZZZZZ", "!!", "a" * 40])
def test_an_unknown_reference_is_a_404_in_json(client, group, ref):
    response = client.get(f"/api/v1/needs/{ref}", headers=bearer(api_volunteer(group)))
    assert response.status_code == 404
    assert error_of(response)["status"] == 404


# Listing needs near a point

def test_listing_needs_without_a_token_is_401_with_a_bearer_challenge(client):
    make_need()
    response = list_needs(client)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert error_of(response)["status"] == 401


def test_listing_needs_with_an_unknown_token_is_401(client):
    response = client.get("/api/v1/needs", query_string={"lat": ORIGIN[0], "lon": ORIGIN[1]},
                          headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


@pytest.mark.parametrize("status", ["pending", "paused", "rejected"])
def test_a_volunteer_who_is_not_approved_may_not_list_needs(client, group, status):
    volunteer = api_volunteer(group, status)
    response = list_needs(client, volunteer)
    assert response.status_code == 403
    assert error_of(response)["status"] == 403


def test_a_neighbour_with_a_token_may_not_list_needs(client, group):
    neighbour = make_person(group=group)
    assert list_needs(client, neighbour).status_code == 403


def test_an_approved_volunteer_lists_open_needs_nearby(client, group):
    need = make_need()
    response = list_needs(client, api_volunteer(group))
    assert response.status_code == 200
    assert [n["ref"] for n in response.get_json()["needs"]] == [need.ref]


def test_a_volunteer_lists_only_their_own_groups_needs_where_two_groups_meet(client, group):
    ours = make_need()
    islington = make_group(slug="islington", name="Islington Mutual Aid")
    theirs = make_need(details="Soup for two")
    db.session.get(Need, theirs.id).group_id = islington.id
    db.session.commit()
    for person, ref in ((api_volunteer(group), ours.ref), (api_volunteer(islington), theirs.ref),
                        (api_coordinator(islington), theirs.ref)):
        assert [n["ref"] for n in list_needs(client, person).get_json()["needs"]] == [ref]


def test_a_coordinator_may_list_needs(client, group):
    need = make_need()
    response = list_needs(client, api_coordinator(group))
    assert [n["ref"] for n in response.get_json()["needs"]] == [need.ref]


def test_listed_needs_are_public_views_with_a_coarse_distance(client, group):
    need = make_need(name="Edna", phone="+447911123456", where="flat 2, 14 Mare St E8 3RH")
    response = list_needs(client, api_volunteer(group))
    (listed,) = response.get_json()["needs"]
    text = shown(response)
    assert "private" not in listed and "Edna" not in text and "7911" not in text and "Mare St" not in text
    assert str(need.exact_lat) not in text
    assert listed["distance_km"] * 2 == int(listed["distance_km"] * 2)


def test_needs_are_listed_nearest_first(client, group):
    far = make_need(where="N16 7", details="far")
    near = make_need(where="E8 3", details="near")
    middle = make_need(where="E8 4", details="middle")
    lat, lon = near.public_lat, near.public_lon
    response = list_needs(client, api_volunteer(group), lat=lat, lon=lon)
    listed = response.get_json()["needs"]
    assert [n["ref"] for n in listed] == [near.ref, middle.ref, far.ref]
    assert [n["distance_km"] for n in listed] == sorted(n["distance_km"] for n in listed)


def test_needs_outside_the_radius_are_not_listed(client, group):
    far = make_need(where="N16 7", details="far")
    near = make_need(where="E8 3", details="near")
    make_need(where="E8 4", details="middle")
    lat, lon = near.public_lat, near.public_lon
    volunteer = api_volunteer(group)
    small = list_needs(client, volunteer, lat=lat, lon=lon, radius_km=0.3)
    wide = list_needs(client, volunteer, lat=lat, lon=lon, radius_km=3)
    assert [n["ref"] for n in small.get_json()["needs"]] == [near.ref]
    assert far.ref in [n["ref"] for n in wide.get_json()["needs"]]


def test_the_limit_caps_how_many_needs_are_listed(client, group):
    for i in range(3):
        make_need(details=f"need {i}")
    response = list_needs(client, api_volunteer(group), limit=2)
    assert len(response.get_json()["needs"]) == 2


def test_needs_can_be_listed_by_category(client, group):
    make_need(category="groceries")
    medicine = make_need(category="medicine", details="Prescription pickup", phone="+447911123499")
    response = list_needs(client, api_volunteer(group), category="medicine")
    assert [n["ref"] for n in response.get_json()["needs"]] == [medicine.ref]


def test_an_unknown_category_in_the_list_query_is_refused(client, group):
    response = list_needs(client, api_volunteer(group), category="weapons")
    assert response.status_code == 400
    assert error_of(response)["field"] == "category"


def test_closed_and_unlocated_needs_are_not_listed(client, group):
    coordinator = api_coordinator(group)
    cancelled = make_need(details="cancelled")
    coordination.change_status(coordinator, cancelled.ref, "cancelled", confirmed=True)
    make_need(where="somewhere behind the church", details="unlocated")
    open_need = make_need(details="open")
    response = list_needs(client, api_volunteer(group))
    assert [n["ref"] for n in response.get_json()["needs"]] == [open_need.ref]


@pytest.mark.parametrize("field, value", [
    ("lat", "north"), ("lat", ""), ("lat", "nan"), ("lat", "NaN"), ("lat", "inf"), ("lat", "-inf"),
    ("lon", "west"), ("lon", "nan"), ("lon", "Infinity"),
    ("radius_km", "far"), ("radius_km", "nan"), ("radius_km", "inf"), ("limit", "many"),
])
def test_query_values_that_are_not_finite_numbers_are_refused_naming_the_field(client, group, field, value):
    response = list_needs(client, api_volunteer(group), **{field: value})
    assert response.status_code == 400
    assert error_of(response)["field"] == field


@pytest.mark.parametrize("field", ["lat", "lon"])
def test_a_missing_coordinate_is_refused(client, group, field):
    query = {"lat": ORIGIN[0], "lon": ORIGIN[1]}
    del query[field]
    response = client.get("/api/v1/needs", query_string=query, headers=bearer(api_volunteer(group)))
    assert response.status_code == 400
    assert error_of(response)["field"] == field


@pytest.mark.parametrize("radius", [0, -1, 100.5, 1000])
def test_a_radius_out_of_range_is_refused(client, group, radius):
    response = list_needs(client, api_volunteer(group), radius_km=radius)
    assert response.status_code == 400
    assert error_of(response)["field"] == "radius_km"


@pytest.mark.parametrize("lat, lon", [(91, 0), (-90.5, 0), (51.5, 181), (51.5, -200)])
def test_a_point_off_the_globe_is_refused(client, group, lat, lon):
    response = list_needs(client, api_volunteer(group), lat=lat, lon=lon)
    assert response.status_code == 400
    assert error_of(response)["message"]


def test_a_latitude_off_the_globe_is_refused_naming_lat(client, group):
    response = list_needs(client, api_volunteer(group), lat=91, lon=0)
    assert response.status_code == 400
    assert error_of(response)["field"] == "lat"


# Offers

def test_posting_an_offer_creates_it_and_returns_the_public_view(client):
    response = client.post("/api/v1/offers", json=OFFER)
    offer = only(Offer)
    body = response.get_json()
    assert response.status_code == 201
    assert body["ref"] == offer.ref and body["type"] == "offer"
    assert (body["kind"], body["quantity"], body["available_until"]) == ("item", 2, "2099-12-31")
    text = shown(response)
    assert "Olu" not in text and "123457" not in text and "private" not in body


def test_an_offer_can_be_read_by_reference_by_an_approved_volunteer(client, group):
    created = client.post("/api/v1/offers", json=OFFER).get_json()
    response = client.get(f"/api/v1/offers/{created['ref']}", headers=bearer(api_volunteer(group)))
    assert response.status_code == 200
    assert response.get_json() == {**created, "age_hours": response.get_json()["age_hours"]}


def test_reading_an_offer_without_a_token_is_401_whether_or_not_it_exists(client):
    created = client.post("/api/v1/offers", json=OFFER).get_json()
    real, made_up = client.get(f"/api/v1/offers/{created['ref']}"), client.get("/api/v1/offers/ZZZZZ")
    assert real.status_code == made_up.status_code == 401 and real.get_json() == made_up.get_json()


def test_an_unknown_offer_reference_is_a_404_in_json(client, group):
    response = client.get("/api/v1/offers/ZZZZZ", headers=bearer(api_volunteer(group)))
    assert response.status_code == 404 and error_of(response)["status"] == 404


def test_replaying_an_offer_with_the_same_idempotency_key_creates_one_offer(client):
    first = client.post("/api/v1/offers", json=OFFER, headers={"Idempotency-Key": "offer-1"})
    second = client.post("/api/v1/offers", json=OFFER, headers={"Idempotency-Key": "offer-1"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["ref"] == second.get_json()["ref"] and count(Offer) == 1


@pytest.mark.parametrize("quantity", [True, False, "3", 2.5, None, [2]])
def test_a_quantity_that_is_not_a_whole_number_is_refused(client, quantity):
    response = client.post("/api/v1/offers", json={**OFFER, "quantity": quantity})
    assert response.status_code == 400
    assert error_of(response)["field"] == "quantity"
    assert count(Offer) == 0


@pytest.mark.parametrize("quantity", [0, -1, 1001])
def test_a_quantity_out_of_range_is_refused(client, quantity):
    response = client.post("/api/v1/offers", json={**OFFER, "quantity": quantity})
    assert response.status_code == 400
    assert error_of(response)["field"] == "quantity"


@pytest.mark.parametrize("until", ["31/12/2099", "2099-02-30", "tomorrow", 20991231, "2020-01-01"])
def test_a_bad_or_past_available_until_date_is_refused(client, until):
    response = client.post("/api/v1/offers", json={**OFFER, "available_until": until})
    assert response.status_code == 400
    assert error_of(response)["field"] == "available_until"
    assert count(Offer) == 0


def test_an_unknown_offer_kind_is_refused(client):
    response = client.post("/api/v1/offers", json={**OFFER, "kind": "money"})
    assert response.status_code == 400 and error_of(response)["field"] == "kind"


# The OpenAPI document and errors

def test_the_openapi_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    document = response.get_json()
    assert response.status_code == 200 and document["openapi"].startswith("3.1")
    validate(document)


def conforms(document: dict, schema_name: str, instance) -> None:
    """Fail unless `instance` matches a component schema of the OpenAPI document."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    OAS31Validator(schema, format_checker=OAS31Validator.FORMAT_CHECKER).validate(instance)


def test_created_needs_and_offers_match_the_documented_public_schema(client):
    document = client.get("/api/v1/openapi.json").get_json()
    conforms(document, "Public", post_need(client, NEED).get_json())
    conforms(document, "Public", client.post("/api/v1/offers", json=OFFER).get_json())


def test_listed_needs_and_the_private_view_match_the_documented_schema(client, group):
    document = client.get("/api/v1/openapi.json").get_json()
    need = make_need()
    for listed in list_needs(client, api_volunteer(group)).get_json()["needs"]:
        conforms(document, "Public", listed)
    conforms(document, "Public", client.get(f"/api/v1/needs/{need.ref}",
                                            headers=bearer(api_coordinator(group))).get_json())


def test_errors_match_the_documented_error_schema(client, group):
    document = client.get("/api/v1/openapi.json").get_json()
    for response in (post_need(client, {**NEED, "category": "weapons"}), client.get("/api/v1/needs/ZZZZZ"),
                     client.get("/api/v1/needs/ZZZZZ", headers=bearer(api_volunteer(group))),
                     client.get("/api/v1/needs", query_string={"lat": 51.5, "lon": 0})):
        conforms(document, "Error", response.get_json())


def api_routes(app) -> set[tuple[str, str]]:
    """(path, method) of every /api/v1 route the app registers, in OpenAPI path syntax."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len("/api/v1"):])
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_the_openapi_document_describes_exactly_the_routes_the_app_serves(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["servers"] == [{"url": "/api/v1"}]
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert documented == api_routes(app)


@pytest.mark.parametrize("config_overrides", [{"RATELIMIT_ENABLED": True, "RATELIMIT_INTAKE": "2 per hour"}])
def test_creating_needs_too_fast_is_refused_with_429_in_json(client):
    statuses = [post_need(client, {**NEED, "details": f"need {i}"}).status_code for i in range(3)]
    response = post_need(client, NEED)
    assert statuses == [201, 201, 429] and response.status_code == 429
    assert error_of(response)["status"] == 429 and count(Need) == 2


def test_an_unknown_api_path_is_a_404_in_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert error_of(response)["status"] == 404


def test_a_method_the_api_does_not_offer_is_a_405_in_json(client):
    response = client.delete("/api/v1/needs")
    assert response.status_code == 405
    assert error_of(response)["status"] == 405


def test_needs_near_reaches_the_full_radius_in_every_direction(client, app):
    """The search box is the circle's true bounding box (it used to stop short at ~4.99 km)."""
    from mutualaid.domain.privacy import haversine_km
    from mutualaid.needs.reads import needs_near

    origin = (51.5431, -0.0600)
    made = []
    for dlat, dlon in ((0.04493, 0.0), (0.0, 0.07217), (-0.04488, 0.0)):  # ~4.99-5.0 km N, E, S
        need = make_need(where="E8 3RH", details=f"edge {dlat} {dlon}")
        need.public_lat, need.public_lon = origin[0] + dlat, origin[1] + dlon
        made.append(need)
    db.session.commit()
    distances = [haversine_km(*origin, n.public_lat, n.public_lon) for n in made]
    assert all(4.98 < d <= 5.0 for d in distances), distances
    found = {need.id for need, _ in needs_near(*origin, radius_km=5.0)}
    assert {n.id for n in made} <= found


def test_needs_on_one_shared_public_point_are_cut_at_the_limit_oldest_first(client, app):
    """Public points are on a grid, so many needs share the last place listed: the oldest win."""
    from datetime import timedelta

    from mutualaid.needs.reads import needs_near

    start = datetime(2026, 11, 1, 9, tzinfo=timezone.utc)
    for i, h in enumerate((5, 1, 4, 2, 3)):
        make_need(where="E8 3RH", details=f"need {i}", now=start + timedelta(hours=h))
    closer = make_need(where="E8 3RH", details="closer", now=start + timedelta(hours=9))
    closer.public_lat += 0.001
    db.session.commit()
    found = needs_near(closer.public_lat, closer.public_lon, radius_km=5.0, limit=3)
    assert [need.details for need, _ in found] == ["closer", "need 1", "need 3"]
