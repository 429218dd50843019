"""The coordinators' dashboard: unmet first with reasons, figures, gaps, and the actions on a need."""
from datetime import date, datetime, timedelta, timezone

import pytest

from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Claim, Message, Need, NeedNote
from mutualaid.coordination import actions as coordination
from mutualaid.coordination import dashboard
from mutualaid.claims.actions import claim_need, complete_claim
from mutualaid.groups.pause import IntakePaused, intake_pause
from mutualaid.matching.actions import notify_candidates
from mutualaid.needs.actions import submit_need
from mutualaid.needs.intake import Contact, NeedInput
from tests.builders import make_coordinator, make_group, make_need, make_volunteer, post_form
from tests.sms_helpers import GROUP_NUMBER, sms_config, text_in

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def config_overrides():
    """Console SMS."""
    return sms_config()


@pytest.fixture
def group(app):
    """Hackney."""
    return make_group(phone_number=GROUP_NUMBER)


@pytest.fixture
def coordinator(group):
    """A coordinator of the group."""
    return make_coordinator(group)


def refs(overview):
    """The refs on a dashboard page, in order."""
    return [row.need.ref for row in overview.rows]


def test_unmet_needs_are_ordered_by_urgency_then_age(coordinator):
    week_old = make_need(urgency="this_week", details="a", now=NOW - timedelta(days=5))
    soon_new = make_need(urgency="soon", details="b", now=NOW - timedelta(hours=1))
    soon_old = make_need(urgency="soon", details="c", now=NOW - timedelta(days=2))
    today = make_need(urgency="today", details="d", now=NOW - timedelta(minutes=5))
    overview = dashboard.unmet_needs(coordinator, now=NOW)
    assert refs(overview) == [today.ref, soon_old.ref, soon_new.ref, week_old.ref]
    assert overview.total_unmet == 4


def test_drafts_and_open_needs_of_one_urgency_interleave_by_age(coordinator, monkeypatch):
    old_open = make_need(urgency="soon", details="a", now=NOW - timedelta(days=3))
    draft = make_need(urgency="soon", details="b", now=NOW - timedelta(days=2))
    new_open = make_need(urgency="soon", details="c", now=NOW - timedelta(days=1))
    today_draft = make_need(urgency="today", details="d", now=NOW)
    for need in (draft, today_draft):
        need.status = "draft"
    db.session.commit()
    assert refs(dashboard.unmet_needs(coordinator, now=NOW)) == [today_draft.ref, old_open.ref, draft.ref, new_open.ref]
    only_drafts = dashboard.unmet_needs(coordinator, dashboard.UnmetFilter(status="draft"), now=NOW)
    assert refs(only_drafts) == [today_draft.ref, draft.ref] and only_drafts.total_unmet == 2
    monkeypatch.setattr(dashboard, "PAGE", 2)
    assert refs(dashboard.unmet_needs(coordinator, now=NOW, page=2)) == [draft.ref, new_open.ref]


def test_days_open_colours_follow_the_groups_thresholds(coordinator, group):
    new, older, oldest = (make_need(details=str(d), now=NOW - timedelta(days=d)) for d in (0.5, 2, 4))
    colours = {row.need.ref: row.colour for row in dashboard.unmet_needs(coordinator, now=NOW).rows}
    assert (colours[new.ref], colours[older.ref], colours[oldest.ref]) == ("green", "amber", "red")
    group.settings = {"age_colours": [3, 5]}
    db.session.commit()
    colours = {row.need.ref: row.colour for row in dashboard.unmet_needs(coordinator, now=NOW).rows}
    assert colours[oldest.ref] == "amber"


def test_claimed_and_closed_needs_are_not_unmet(coordinator, group):
    volunteer = make_volunteer(group)
    taken = make_need(now=NOW)
    claim_need(volunteer, taken.ref, now=NOW)
    waiting = make_need(details="waiting", now=NOW)
    assert refs(dashboard.unmet_needs(coordinator, now=NOW)) == [waiting.ref]


