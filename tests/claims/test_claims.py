"""Claiming a need: one tap, exactly one winner, capacity kept, and what each side is told."""
import threading

import pytest

from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Claim, Message, Need
from mutualaid.claims.actions import AlreadyTaken, claim_need, complete_claim, release_claim
from mutualaid.core.errors import Forbidden, ServiceError
from mutualaid.coordination import actions as coordination
from tests.builders import csrf_from, make_coordinator, make_group, make_need, make_volunteer, post_form
from tests.sms_helpers import GROUP_NUMBER, sms_config

CANARY = {"name": "Zebedee Canary", "phone": "+447911123499", "where": "99 Canary Wharf Lane, E8 3RH"}


@pytest.fixture
def config_overrides():
    """Console SMS."""
    return sms_config()


@pytest.fixture
def group(app):
    """The Hackney group with its number."""
    return make_group(phone_number=GROUP_NUMBER)


@pytest.fixture
def volunteer(group):
    """An approved volunteer who does groceries, with a phone."""
    return make_volunteer(group, phone="+447911123450", capacity=2)


def test_claiming_an_open_need_makes_one_active_claim(volunteer):
    need = make_need()
    claim, created = claim_need(volunteer, need.ref)
    db.session.refresh(need)
    assert created and claim.status == "active" and need.status == "claimed"
    assert need.active_claim.volunteer_id == volunteer.id
    assert AuditEvent.query.filter_by(action="need.claimed", subject_id=need.id).count() == 1


def test_a_double_click_is_harmless(volunteer):
    need = make_need()
    first, created_first = claim_need(volunteer, need.ref)
    second, created_second = claim_need(volunteer, need.ref)
    assert created_first and not created_second and first.id == second.id
    assert Claim.query.count() == 1


def test_a_second_volunteer_is_told_someone_just_took_it(group, volunteer):
    other = make_volunteer(group, email="other@example.org")
    need = make_need()
    claim_need(volunteer, need.ref)
    with pytest.raises(AlreadyTaken, match="Someone just took this request"):
        claim_need(other, need.ref)
    assert Claim.query.count() == 1


def test_two_volunteers_claiming_at_the_same_moment_exactly_one_wins(app, group):
    volunteers = [make_volunteer(group, email=f"v{i}@example.org") for i in range(4)]
    need = make_need()
    ids, ref = [v.id for v in volunteers], need.ref
    barrier = threading.Barrier(len(ids))
    outcomes = []

    def attempt(person_id):
        with app.app_context():
            from mutualaid.models import Person

            person = db.session.get(Person, person_id)
            barrier.wait()
            try:
                claim_need(person, ref)
                outcomes.append("won")
            except AlreadyTaken:
                outcomes.append("taken")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["taken"] * (len(ids) - 1) + ["won"]
    db.session.expire_all()
    assert Claim.query.filter_by(status="active").count() == 1
    assert db.session.get(Need, need.id).status == "claimed"


def test_capacity_is_enforced(group):
    volunteer = make_volunteer(group, capacity=1)
    first, second = make_need(), make_need(details="second")
    claim_need(volunteer, first.ref)
    with pytest.raises(ServiceError, match="your limit"):
        claim_need(volunteer, second.ref)
    assert db.session.get(Need, second.id).status == "open"


def test_pending_volunteers_cannot_claim(group):
    pending = make_volunteer(group, status="pending")
    with pytest.raises(Forbidden):
        claim_need(pending, make_need().ref)


def test_a_volunteer_of_another_group_cannot_claim(group):
    leeds = make_group(slug="leeds", name="Leeds", centre=(53.8, -1.55))
    outsider = make_volunteer(leeds, email="leeds@example.org")
    with pytest.raises(Forbidden):
        claim_need(outsider, make_need().ref)


