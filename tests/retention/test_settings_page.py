"""The coordinators' view of the retention purge: what goes next, and the periods they can set."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from mutualaid.core.errors import ServiceError
from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Group, Message
from mutualaid.needs import lifecycle
from mutualaid.retention.actions import set_retention
from mutualaid.retention.preview import purge_preview
from mutualaid.retention.rules import DEFAULTS, retention_for
from tests.builders import make_coordinator, make_group, make_need, make_volunteer, post_form

DAY = timedelta(days=1)


@pytest.fixture
def group(app):
    """Hackney."""
    return make_group()


def closed_need(now: datetime, *, days_ago: int, phone: str, canary: str = "Previewcanary"):
    """A need cancelled `days_ago` days before `now`, with a text about it."""
    need = make_need(details=f"Soup for {canary}", name=f"Ada {canary}", phone=phone,
                     now=now - (days_ago + 1) * DAY)
    lifecycle.cancel(need, actor=need.requester, now=now - days_ago * DAY, via="sms", by_requester=True)
    db.session.add(Message(direction="in", group_id=need.group_id, need_id=need.id, from_number=phone,
                           body=f"Cancel {canary}", status="received", created_at=now - days_ago * DAY))
    db.session.commit()
    return need


def test_the_preview_counts_what_falls_due_within_a_week(group):
    coordinator = make_coordinator(group)
    now = datetime.now(timezone.utc)
    closed_need(now, days_ago=85, phone="+447911200501")   # due in 5 days: its data, its text, its requester
    closed_need(now, days_ago=40, phone="+447911200502")   # only its text is due (30 days)
    closed_need(now, days_ago=10, phone="+447911200503")   # nothing due yet
    draft = make_need(phone="+447911200504", now=now - 9 * DAY)
    draft.status = "draft"
    db.session.commit()
    preview = purge_preview(coordinator, now=now)
    assert (preview.needs, preview.messages, preview.drafts, preview.people) == (1, 2, 1, 2)
    assert preview.next_purge == now


def test_nothing_due_says_so(group):
    coordinator = make_coordinator(group)
    now = datetime.now(timezone.utc)
    closed_need(now, days_ago=3, phone="+447911200505")
    preview = purge_preview(coordinator, now=now)
    assert preview.needs == preview.messages == preview.drafts == preview.people == 0
    assert preview.next_purge is None


def test_a_volunteer_cannot_see_the_preview(group):
    with pytest.raises(ServiceError):
        purge_preview(make_volunteer(group))


def test_the_settings_page_shows_counts_and_the_periods_without_personal_data(client, auth, group):
    coordinator = make_coordinator(group)
    closed_need(datetime.now(timezone.utc), days_ago=89, phone="+447911200506")
    auth.login(coordinator.email)
    page = client.get("/coordinator/settings").get_data(as_text=True)
    assert 'data-testid="purge-needs">1<' in page and 'data-testid="purge-people">1<' in page
    assert 'value="90"' in page and 'value="30"' in page and 'value="14"' in page
    assert "Previewcanary" not in page and "200506" not in page


def test_a_coordinator_sets_the_periods_and_it_is_audited(client, auth, group):
    coordinator = make_coordinator(group)
    auth.login(coordinator.email)
    reply = post_form(client, "/coordinator/settings", {"retention-retention_days": "60",
                                                        "retention-message_retention_days": "20",
                                                        "retention-draft_retention_days": "7",
                                                        "retention-submit": "1"})
    assert reply.status_code == 302
    rules = retention_for(db.session.get(Group, group.id))
    assert (rules.retention_days, rules.message_retention_days, rules.draft_retention_days) == (60, 20, 7)
    event = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "group.retention_set")).scalar_one()
    assert event.details == {"retention_days": 60, "message_retention_days": 20, "draft_retention_days": 7}


@pytest.mark.parametrize("retention, messages, drafts, wrong", [
    ("0", "30", "14", "retention_days"),
    ("-5", "30", "14", "retention_days"),
    ("ninety", "30", "14", "retention_days"),
    ("", "30", "14", "retention_days"),
    ("10", "7", "14", "retention_days"),        # under the 14-day minimum
    ("90", "3", "14", "message_retention_days"),
    ("90", "30", "1", "draft_retention_days"),
    ("99999", "30", "14", "retention_days"),
    ("60", "90", "14", "message_retention_days"),  # words kept longer than the request itself
])
def test_bad_periods_are_refused_and_nothing_changes(client, auth, group, retention, messages, drafts, wrong):
    coordinator = make_coordinator(group)
    auth.login(coordinator.email)
    reply = post_form(client, "/coordinator/settings", {"retention-retention_days": retention,
                                                        "retention-message_retention_days": messages,
                                                        "retention-draft_retention_days": drafts,
                                                        "retention-submit": "1"})
    assert reply.status_code == 200
    assert f'id="retention-{wrong}-err"' in reply.get_data(as_text=True)
    db.session.expire_all()
    assert (db.session.get(Group, group.id).settings or {}) == {}


def test_the_action_refuses_what_the_form_would(group):
    coordinator = make_coordinator(group)
    with pytest.raises(ServiceError) as refused:
        set_retention(coordinator, retention_days=90, message_retention_days=True, draft_retention_days=14)
    assert refused.value.field == "message_retention_days"
    with pytest.raises(ServiceError):
        set_retention(make_volunteer(group), retention_days=90, message_retention_days=30, draft_retention_days=14)


def test_stored_settings_that_are_not_numbers_fall_back_to_the_defaults(group):
    group.settings = {"retention_days": "soon", "message_retention_days": 1, "draft_retention_days": None}
    rules = retention_for(group)
    assert rules.retention_days == DEFAULTS["retention_days"]
    assert rules.message_retention_days == 7 and rules.draft_retention_days == DEFAULTS["draft_retention_days"]


@pytest.mark.parametrize("language, heading, label", [
    ("en", "How long personal data is kept", "Unfinished text conversations"),
    ("es", "Cuánto tiempo se guardan los datos personales", "Conversaciones por SMS sin terminar"),
])
def test_the_retention_section_speaks_the_coordinators_language(client, auth, group, language, heading, label):
    coordinator = make_coordinator(group, language=language)
    auth.login(coordinator.email)
    page = client.get("/coordinator/settings", headers={"Accept-Language": language}).get_data(as_text=True)
    assert heading in page and label in page


def test_the_audit_log_says_what_the_periods_were_set_to(client, auth, group):
    coordinator = make_coordinator(group)
    set_retention(coordinator, retention_days=60, message_retention_days=20, draft_retention_days=7)
    auth.login(coordinator.email)
    page = client.get("/coordinator/audit/").get_data(as_text=True)
    assert "How long personal data is kept was changed" in page
    assert "personal data kept 60 days after a request closes" in page
    assert "message words kept 20 days" in page and "unfinished text conversations kept 7 days" in page
