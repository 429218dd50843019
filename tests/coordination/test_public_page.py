"""A group's public page: anonymised figures, small counts suppressed, nobody identifiable."""
import html
import itertools
from datetime import date, datetime, timedelta, timezone

import pytest

from mutualaid.extensions import db
from mutualaid.public.routes import describe_hours
from mutualaid.claims.actions import claim_need, complete_claim
from mutualaid.coordination.public_figures import CategoryCount, group_figures
from tests.builders import make_group, make_need, make_volunteer

# A Wednesday in May: London is on summer time (UTC+1).
NOW = datetime(2024, 5, 15, 12, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
PHONES = (f"+4479112{n:05d}" for n in itertools.count(1))


@pytest.fixture
def group(app):
    """The Hackney group, on London time."""
    return make_group(timezone="Europe/London")


@pytest.fixture
def volunteer(group):
    """An approved volunteer who does every kind of help needed here."""
    return make_volunteer(group, name="Vera Canaryvolunteer", phone="+447911000222",
                          categories=("groceries", "medicine", "pets", "transport"), capacity=5)


def need_at(created, **kw):
    """A need asked for at `created`, each by a different neighbour unless told otherwise."""
    kw.setdefault("phone", next(PHONES))
    return make_need(now=created, **kw)


def helped(volunteer, need, *, waited, done_at=None):
    """The volunteer takes `need` after `waited` and marks it done at `done_at` (an hour later by default)."""
    claimed_at = need.created_at + waited
    claim_need(volunteer, need.ref, now=claimed_at)
    complete_claim(volunteer, need.ref, "Dropped it off", now=done_at or claimed_at + HOUR)
    return need


def page_of(client, slug="hackney"):
    """The public page's text, entities decoded."""
    response = client.get(f"/groups/{slug}")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


# Requests met this month

def test_needs_met_this_month_counts_those_done_since_the_first_of_the_month(group, volunteer):
    helped(volunteer, need_at(datetime(2024, 4, 27, 9, tzinfo=timezone.utc)), waited=HOUR,
           done_at=datetime(2024, 4, 29, 9, tzinfo=timezone.utc))
    helped(volunteer, need_at(datetime(2024, 5, 2, 9, tzinfo=timezone.utc)), waited=HOUR)
    helped(volunteer, need_at(datetime(2024, 5, 14, 9, tzinfo=timezone.utc)), waited=2 * HOUR)
    claim_need(volunteer, need_at(datetime(2024, 5, 14, 10, tzinfo=timezone.utc)).ref, now=NOW - HOUR)
    assert group_figures("hackney", now=NOW).met_this_month == 2


def test_the_month_starts_at_midnight_on_the_groups_own_clock(group, volunteer):
    # 23:30 UTC on 30 April is 00:30 on 1 May in London.
    helped(volunteer, need_at(datetime(2024, 4, 30, 20, tzinfo=timezone.utc)), waited=HOUR,
           done_at=datetime(2024, 4, 30, 23, 30, tzinfo=timezone.utc))
    figures = group_figures("hackney", now=NOW)
    assert (figures.met_this_month, figures.month_start) == (1, date(2024, 5, 1))


def test_requests_still_in_progress_or_cancelled_are_not_counted_as_met(group, volunteer):
    claim_need(volunteer, need_at(NOW - DAY).ref, now=NOW - HOUR)
    cancelled = need_at(NOW - DAY)
    cancelled.move_to("cancelled")
    cancelled.closed_at = NOW - HOUR
    db.session.commit()
    assert group_figures("hackney", now=NOW).met_this_month == 0


# Median time to help

def test_median_time_to_help_runs_from_asking_to_a_volunteer_taking_it(group, volunteer):
    for waited in (2 * HOUR, 5 * HOUR, 30 * HOUR):
        helped(volunteer, need_at(NOW - 5 * DAY), waited=waited)
    figures = group_figures("hackney", now=NOW)
    assert (figures.median_hours_to_help, figures.median_based_on) == (5.0, 3)


def test_median_time_to_help_only_counts_requests_done_in_the_last_30_days(group, volunteer):
    for waited in (1 * HOUR, 3 * HOUR, 4 * HOUR):
        helped(volunteer, need_at(NOW - 10 * DAY), waited=waited)
    helped(volunteer, need_at(NOW - 50 * DAY), waited=200 * HOUR, done_at=NOW - 35 * DAY)
    assert group_figures("hackney", now=NOW).median_hours_to_help == 3.0


def test_median_time_to_help_is_not_shown_for_fewer_than_three_requests(client, group, volunteer):
    helped(volunteer, need_at(NOW - 2 * DAY), waited=7 * HOUR)
    helped(volunteer, need_at(NOW - 2 * DAY), waited=9 * HOUR)
    figures = group_figures("hackney", now=NOW)
    assert (figures.median_hours_to_help, figures.median_based_on) == (None, 0)


def test_median_time_to_help_is_shown_on_the_page_in_hours(client, group, volunteer):
    now = datetime.now(timezone.utc)
    for waited in (4 * HOUR, 6 * HOUR, 20 * HOUR):
        helped(volunteer, need_at(now - 3 * DAY), waited=waited)
    page = page_of(client)
    assert "6 hours" in page and "over the 3 requests met in the last 30 days" in page


@pytest.mark.parametrize("hours, words", [(0.4, "less than an hour"), (1, "1 hour"), (5.4, "5 hours"),
                                          (47, "47 hours"), (50, "2 days"), (24 * 6.6, "7 days")])
def test_waiting_times_are_told_in_hours_up_to_two_days_then_in_days(app, hours, words):
    with app.test_request_context("/"):
        assert describe_hours(hours) == words


# Open requests by kind, small counts suppressed

def test_open_needs_are_counted_by_category_with_one_or_two_suppressed(group):
    for _ in range(3):
        need_at(NOW - DAY, category="groceries")
    for _ in range(2):
        need_at(NOW - DAY, category="medicine")
    need_at(NOW - DAY, category="pets")
    assert group_figures("hackney", now=NOW).open_by_category == [
        CategoryCount("groceries", 3), CategoryCount("medicine", None), CategoryCount("pets", None)]


def test_small_counts_read_fewer_than_3_on_the_page(client, group):
    need_at(NOW - DAY, category="medicine")
    need_at(NOW - DAY, category="medicine")
    need_at(NOW - DAY, category="pets")
    table = page_of(client).split("Requests waiting for a helper")[1].split("Requests received each week")[0]
    assert table.count("fewer than 3") == 2
    assert "<td>1</td>" not in table and "<td>2</td>" not in table


def test_categories_keep_a_fixed_order_so_suppressed_counts_cannot_be_ranked(group):
    need_at(NOW - DAY, category="pets")
    need_at(NOW - DAY, category="medicine")
    need_at(NOW - DAY, category="medicine")
    assert [c.category for c in group_figures("hackney", now=NOW).open_by_category] == ["medicine", "pets"]


def test_claimed_and_closed_needs_are_not_waiting(group, volunteer):
    claim_need(volunteer, need_at(NOW - DAY, category="transport").ref, now=NOW - HOUR)
    helped(volunteer, need_at(NOW - DAY, category="transport"), waited=HOUR)
    assert group_figures("hackney", now=NOW).open_by_category == []


# Requests received per week

def test_needs_received_are_counted_per_calendar_week_for_eight_weeks(group):
    this_monday = datetime(2024, 5, 13, 9, tzinfo=timezone.utc)
    for created in (this_monday, this_monday + DAY, this_monday - 7 * DAY, this_monday - 49 * DAY,
                    this_monday - 56 * DAY):
        need_at(created)
    weeks = group_figures("hackney", now=NOW).weeks
    assert [w.starts for w in weeks] == [date(2024, 3, 25) + i * timedelta(weeks=1) for i in range(8)]
    assert [w.count for w in weeks] == [1, 0, 0, 0, 0, 0, 1, 2]


def test_unfinished_text_drafts_are_not_counted_as_received(group):
    draft = need_at(NOW - DAY)
    draft.status = "draft"
    db.session.commit()
    assert sum(w.count for w in group_figures("hackney", now=NOW).weeks) == 0


def test_the_weekly_figures_are_a_chart_and_a_table_with_the_same_numbers(client, group):
    for _ in range(4):
        need_at(datetime.now(timezone.utc))
    page = page_of(client)
    assert "<svg" in page and "<rect" in page
    table = page.split("Week starting")[1]
    assert "(this week so far)</td><td>4</td>" in table


def test_another_groups_requests_are_not_in_the_figures(group):
    make_group(slug="leeds", name="Leeds Mutual Aid", centre=(53.80, -1.55))
    need_at(NOW - DAY, where="LS1 3", category="pets")
    figures = group_figures("hackney", now=NOW)
    assert figures.open_by_category == [] and sum(w.count for w in figures.weeks) == 0


# Privacy and errors

def test_no_name_phone_address_or_reference_appears_on_the_page(client, group, volunteer):
    canary = make_need(name="Edna Canary", phone="+447911123456", email="edna@example.org",
                       where="Flat 2, 14 Mare Street, E8 3RH", details="Edna Canary at 14 Mare Street needs bread")
    helped(volunteer, need_at(datetime.now(timezone.utc) - DAY, name="Olga Canary"), waited=HOUR)
    page = page_of(client)
    assert canary.public_label
    for secret in ("Edna", "Canary", "+447911123456", "07911123456", "edna@example.org", "Mare Street",
                   "E8 3RH", canary.ref, canary.public_label, "needs bread", "Vera", "+447911000222"):
        assert secret not in page, secret
    assert "Hackney Mutual Aid" in page


def test_an_unknown_group_is_a_404(client, group):
    assert client.get("/groups/nowhere").status_code == 404


def test_the_page_is_public(client, group):
    assert client.get("/groups/hackney").status_code == 200