def test_the_requester_is_told_someone_is_on_the_way_without_the_volunteers_number(volunteer):
    need = make_need(phone=CANARY["phone"])
    claim_need(volunteer, need.ref)
    told = Message.query.filter_by(to_number=CANARY["phone"], template="requester_claimed").one()
    assert need.ref in told.body
    assert volunteer.phone not in told.body and "7911123450" not in told.body and volunteer.name not in told.body


def test_release_needs_a_reason_and_reopens_the_need(volunteer):
    need = make_need()
    claim_need(volunteer, need.ref)
    with pytest.raises(ServiceError, match="Please say briefly why"):
        release_claim(volunteer, need.ref, "  ")
    release_claim(volunteer, need.ref, "I am ill")
    db.session.refresh(need)
    claim = Claim.query.one()
    assert need.status == "open" and need.notified_at is None
    assert claim.status == "released" and claim.release_reason == "I am ill"
    assert Message.query.filter_by(template="requester_released").count() == 1


def test_fulfil_records_the_outcome_and_closes_the_need(volunteer):
    need = make_need()
    claim_need(volunteer, need.ref)
    complete_claim(volunteer, need.ref, "Delivered bread and milk")
    db.session.refresh(need)
    assert need.status == "fulfilled" and need.closed_at is not None
    assert Claim.query.one().outcome_note == "Delivered bread and milk"


def test_only_the_claimer_can_release_or_fulfil(group, volunteer):
    other = make_volunteer(group, email="other@example.org")
    need = make_need()
    claim_need(volunteer, need.ref)
    with pytest.raises(Forbidden):
        complete_claim(other, need.ref, "not mine")
    with pytest.raises(Forbidden):
        release_claim(other, need.ref, "not mine")


# --- through the web --------------------------------------------------------------------

def test_web_claim_shows_the_exact_place_and_the_relay_form(client, auth, volunteer):
    need = make_need(name=CANARY["name"], phone=CANARY["phone"], where=CANARY["where"])
    auth.login(volunteer.email)
    before = client.get(f"/volunteer/needs/{need.ref}").get_data(as_text=True)
    assert "99 Canary Wharf Lane" not in before and "I'll do this" in before
    post_form(client, f"/volunteer/needs/{need.ref}/claim", {}, page_url=f"/volunteer/needs/{need.ref}")
    after = client.get(f"/volunteer/needs/{need.ref}").get_data(as_text=True)
    assert "99 Canary Wharf Lane" in after and "Zebedee Canary" in after
    assert CANARY["phone"] not in after, "contact goes through the relay, not the number"
    assert "Write to them" in after


def test_web_claim_of_a_taken_need_says_so(client, auth, group, volunteer):
    other = make_volunteer(group, email="other@example.org")
    need = make_need()
    auth.login(volunteer.email)
    page = client.get(f"/volunteer/needs/{need.ref}").get_data(as_text=True)
    claim_need(other, need.ref)
    from tests.builders import csrf_from

    response = client.post(f"/volunteer/needs/{need.ref}/claim", data={"csrf_token": csrf_from(page)},
                           follow_redirects=True)
    assert "Someone just took this request" in response.get_data(as_text=True)


def test_web_release_fulfil_and_my_claims(client, auth, volunteer):
    first, second = make_need(), make_need(details="second")
    auth.login(volunteer.email)
    for need in (first, second):
        post_form(client, f"/volunteer/needs/{need.ref}/claim", {}, page_url=f"/volunteer/needs/{need.ref}")
    post_form(client, f"/volunteer/needs/{first.ref}/fulfil", {"outcome": "All done"},
              page_url=f"/volunteer/needs/{first.ref}")
    post_form(client, f"/volunteer/needs/{second.ref}/release", {"reason": "Away this week"},
              page_url=f"/volunteer/needs/{second.ref}")
    page = client.get("/volunteer/claims").get_data(as_text=True)
    assert first.ref in page and second.ref in page and "All done" in page
    assert db.session.get(Need, first.id).status == "fulfilled"
    assert db.session.get(Need, second.id).status == "open"


