"""The public version of what a neighbour wrote (DESIGN.md §4): stored when a need or offer is made or changed,
shown on every surface a volunteer or anonymous caller can reach; the claimer and coordinators see the original."""
import itertools
import re
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mutualaid.claims.actions import claim_need
from mutualaid.extensions import db
from mutualaid.matching.actions import notify_candidates
from mutualaid.models import AuditEvent, Message, Need
from mutualaid.people.actions import issue_api_token
from tests.builders import (
    make_coordinator,
    make_group,
    make_need,
    make_offer,
    make_volunteer,
    post_form,
)
from tests.sms_helpers import GROUP_NUMBER, sms_config, text_in


@pytest.fixture
def config_overrides():
    """Console SMS, so texts in and out can be read back."""
    return sms_config()


@pytest.fixture
def group(app):
    """One group with a texting number."""
    return make_group(phone_number=GROUP_NUMBER)


def test_a_web_request_keeps_its_text_and_stores_a_public_version(group):
    need = make_need(details="need groceries, I'm Ada at 12 Mare Street E8 3RH", name="Ada Byron")
    assert need.details == "need groceries, I'm Ada at 12 Mare Street E8 3RH"
    assert need.public_details == "need groceries, I'm [name] at [address] E8 3"


def test_the_requesters_own_contact_values_are_hidden_wherever_they_appear(group):
    need = make_need(details="for Byron at the blue door, ring 07911 123456 or byron@x.org", name="Ada Byron",
                     phone="+447911123456", email="byron@x.org")
    assert "Byron" not in need.public_details and "123456" not in need.public_details
    assert "byron@x.org" not in need.public_details and need.public_details.count("[name]") == 1


def test_a_texted_request_has_a_public_version_too(client, group):
    text_in(client, "need groceries today, im ada at 12 mare street e8 3rh")
    need = db.session.execute(db.select(Need)).scalar_one()
    assert "12 mare street" in need.details and "ada" in need.details
    assert "mare street" not in need.public_details and "ada" not in need.public_details
    assert "[address]" in need.public_details and "[name]" in need.public_details


def test_a_texted_dialogues_answers_are_redacted_as_they_come(client, group):
    text_in(client, "hello")
    text_in(client, "my name is zebedee, shopping please")
    draft = db.session.execute(db.select(Need)).scalar_one()
    assert "zebedee" in draft.details and "zebedee" not in draft.public_details


def test_an_offer_has_a_public_version_and_the_api_shows_only_that(client, group):
    offer = make_offer(details="a cot, collect from Flat 3, 22 Navarino Grove, ask for Joan", name="Joan Smith")
    assert "Navarino" not in offer.public_details and "Joan" not in offer.public_details
    volunteer = make_volunteer(group, email="reader@example.org", phone="+447911123459")
    body = client.get(f"/api/v1/offers/{offer.ref}",
                      headers={"Authorization": f"Bearer {issue_api_token(volunteer)}"}).get_data(as_text=True)
    assert "Navarino" not in body and "Joan" not in body and "a cot" in body


def test_the_claimer_sees_the_original_and_others_the_public_version(client, auth, group):
    need = make_need(details="I'm Ada at 12 Mare Street, bread please", name="Ada Byron")
    claimer = make_volunteer(group, email="claimer@example.org", phone="+447911123451")
    other = make_volunteer(group, email="other@example.org", phone="+447911123452")
    auth.login(other.email)
    page = client.get(f"/volunteer/needs/{need.ref}").get_data(as_text=True)
    assert "12 Mare Street" not in page and "[address], bread please" in page
    claim_need(claimer, need.ref)
    auth.logout()
    auth.login(claimer.email)
    assert "I&#39;m Ada at 12 Mare Street" in client.get(f"/volunteer/needs/{need.ref}").get_data(as_text=True)


def test_a_coordinator_can_correct_the_public_version_and_it_is_audited(client, auth, group):
    need = make_need(details="bread from Homerton Bakery, I'm Ada", name="Ada Byron")
    coordinator = make_coordinator(group)
    auth.login(coordinator.email)
    page = client.get(f"/coordinator/needs/{need.ref}").get_data(as_text=True)
    assert "What volunteers see before taking it" in page
    post_form(client, f"/coordinator/needs/{need.ref}/edit",
              {"category": "groceries", "details": need.details, "urgency": "soon",
               "public_details": "bread from Homerton Bakery, for a neighbour"},
              page_url=f"/coordinator/needs/{need.ref}")
    db.session.refresh(need)
    assert need.public_details == "bread from Homerton Bakery, for a neighbour"
    assert need.details == "bread from Homerton Bakery, I'm Ada"
    event = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "need.edited")).scalar_one()
    assert event.details["fields"] == ["public_details"]
    assert "Homerton" not in str(event.details)


def test_a_coordinators_public_version_still_never_shows_the_requesters_contact(client, group):
    need = make_need(details="bread", name="Ada Byron", phone="+447911123456")
    need.public_details = "bread for Byron, 07911 123456"
    db.session.commit()
    body = client.get(f"/api/v1/needs/{need.ref}").get_data(as_text=True)
    assert "Byron" not in body and "123456" not in body


def test_editing_the_details_brings_the_public_version_up_to_date(client, auth, group):
    need = make_need(details="bread please", name="Ada Byron")
    coordinator = make_coordinator(group)
    auth.login(coordinator.email)
    post_form(client, f"/coordinator/needs/{need.ref}/edit",
              {"category": "groceries", "details": "bread please, ring 020 7946 0018", "urgency": "soon",
               "public_details": "bread please"}, page_url=f"/coordinator/needs/{need.ref}")
    db.session.refresh(need)
    assert need.public_details == "bread please, ring [phone]"