def test_filters_narrow_the_list(coordinator):
    groceries = make_need(category="groceries", now=NOW - timedelta(days=4))
    pets = make_need(category="pets", details="dog", language="es", now=NOW)
    by = dashboard.UnmetFilter
    assert refs(dashboard.unmet_needs(coordinator, by(category="pets"), now=NOW)) == [pets.ref]
    assert refs(dashboard.unmet_needs(coordinator, by(language="es"), now=NOW)) == [pets.ref]
    assert refs(dashboard.unmet_needs(coordinator, by(min_days=3), now=NOW)) == [groceries.ref]
    assert refs(dashboard.unmet_needs(coordinator, by(ref=pets.ref.lower()), now=NOW)) == [pets.ref]
    assert refs(dashboard.unmet_needs(coordinator, by(area="E8 3"), now=NOW)) == [groceries.ref, pets.ref]


def test_the_list_is_paged(coordinator, monkeypatch):
    monkeypatch.setattr(dashboard, "PAGE", 2)
    made = [make_need(details=str(i), now=NOW - timedelta(hours=10 - i)) for i in range(5)]
    assert refs(dashboard.unmet_needs(coordinator, now=NOW, page=2)) == [made[2].ref, made[3].ref]
    assert refs(dashboard.unmet_needs(coordinator, now=NOW, page=3)) == [made[4].ref]


def test_other_groups_needs_never_show(coordinator):
    leeds = make_group(slug="leeds", name="Leeds", centre=(53.8, -1.55))
    make_need(where="LS6 2AB", now=NOW)
    assert Need.query.one().group_id == leeds.id
    assert dashboard.unmet_needs(coordinator, now=NOW).rows == []


def test_the_page_shows_the_reason_nobody_has_it(client, auth, coordinator, group):
    make_volunteer(group, categories=("groceries",))
    need = make_need(category="pets", details="walk the dog", now=NOW)
    notify_candidates(need, ring=1, now=NOW)
    db.session.commit()
    auth.login(coordinator.email)
    page = client.get("/coordinator/").get_data(as_text=True)
    unmet = page.split('id="unmet"')[1].split("</table>")[0]
    assert need.ref in unmet and "no volunteer nearby does this kind of help" in unmet


def test_figures_give_time_to_claim_and_fulfil(coordinator, group):
    volunteer = make_volunteer(group, capacity=5)
    for hours in (1, 3):
        need = make_need(details=f"{hours}", now=NOW - timedelta(days=1))
        claim_need(volunteer, need.ref, now=NOW - timedelta(days=1) + timedelta(hours=hours))
        complete_claim(volunteer, need.ref, "done", now=NOW - timedelta(days=1) + timedelta(hours=hours + 2))
    result = dashboard.figures(coordinator, now=NOW)
    assert result.time_to_claim[7][0] == pytest.approx(2.0)
    assert result.time_to_fulfil[30][0] == pytest.approx(4.0)
    assert result.by_status_category["fulfilled"]["groceries"] == 2
    assert sum(n for _, n in result.per_day) == 2


def test_figures_count_days_in_utc_and_keep_last_weeks_claims_out_of_the_7_days(coordinator, group):
    volunteer = make_volunteer(group, capacity=5)
    late, early = (make_need(details=d, now=t) for d, t in (("late", datetime(2026, 3, 8, 23, 30, tzinfo=timezone.utc)),
                                                             ("early", datetime(2026, 3, 9, 0, 30, tzinfo=timezone.utc))))
    old = make_need(details="old", now=NOW - timedelta(days=12))
    claim_need(volunteer, old.ref, now=NOW - timedelta(days=12) + timedelta(hours=10))
    claim_need(volunteer, late.ref, now=late.created_at + timedelta(hours=1))
    result = dashboard.figures(coordinator, now=NOW)
    per_day = dict(result.per_day)
    assert (per_day[date(2026, 3, 8)], per_day[date(2026, 3, 9)], per_day[(NOW - timedelta(days=12)).date()]) == (1, 1, 1)
    assert result.time_to_claim[7] == (pytest.approx(1.0), pytest.approx(1.0))
    assert result.time_to_claim[30][0] == pytest.approx(5.5)
    assert result.time_to_fulfil[30] == (None, None)


