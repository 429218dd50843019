"""The "I need help" form: happy path, and every bad input the issue lists."""
from __future__ import annotations

import re

import pytest

from mutualaid.extensions import db
from mutualaid.core.errors import ServiceError
from mutualaid.models import AuditEvent, Need, Person
from mutualaid.needs.actions import submit_need
from mutualaid.needs.intake import Contact, NeedInput
from tests.builders import csrf_from, make_group, post_form, submission_key_from

GOOD = {"category": "groceries", "details": "Bread and milk, please", "urgency": "today",
        "where": "flat 2, 14 Mare St E8 3RH", "name": "Edna", "phone": "07911 123456", "sms_consent": "y"}


@pytest.fixture(autouse=True)
def group(app):
    """Every test here has the Hackney group."""
    return make_group()


def only_need() -> Need:
    """The single need in the database (fails if there are more or none)."""
    needs = db.session.execute(db.select(Need)).scalars().all()
    assert len(needs) == 1, needs
    return needs[0]


def count_needs() -> int:
    """How many needs are stored."""
    return len(db.session.execute(db.select(Need.id)).all())


def test_need_is_saved_open_with_reference_and_confirmation(client):
    response = post_form(client, "/need", GOOD)
    need = only_need()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/need/{need.ref}/thanks")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert need.ref in page
    assert need.status == "open" and need.urgency == "today" and need.category == "groceries"
    assert need.requester.phone == "+447911123456"
    assert need.requester.name == "Edna"


