"""The map page: open needs coloured by their wait for their urgency, and "no gaps" said only when true."""
import html
from datetime import datetime, timedelta, timezone

import pytest

from mutualaid.claims.actions import claim_need
from mutualaid.coordination import dashboard
from mutualaid.extensions import db
from mutualaid.models import Need
from tests.builders import make_coordinator, make_group, make_need, make_volunteer

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
NO_GAPS = "No gaps"


@pytest.fixture
def coordinator(group):
    """A coordinator of the group."""
    return make_coordinator(group)


def map_page(client, auth, coordinator) -> str:
    """The map page's text as the coordinator sees it."""
    auth.login(coordinator.email)
    response = client.get("/coordinator/map")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


# Age colours follow urgency

def test_a_today_request_of_twenty_hours_is_overdue_on_the_dashboard_and_the_map(coordinator):
    today = make_need(urgency="today", details="today", now=NOW - timedelta(hours=20))
    week = make_need(urgency="this_week", details="week", now=NOW - timedelta(hours=20))
    rows = {row.need.ref: row.colour for row in dashboard.unmet_needs(coordinator, now=NOW).rows}
    assert (rows[today.ref], rows[week.ref]) == ("red", "green")
    points = {p["ref"]: p for p in dashboard.map_points(coordinator, now=NOW)}
    assert (points[today.ref]["colour"], points[week.ref]["colour"]) == ("red", "green")
    assert (points[today.ref]["pressing"], points[week.ref]["pressing"]) == (2, 0)
    assert points[today.ref]["hours"] == pytest.approx(20)


def test_the_groups_settings_per_urgency_change_the_colours(coordinator, group):
    need = make_need(urgency="today", now=NOW - timedelta(hours=2))
    group.settings = {"age_colours": {"today": [1, 2]}}
    db.session.commit()
    assert dashboard.map_points(coordinator, now=NOW)[0]["colour"] == "red"
    assert dashboard.unmet_needs(coordinator, now=NOW).rows[0].need.ref == need.ref


def test_the_map_page_has_a_legend_with_each_urgencys_times(client, auth, coordinator):
    page = map_page(client, auth, coordinator)
    legend = page.split('id="legend"')[1].split("Where to recruit")[0]
    assert "new" in legend and "waiting" in legend and "overdue" in legend
    assert "under 4 h" in legend and "from 12 h" in legend  # today
    assert "from 7 d" in legend  # this week


def test_map_points_carry_words_for_the_colour_in_the_pages_language(client, auth, coordinator):
    make_need(urgency="today", now=datetime.now(timezone.utc) - timedelta(hours=20))
    page = map_page(client, auth, coordinator)
    assert '"age_word": "overdue"' in page and '"colour": "red"' in page


# "No gaps" only when it is true

def test_one_request_nobody_can_reach_is_a_gap(client, auth, coordinator):
    make_need(details="alone", now=NOW)  # no volunteer at all; once only ever shown from two alike
    coverage = dashboard.coverage(coordinator, now=NOW)
    assert [(g.area, g.reason, g.needs) for g in coverage.gaps] == [("E8 3", "nobody_in_range", 1)]
    assert not coverage.no_gaps
    page = map_page(client, auth, coordinator)
    assert NO_GAPS not in page and "no volunteer lives near enough" in page


def test_a_stale_stored_reason_does_not_hide_a_gap(client, auth, coordinator, group):
    volunteer = make_volunteer(group, categories=("groceries",))
    need = make_need(now=NOW)
    need.match_reason = None  # the last pass found someone; since then the volunteer was paused
    volunteer.volunteer.vetting_status = "paused"
    db.session.commit()
    assert dashboard.coverage(coordinator, now=NOW).gaps[0].reason == "nobody_in_range"
    assert NO_GAPS not in map_page(client, auth, coordinator)


def test_a_kind_of_help_no_volunteer_does_is_named(client, auth, coordinator, group):
    make_volunteer(group, categories=("groceries",))
    make_need(category="pets", details="walk the dog", now=NOW)
    make_need(category="groceries", details="bread", now=NOW)
    coverage = dashboard.coverage(coordinator, now=NOW)
    assert coverage.uncovered_categories == ["pets"]
    assert [(g.reason, g.needs) for g in coverage.gaps] == [("nobody_for_category", 1)]
    page = map_page(client, auth, coordinator)
    assert NO_GAPS not in page and "No approved volunteer does this kind of help" in page and "Pet care" in page


def test_requests_without_a_place_are_counted(client, auth, coordinator, group):
    make_volunteer(group)
    need = make_need(now=NOW)
    need.public_lat = need.public_lon = None
    need.location_status = "not_found"
    db.session.commit()
    coverage = dashboard.coverage(coordinator, now=NOW)
    assert (coverage.unplaced, coverage.gaps, coverage.no_gaps) == (1, [], False)
    page = map_page(client, auth, coordinator)
    assert NO_GAPS not in page and "1 open request has no place we can find" in page


def test_requests_whose_volunteers_are_all_full_are_counted(client, auth, coordinator, group):
    volunteer = make_volunteer(group, capacity=1)
    taken = make_need(details="taken", now=NOW)
    claim_need(volunteer, taken.ref, now=NOW)
    make_need(details="waiting", now=NOW)
    coverage = dashboard.coverage(coordinator, now=NOW)
    assert (coverage.busy, coverage.gaps, coverage.no_gaps) == (1, [], False)
    assert "all of them are away or full" in map_page(client, auth, coordinator)


def test_requests_whose_volunteers_are_all_away_are_counted(coordinator, group):
    volunteer = make_volunteer(group)
    volunteer.volunteer.away_until = (NOW + timedelta(days=3)).date()
    db.session.commit()
    make_need(now=NOW)
    assert (dashboard.coverage(coordinator, now=NOW).busy, dashboard.coverage(coordinator, now=NOW).gaps) == (1, [])
    volunteer.volunteer.away_until = (NOW - timedelta(days=1)).date()
    db.session.commit()
    assert dashboard.coverage(coordinator, now=NOW).no_gaps


def test_no_gaps_is_said_when_every_open_request_has_a_free_volunteer(client, auth, coordinator, group):
    make_volunteer(group, capacity=3)
    make_need(details="one", now=NOW)
    make_need(category="medicine", details="two", now=NOW)
    assert dashboard.coverage(coordinator, now=NOW).no_gaps
    assert NO_GAPS in map_page(client, auth, coordinator)


def test_with_no_open_requests_the_page_says_so_instead(client, auth, coordinator):
    coverage = dashboard.coverage(coordinator, now=NOW)
    assert coverage.open_needs == 0
    page = map_page(client, auth, coordinator)
    assert "No open requests right now." in page and NO_GAPS not in page


def test_other_groups_needs_and_volunteers_do_not_count(coordinator):
    leeds = make_group(slug="leeds", name="Leeds", centre=(53.8, -1.55))
    make_volunteer(leeds, email="leeds@example.org", home=(53.8, -1.55))
    make_need(where="LS6 2AB", now=NOW)
    assert Need.query.one().group_id == leeds.id
    assert dashboard.coverage(coordinator, now=NOW).open_needs == 0