def test_coverage_gaps_name_the_area_and_why(coordinator):
    for i in range(3):
        need = make_need(category="pets", details=f"dog {i}", now=NOW)
        notify_candidates(need, ring=1, now=NOW)
    db.session.commit()
    gaps = dashboard.coverage_gaps(coordinator, now=NOW)
    assert [(g.area, g.reason, g.needs) for g in gaps] == [("E8 3", "nobody_in_range", 3)]


def test_assign_gives_the_need_to_the_volunteer_and_tells_them(client, auth, coordinator, group):
    volunteer = make_volunteer(group, phone="+447911123450")
    need = make_need()
    auth.login(coordinator.email)
    page = client.get(f"/coordinator/needs/{need.ref}").get_data(as_text=True)
    assert "Suggested volunteers" in page and volunteer.name in page
    post_form(client, f"/coordinator/needs/{need.ref}/assign", {"volunteer_id": str(volunteer.id)},
              page_url=f"/coordinator/needs/{need.ref}")
    claim = Claim.query.one()
    assert claim.volunteer_id == volunteer.id and db.session.get(Need, need.id).status == "claimed"
    assert Message.query.filter_by(template="assigned_to_you", to_number="+447911123450").count() == 1
    assert AuditEvent.query.filter_by(action="need.assigned", actor_id=coordinator.id).count() == 1


def test_edit_changes_kind_details_and_urgency_and_audits_the_fields(coordinator):
    need = make_need()
    coordination.edit_need(coordinator, need.ref, coordination.NeedEdit("medicine", "Prescription", "today"))
    assert (need.category, need.details, need.urgency) == ("medicine", "Prescription", "today")
    event = AuditEvent.query.filter_by(action="need.edited").one()
    assert event.details == {"fields": ["category", "details", "urgency"]}


def test_duplicates_are_suggested_and_merged_without_losing_text(coordinator):
    first = make_need(details="Bread and milk please", now=NOW)
    second = make_need(details="bread and milk please!", now=NOW + timedelta(hours=2))
    make_need(details="A lift to hospital", category="transport", now=NOW)
    assert [d.ref for d in coordination.duplicate_suggestions(coordinator, first.ref)] == [second.ref]
    coordination.merge_duplicate(coordinator, first.ref, second.ref)
    db.session.refresh(second)
    assert second.status == "cancelled" and "bread and milk please!" in first.details
    assert NeedNote.query.filter_by(need_id=second.id).one().body == f"Merged into {first.ref}."


def test_refer_moves_the_need_to_another_group(coordinator):
    other = make_group(slug="clapton", name="Clapton Mutual Aid", centre=(51.55, -0.06), radius_km=3)
    need = make_need()
    copy = coordination.refer(coordinator, need.ref, "clapton")
    assert need.status == "referred" and need.referred_to_group_id == other.id
    assert copy.group_id == other.id and copy.status == "open" and copy.referred_from_id == need.id


def test_notes_are_internal_and_audited(client, auth, coordinator, group):
    need = make_need()
    coordination.add_note(coordinator, need.ref, "Called her, she prefers mornings")
    make_volunteer(group, email="vol@example.org")
    auth.login("vol@example.org")
    assert "prefers mornings" not in client.get(f"/volunteer/needs/{need.ref}").get_data(as_text=True)
    assert AuditEvent.query.filter_by(action="need.noted").count() == 1


def test_volunteer_overview_shows_workload_and_finds_the_never_matched(coordinator, group):
    busy = make_volunteer(group, email="busy@example.org")
    make_volunteer(group, email="new@example.org")
    claim_need(busy, make_need().ref)
    rows = {r.person.email: r for r in coordination.volunteer_overview(coordinator)}
    assert rows["busy@example.org"].active == 1 and not rows["busy@example.org"].never_matched
    assert rows["new@example.org"].never_matched
    idle = [r.person.email for r in coordination.volunteer_overview(coordinator, idle_only=True)]
    assert idle == ["new@example.org"]


