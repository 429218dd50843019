"""The audit log page: the group's events newest first, filtered, paginated, for its coordinators only."""
import html
from datetime import datetime, timedelta, timezone

import pytest

from mutualaid.extensions import db
from mutualaid.core import audit
from mutualaid.coordination.audit_log import AuditFilters, audit_page
from mutualaid.claims.actions import claim_need
from tests.builders import make_coordinator, make_group, make_need, make_person, make_volunteer, post_form

START = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
LOG = "/coordinator/audit/"


@pytest.fixture
def coordinator(group):
    """A coordinator of Hackney (not logged in)."""
    return make_coordinator(group, name="Cora Coordinator")


@pytest.fixture
def logged_in(coordinator, auth):
    """The coordinator, logged in."""
    auth.login(coordinator.email)
    return coordinator


def plant(action, subject, *, actor=None, minutes=0, **details):
    """An audit event at START + `minutes`, committed."""
    event = audit.record(action, subject, actor=actor, now=START + timedelta(minutes=minutes), **details)
    db.session.commit()
    return event


def actions(page):
    """The actions on a page of the log, in the order shown."""
    return [row.action for row in page.rows]


def log_page(client, **args):
    """The audit log page's text (entities decoded)."""
    response = client.get(LOG, query_string=args)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


# Order and filters

def test_events_are_listed_newest_first(group, coordinator):
    need = make_need(now=START - timedelta(hours=1))
    plant("need.chased", need, minutes=1)
    plant("need.private_viewed", need, actor=coordinator, minutes=3)
    plant("need.location_fixed", need, actor=coordinator, minutes=2)
    assert actions(audit_page(coordinator))[:4] == [
        "need.private_viewed", "need.location_fixed", "need.chased", "need.created"]


def test_filtering_by_kind_of_action_keeps_only_that_prefix(group, coordinator):
    need = make_need()
    plant("need.private_viewed", need, actor=coordinator)
    plant("messages.viewed", coordinator, actor=coordinator, count=3)
    plant("volunteer.approved", make_volunteer(group), actor=coordinator)
    assert actions(audit_page(coordinator, AuditFilters(action="messages."))) == ["messages.viewed"]
    assert set(actions(audit_page(coordinator, AuditFilters(action="need.")))) == {"need.created",
                                                                                  "need.private_viewed"}


def test_events_about_the_group_itself_are_in_its_log(group, coordinator):
    plant("group.intake_paused", group, actor=coordinator)
    assert actions(audit_page(coordinator, AuditFilters(action="group."))) == ["group.intake_paused"]


def test_an_unknown_kind_of_action_in_the_address_is_ignored(client, logged_in):
    plant("need.private_viewed", make_need(), actor=logged_in)
    assert "Private details of a request seen" in log_page(client, action="need%' OR 1=1 --")


def test_filtering_by_actor_matches_part_of_their_email_in_any_case(group, coordinator):
    volunteer = make_volunteer(group, email="vera@example.org")
    need = make_need()
    claim_need(volunteer, need.ref)
    plant("need.private_viewed", need, actor=coordinator)
    assert actions(audit_page(coordinator, AuditFilters(actor="VERA@"))) == ["need.claimed"]


def test_filtering_by_actor_treats_wildcards_as_plain_characters(group, coordinator):
    plant("need.private_viewed", make_need(), actor=coordinator)
    assert actions(audit_page(coordinator, AuditFilters(actor="%"))) == []


def test_filtering_by_reference_shows_only_that_needs_events(group, coordinator):
    need = make_need(now=START - timedelta(hours=1))
    other = make_need(details="Something else", now=START - timedelta(hours=1))
    plant("need.private_viewed", need, actor=coordinator)
    plant("need.private_viewed", other, actor=coordinator)
    page = audit_page(coordinator, AuditFilters(ref=need.ref.lower()))
    assert [(r.action, r.subject_label) for r in page.rows] == [
        ("need.private_viewed", need.ref), ("need.created", need.ref)]


def test_an_unknown_reference_finds_nothing(group, coordinator):
    make_need()
    assert audit_page(coordinator, AuditFilters(ref="ZZZZZ")).rows == []