def test_confirmation_page_shows_no_private_data(client):
    response = post_form(client, "/need", GOOD, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Edna" not in page and "7911" not in page and "Mare St" not in page and "E8 3RH" not in page


def test_postcode_inside_free_text_is_found_and_exact_point_kept_private(client):
    post_form(client, "/need", GOOD)
    need = only_need()
    assert need.postcode == "E8 3RH"
    assert need.location_status in ("located", "approximate")
    assert 51.53 < need.exact_lat < 51.56 and -0.08 < need.exact_lon < -0.05
    assert (need.public_lat, need.public_lon) != (need.exact_lat, need.exact_lon)
    assert need.public_label and "3RH" not in need.public_label


def test_references_are_short_and_not_sequential(client):
    refs = []
    for i in range(6):
        post_form(client, "/need", {**GOOD, "details": f"Request {i}"})
    refs = [n.ref for n in db.session.execute(db.select(Need).order_by(Need.id)).scalars()]
    assert len(set(refs)) == 6
    assert all(re.fullmatch(r"[2-9A-HJ-NP-TV-Z]{5}", ref) for ref in refs)
    assert refs != sorted(refs)  or len({r[0] for r in refs}) > 1


@pytest.mark.parametrize("field", ["details"])
@pytest.mark.parametrize("blank", ["", "   ", "\t\n  \u200b"])
def test_blank_details_are_refused_with_a_message_and_nothing_saved(client, field, blank):
    response = post_form(client, "/need", {**GOOD, field: blank})
    assert response.status_code == 400
    assert "Please say a few words about it." in response.get_data(as_text=True)
    assert count_needs() == 0


def test_ten_thousand_characters_are_refused_but_kept_in_the_form(client):
    long_text = "x" * 10_000
    response = post_form(client, "/need", {**GOOD, "details": long_text})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please keep this to 2000 characters (it has 10000)." in page
    assert long_text in page, "what was typed must be given back, not lost"
    assert count_needs() == 0


def test_emoji_and_right_to_left_text_are_kept(client):
    details = "أحتاج خبز وحليب 🍞🥛 \u202bשלום\u202c please"
    post_form(client, "/need", {**GOOD, "details": details})
    assert only_need().details == details


def test_nul_and_control_characters_are_stripped_not_a_server_error(client):
    response = post_form(client, "/need", {**GOOD, "details": "milk\x00 and\x07 bread\x1b", "name": "Ed\x00na"})
    assert response.status_code == 302
    need = only_need()
    assert need.details == "milk and bread"
    assert need.requester.name == "Edna"


@pytest.mark.parametrize("typed, stored", [
    ("07911 123456", "+447911123456"),
    ("+44 7911 123456", "+447911123456"),
    ("0044 (0)7911-123-456", "+447911123456"),
    ("(07911) 123 456", "+447911123456"),
    ("+1 (212) 555-0187", "+12125550187"),
])
def test_phone_numbers_in_common_formats_are_stored_as_e164(client, typed, stored):
    post_form(client, "/need", {**GOOD, "phone": typed})
    assert only_need().requester.phone == stored


@pytest.mark.parametrize("garbage", ["12", "call me", "0000000000000000000", "+44 7911"])
def test_garbage_phone_numbers_are_refused_with_a_message(client, garbage):
    response = post_form(client, "/need", {**GOOD, "phone": garbage})
    assert response.status_code == 400
    assert "That phone number does not look right" in response.get_data(as_text=True)
    assert count_needs() == 0


def test_no_way_to_reach_the_person_is_refused(client):
    response = post_form(client, "/need", {**GOOD, "phone": "", "email": ""})
    assert response.status_code == 400
    assert "Please give a phone number or an email" in response.get_data(as_text=True)


def test_email_alone_is_enough(client):
    post_form(client, "/need", {**GOOD, "phone": "", "email": "Edna@Example.org"})
    assert only_need().requester.email == "edna@example.org"


@pytest.mark.parametrize("where, status", [
    ("ZZ9 9ZZ", "not_found"),
    ("somewhere behind the church", "unknown"),
    ("", "unknown"),
    ("E8 3RH or maybe N16 7UY", "ambiguous"),
    ("LS6 2AB", "out_of_area"),
])
def test_a_place_that_cannot_be_used_still_saves_the_need_for_a_coordinator(client, where, status):
    response = post_form(client, "/need", {**GOOD, "where": where})
    assert response.status_code == 302
    need = only_need()
    assert need.status == "open"
    assert need.location_status == status
    assert need.address_text == where, "nothing typed is lost"
    if status != "out_of_area":
        assert need.exact_lat is None and need.public_lat is None


def test_unknown_place_is_explained_on_the_confirmation(client):
    page = post_form(client, "/need", {**GOOD, "where": "ZZ9 9ZZ"}, follow_redirects=True).get_data(as_text=True)
    assert "a coordinator will contact you" in page


def test_us_zip_codes_are_located_too(client, app):
    from tests.builders import make_group as mg

    mg(slug="brooklyn", name="Brooklyn Mutual Aid", centre=(40.68, -73.95), radius_km=8)
    post_form(client, "/need", {**GOOD, "where": "necesito medicinas 11216", "phone": "+1 212 555 0187"})
    need = only_need()
    assert need.group.slug == "brooklyn"
    assert need.location_status == "approximate"
    assert 40.6 < need.exact_lat < 40.75


def test_form_posted_without_csrf_token_is_refused_and_keeps_what_was_typed(client):
    client.get("/need")
    response = client.post("/need", data={**GOOD, "submission_key": "abc"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "for your safety nothing was sent yet" in page
    assert "Bread and milk, please" in page and "flat 2, 14 Mare St E8 3RH" in page
    assert count_needs() == 0


def test_stale_csrf_token_is_refused_then_the_resubmitted_form_goes_through(client):
    page = client.get("/need").get_data(as_text=True)
    key = submission_key_from(page)
    with client.session_transaction() as session:
        session.clear()  # the session that issued the token is gone (expired / server restarted)
    response = client.post("/need", data={**GOOD, "csrf_token": csrf_from(page), "submission_key": key})
    assert response.status_code == 400
    assert count_needs() == 0
    again = response.get_data(as_text=True)
    response = client.post("/need", data={**GOOD, "csrf_token": csrf_from(again),
                                          "submission_key": submission_key_from(again)})
    assert response.status_code == 302
    assert count_needs() == 1


def test_double_submission_of_the_same_form_makes_one_need(client):
    page = client.get("/need").get_data(as_text=True)
    fields = {**GOOD, "csrf_token": csrf_from(page), "submission_key": submission_key_from(page)}
    first = client.post("/need", data=fields)
    second = client.post("/need", data=fields)
    assert count_needs() == 1
    assert first.headers["Location"] == second.headers["Location"]


def test_mass_assignment_of_status_role_and_claimer_is_ignored(client):
    post_form(client, "/need", {**GOOD, "status": "fulfilled", "role": "coordinator", "claimed_by": "1",
                                "group_id": "999", "ref": "AAAAA", "requester_id": "1"})
    need = only_need()
    assert need.status == "open" and need.ref != "AAAAA" and need.claims == []
    assert need.requester.role == "neighbour"
    assert db.session.execute(db.select(Person).where(Person.role == "coordinator")).first() is None


@pytest.mark.parametrize("field", ["details", "name", "where"])
def test_sql_metacharacters_are_stored_as_plain_text(client, field):
    evil = "Robert'); DROP TABLE need;-- \" OR 1=1 %_\\"
    post_form(client, "/need", {**GOOD, field: evil})
    need = only_need()
    value = {"details": need.details, "name": need.requester.name, "where": need.address_text}[field]
    assert value == evil
    assert count_needs() == 1


def test_submitting_writes_an_audit_event_without_personal_data(client):
    post_form(client, "/need", GOOD)
    need = only_need()
    events = db.session.execute(db.select(AuditEvent).where(AuditEvent.subject_id == need.id)).scalars().all()
    assert [e.action for e in events] == ["need.created"]
    assert "Edna" not in str(events[0].details) and "7911" not in str(events[0].details)


def test_unknown_category_is_refused(client):
    response = post_form(client, "/need", {**GOOD, "category": "weapons"})
    assert response.status_code == 400
    assert "Please choose what kind of help this is." in response.get_data(as_text=True)


def test_same_phone_twice_is_one_person_with_two_needs(client):
    post_form(client, "/need", GOOD)
    post_form(client, "/need", {**GOOD, "details": "And a lift on Friday", "phone": "+447911123456"})
    people = db.session.execute(db.select(Person)).scalars().all()
    assert len(people) == 1 and count_needs() == 2


def test_a_name_too_long_is_refused_not_cut_short(app):
    contact = Contact(name="N" * 121, phone="07911123456", email="", language="en", sms_consent=True)
    with pytest.raises(ServiceError) as refused:
        submit_need(NeedInput(category="groceries", details="bread", urgency="soon", where="E8 3RH", contact=contact))
    assert refused.value.field == "name" and Need.query.count() == 0


def test_a_texted_place_without_a_postcode_is_kept_whole(app):
    from mutualaid.sms import dialogue

    conv = dialogue.Conversation(step="where", category="groceries", details="bread", retries=1)
    place = "the blue door behind the church on the corner, " * 10
    outcome = dialogue.receive(conv, place)
    assert outcome.conversation.where == place.strip() or place.strip() in outcome.conversation.where