def test_intake_pause_answers_web_api_and_sms_kindly_and_saves_nothing(client, coordinator):
    coordination.set_intake_pause(coordinator, paused=True, until=date(2099, 1, 1),
                                  message="Try the food bank on Mare St, open daily.")
    page = client.get("/need")
    assert page.status_code == 503 and "food bank on Mare St" in page.get_data(as_text=True)
    api = client.post("/api/v1/needs", json={"category": "groceries", "details": "x", "contact": {"phone": "07911123456"}})
    assert api.status_code == 503 and "food bank" in api.get_json()["error"]["message"]
    text_in(client, "need groceries E8 3RH")
    reply = Message.query.filter_by(direction="out").one()
    assert reply.template == "intake_paused" and "food bank" in reply.body
    assert Need.query.count() == 0
    coordination.set_intake_pause(coordinator, paused=False)
    assert client.get("/need").status_code == 200


def test_every_dashboard_page_renders_for_a_coordinator(client, auth, coordinator):
    make_need()
    auth.login(coordinator.email)
    for url in ("/coordinator/", "/coordinator/figures", "/coordinator/map", "/coordinator/settings",
                "/coordinator/volunteers", "/coordinator/volunteers?idle=1", "/coordinator/?category=groceries&min_days=1"):
        assert client.get(url).status_code == 200, url


def test_the_first_page_shows_the_newest_pending_volunteers_and_how_many_wait(client, auth, coordinator, group,
                                                                              monkeypatch):
    from mutualaid.coordinator import dashboard_routes

    monkeypatch.setattr(dashboard_routes, "SIDE_LIST", 2)
    for i in range(3):
        make_volunteer(group, email=f"new{i}@example.org", name=f"Newcomer {i}", status="pending")
    make_volunteer(group, email="ok@example.org", name="Approved One")
    auth.login(coordinator.email)
    page = client.get("/coordinator/").get_data(as_text=True)
    waiting = page.split("Volunteers waiting for approval")[1].split("<h2>")[0]
    assert "(3)" in waiting and "All 3 waiting for approval" in waiting
    assert sum(f"Newcomer {i}" in waiting for i in range(3)) == 2 and "Approved One" not in waiting
    listed = client.get("/coordinator/volunteers?status=pending").get_data(as_text=True)
    assert all(f"Newcomer {i}" in listed for i in range(3)) and "Approved One" not in listed
    assert "Approved One" in client.get("/coordinator/volunteers").get_data(as_text=True)


def test_the_first_page_runs_the_same_queries_however_many_volunteers_wait(client, auth, app, coordinator, group):
    from sqlalchemy import event

    auth.login(coordinator.email)
    make_need()

    def statements() -> int:
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731 (conn, cursor, statement, ...)
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/coordinator/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    make_volunteer(group, email="first@example.org", status="pending")
    few = statements()
    for i in range(6):
        make_volunteer(group, email=f"more{i}@example.org", status="pending")
    assert statements() == few


def test_pausing_one_group_never_stops_another_groups_requests(client, coordinator):
    manchester = make_group(slug="manchester", name="Manchester Aid", centre=(53.4808, -2.2426), radius_km=8.0)
    coordination.set_intake_pause(coordinator, paused=True, message="Hackney is paused.")
    assert client.get("/need").status_code == 200  # another group still takes requests
    contact = Contact(name="A", phone="07911123456", email="", language="en", sms_consent=True)
    need, _ = submit_need(NeedInput(category="groceries", details="bread", urgency="soon", where="M1 1AE",
                                    contact=contact))
    assert need.group_id == manchester.id
    with pytest.raises(IntakePaused) as paused:
        submit_need(NeedInput(category="groceries", details="bread", urgency="soon", where="E8 3RH", contact=contact))
    assert paused.value.group.slug == "hackney" and Need.query.count() == 1


def test_a_pause_ends_on_the_groups_own_date_not_the_servers(coordinator):
    group = coordinator.group
    group.timezone = "Pacific/Auckland"
    coordination.set_intake_pause(coordinator, paused=True, until=date(2026, 3, 1), now=datetime(2026, 2, 1, tzinfo=timezone.utc))
    late_on_the_first_in_london = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)  # 2 March in Auckland
    assert intake_pause(group, late_on_the_first_in_london) is None
    group.timezone = "Europe/London"
    assert intake_pause(group, late_on_the_first_in_london) is not None