def test_the_filters_are_kept_in_the_page_links(client, logged_in):
    need = make_need()
    for minute in range(55):
        plant("need.private_viewed", need, actor=logged_in, minutes=minute)
    page = log_page(client, action="need.", ref=need.ref)
    assert f"page=2&action=need.&ref={need.ref}" in page


# Pagination

def test_the_log_shows_fifty_events_a_page(group, coordinator):
    need = make_need(now=START - timedelta(hours=1))  # its need.created is the oldest event
    for minute in range(120):
        plant("need.private_viewed", need, actor=coordinator, minutes=minute)
    pages = [audit_page(coordinator, page=n) for n in (1, 2, 3)]
    assert [len(p.rows) for p in pages] == [50, 50, 21]
    assert (pages[0].total, pages[0].pages) == (121, 3)
    assert pages[0].rows[0].created_at == START + timedelta(minutes=119)
    assert pages[1].rows[0].created_at == START + timedelta(minutes=69)
    assert pages[2].rows[-1].action == "need.created"


@pytest.mark.parametrize("asked, shown", [("abc", 1), ("0", 1), ("-3", 1), ("99", 2)])
def test_a_page_number_out_of_range_shows_the_nearest_page(client, logged_in, asked, shown):
    need = make_need()
    for minute in range(60):
        plant("need.private_viewed", need, actor=logged_in, minutes=minute)
    assert f"Page {shown} of 2" in log_page(client, page=asked)


# What the page shows

def test_the_page_names_volunteers_and_coordinators_who_acted(client, logged_in, group):
    volunteer = make_volunteer(group, name="Vera Volunteer")
    need = make_need()
    claim_need(volunteer, need.ref)
    plant("need.private_viewed", need, actor=logged_in)
    page = log_page(client)
    assert "Vera Volunteer" in page and "Cora Coordinator" in page
    assert "A volunteer took the request" in page and need.ref in page


def test_a_neighbour_who_acted_is_shown_without_their_name(client, logged_in, group):
    need = make_need(name="Edna Canary")
    plant("need.feedback", need, actor=need.requester, satisfied=True)
    page = log_page(client)
    assert "a neighbour" in page and "Edna Canary" not in page


def test_the_details_hold_no_personal_data(client, logged_in, group):
    need = make_need(name="Edna Canary", phone="+447911123456", email="edna@example.org",
                     where="Flat 2, 14 Mare Street, E8 3RH", details="Please ring Edna Canary")
    client.get(f"/coordinator/needs/{need.ref}")  # a private view: audited
    post_form(client, "/coordinator/exports/needs.csv", {}, page_url="/coordinator/exports/")
    page = log_page(client)
    assert "Private details of a request seen" in page and "Requests downloaded" in page and "1 row" in page
    for secret in ("Edna", "Canary", "+447911123456", "edna@example.org", "Mare Street", "E8 3RH", "ring"):
        assert secret not in page, secret


# Who may see it

def test_a_coordinator_sees_only_their_own_groups_events(client, auth, group, coordinator):
    plant("need.private_viewed", make_need(), actor=coordinator)
    plant("group.intake_paused", group, actor=coordinator)
    leeds = make_group(slug="leeds", name="Leeds Mutual Aid", centre=(53.80, -1.55))
    outsider = make_coordinator(leeds, email="leeds@example.org", name="Lee Leeds")
    assert audit_page(outsider).rows == []
    auth.login(outsider.email)
    page = log_page(client)
    assert "Private details of a request seen" not in page and "New requests paused" not in page
    assert "Cora Coordinator" not in page


def test_volunteers_cannot_open_the_audit_log(client, auth, group):
    make_volunteer(group)
    auth.login("vol@example.org")
    assert client.get(LOG).status_code == 403


def test_neighbours_with_an_account_cannot_open_the_audit_log(client, auth, group):
    make_person(group=group, email="n@example.org")
    auth.login("n@example.org")
    assert client.get(LOG).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, group):
    response = client.get(LOG)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