def test_a_public_version_too_long_is_refused_and_nothing_changes(client, auth, group):
    need = make_need(details="bread please", name="Ada Byron")
    before = need.public_details
    auth.login(make_coordinator(group).email)
    response = post_form(client, f"/coordinator/needs/{need.ref}/edit",
                         {"category": "groceries", "details": "bread please", "urgency": "soon",
                          "public_details": "x" * 5000}, page_url=f"/coordinator/needs/{need.ref}",
                         follow_redirects=True)
    db.session.refresh(need)
    assert need.public_details == before
    assert "Please keep this to" in response.get_data(as_text=True)


def test_a_volunteer_cannot_edit_the_public_version(client, auth, group):
    need = make_need(details="bread please", name="Ada Byron")
    auth.login(make_volunteer(group, email="v@example.org").email)
    post_form(client, f"/coordinator/needs/{need.ref}/edit",
              {"category": "groceries", "details": "bread", "urgency": "soon", "public_details": "changed"},
              page_url="/volunteer/")
    db.session.refresh(need)
    assert need.public_details == "bread please"


def test_a_referred_copy_keeps_the_coordinators_public_version(client, auth, group):
    from mutualaid.coordination.actions import refer
    other = make_group(slug="islington", name="Islington Mutual Aid", phone_number="+442071234568")
    need = make_need(details="bread, I'm Ada", name="Ada Byron")
    need.public_details = "bread (edited)"
    db.session.commit()
    copy = refer(make_coordinator(group), need.ref, other.slug)
    assert copy.public_details == "bread (edited)"


# --- no contact value of the requester survives on any surface ----------------------------------

PUBLIC_PAGE = "/groups/hackney"
_first = st.sampled_from(["Zebedee", "Thandiwe", "Olufemi", "Rocio", "Winifred", "Bogdana"])
_last = st.sampled_from(["Canarybird", "Okonkwo", "Delgadillo", "Przybylski"])
_phone_tail = st.integers(100, 399)
_forms = st.sampled_from(["I'm {first} {last}", "my name is {first}", "{first} here", "soy {first}",
                          "ask for {last}", "thanks {first}"])
_phone_forms = st.sampled_from(["{national}", "{e164}", "{spaced}", "{bare}"])


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=_first, last=_last, tail=_phone_tail, intro=_forms, phone_form=_phone_forms,
       number=st.integers(1, 300))
def test_no_contact_value_of_the_requester_survives_on_any_public_surface(app, client, auth, first, last, tail,
                                                                        intro, phone_form, number):
    group = _one_group()
    e164 = f"+447911123{tail}"
    email = f"{first.lower()}.{last.lower()}@canary.example"
    forms = {"national": f"07911 123{tail}", "e164": e164, "spaced": f"07911 123 {tail}", "bare": f"07911123{tail}"}
    details = (f"{intro.format(first=first, last=last)}, at {number} Mare Street E8 3RH, ring "
               f"{phone_form.format(**forms)} or {email}")
    volunteer = _volunteer(group)
    need = make_need(details=details, name=f"{first} {last}", phone=e164, email=email, where="E8 3RH")
    notify_candidates(need, ring=1, now=datetime.now(timezone.utc))  # what the chase does first
    db.session.commit()
    token = issue_api_token(volunteer)
    auth.login(volunteer.email)
    surfaces = {
        "nearby list": client.get("/volunteer/").get_data(as_text=True),
        "need page": client.get(f"/volunteer/needs/{need.ref}").get_data(as_text=True),
        "api need": client.get(f"/api/v1/needs/{need.ref}",
                               headers={"Authorization": f"Bearer {token}"}).get_data(as_text=True),
        "api near": client.get("/api/v1/needs?lat=51.5431&lon=-0.06&radius_km=10",
                               headers={"Authorization": f"Bearer {token}"}).get_data(as_text=True),
        "notifications": "\n".join(m.body for m in db.session.execute(
            db.select(Message).where(Message.purpose == "notify", Message.need_id == need.id)).scalars()),
    }
    assert "[address]" in surfaces["notifications"]  # the volunteer was told by email, with the public version
    auth.logout()
    surfaces["public page"] = client.get(PUBLIC_PAGE).get_data(as_text=True)
    assert need.ref in surfaces["api need"]
    for where, text in surfaces.items():
        for value in (first, last, e164, forms["national"], forms["spaced"], forms["bare"], email,
                      f"{number} Mare Street", "E8 3RH"):
            assert not re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text, re.IGNORECASE), (value, where)


def _one_group():
    """The test's group (made once per test, whatever the number of examples)."""
    from mutualaid.models import Group
    found = db.session.execute(db.select(Group).order_by(Group.id)).scalars().first()
    return found or make_group(phone_number=GROUP_NUMBER)


_onlookers = itertools.count()


def _volunteer(group):
    """A new onlooking volunteer for each example, told by email (which carries the details)."""
    volunteer = make_volunteer(group, email=f"onlooker{next(_onlookers)}@example.org", phone=None)
    volunteer.volunteer.channel = "email"
    db.session.commit()
    return volunteer


def test_the_volunteer_notification_carries_the_public_version(group):
    from mutualaid.matching.actions import need_details_public
    need = make_need(details="I'm Ada at 12 Mare Street, bread", name="Ada Byron")
    assert need_details_public(need) == "I'm [name] at [address], bread"