def test_web_message_goes_to_the_requester_through_the_groups_number(client, auth, volunteer):
    need = make_need(phone=CANARY["phone"])
    auth.login(volunteer.email)
    post_form(client, f"/volunteer/needs/{need.ref}/claim", {}, page_url=f"/volunteer/needs/{need.ref}")
    post_form(client, f"/volunteer/needs/{need.ref}/message", {"text": "On my way, 10 minutes"},
              page_url=f"/volunteer/needs/{need.ref}")
    relayed = Message.query.filter_by(template="relay_to_requester").one()
    assert relayed.to_number == CANARY["phone"] and relayed.from_number == GROUP_NUMBER
    assert "On my way" in relayed.body and volunteer.phone not in relayed.body


# --- through the API --------------------------------------------------------------------

def bearer(person):
    """Authorization header with a fresh API token."""
    from mutualaid.people.actions import issue_api_token

    return {"Authorization": f"Bearer {issue_api_token(person)}"}


def test_api_claim_release_fulfil(client, group, volunteer):
    headers = bearer(volunteer)
    need = make_need()
    first = client.post(f"/api/v1/needs/{need.ref}/claim", headers=headers)
    again = client.post(f"/api/v1/needs/{need.ref}/claim", headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["need"]["private"]["address"] == "E8 3RH"
    listed = client.get("/api/v1/claims", headers=headers).get_json()["claims"]
    assert [c["need"]["ref"] for c in listed] == [need.ref]
    done = client.post(f"/api/v1/needs/{need.ref}/fulfil", json={"outcome": "done"}, headers=headers)
    assert done.status_code == 200 and done.get_json()["status"] == "fulfilled"


def test_api_claim_of_a_taken_need_is_409(client, group, volunteer):
    other = make_volunteer(group, email="other@example.org")
    need = make_need()
    claim_need(other, need.ref)
    response = client.post(f"/api/v1/needs/{need.ref}/claim", headers=bearer(volunteer))
    assert response.status_code == 409
    assert "Someone just took" in response.get_json()["error"]["message"]


def test_api_claim_needs_a_token(client, group):
    need = make_need()
    assert client.post(f"/api/v1/needs/{need.ref}/claim").status_code == 401


def test_a_reason_too_long_is_refused_with_a_message_not_cut_short(volunteer):
    need = make_need()
    claim_need(volunteer, need.ref)
    with pytest.raises(ServiceError) as refused:
        release_claim(volunteer, need.ref, "x" * 501)
    assert refused.value.field == "reason" and "500" in str(refused.value.message)
    db.session.refresh(need)
    assert need.status == "claimed" and Claim.query.one().status == "active"
    release_claim(volunteer, need.ref, "y" * 500)
    assert Claim.query.one().release_reason == "y" * 500


def test_web_claim_of_a_request_cancelled_while_its_page_was_open_says_it_is_closed(client, auth, group,
                                                                                  volunteer):
    need = make_need()
    auth.login(volunteer.email)
    page = client.get(f"/volunteer/needs/{need.ref}").get_data(as_text=True)
    coordination.change_status(make_coordinator(group), need.ref, "cancelled", confirmed=True)
    response = client.post(f"/volunteer/needs/{need.ref}/claim", data={"csrf_token": csrf_from(page)},
                           follow_redirects=True)
    answer = response.get_data(as_text=True)
    assert "This request is closed, so nobody can take it now." in answer
    assert "Someone just took this request" not in answer
    db.session.refresh(need)
    assert need.status == "cancelled" and Claim.query.count() == 0


def test_a_closed_request_is_refused_as_taken_to_the_api_and_texts(group, volunteer):
    need = make_need()
    coordination.change_status(make_coordinator(group), need.ref, "cancelled", confirmed=True)
    with pytest.raises(ServiceError) as refused:
        claim_need(volunteer, need.ref, via="sms")
    assert refused.value.code == "taken"  # the API's 409 and the text "claim_taken" stay as they were
