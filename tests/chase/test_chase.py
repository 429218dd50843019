"""The chase, driven through time with `now`: every step once, stopped by a claim, safe to run twice."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from mutualaid.extensions import db
from mutualaid.jobs.runner import run_job
from mutualaid.models import AuditEvent, Claim, JobRun, Message, Need, NeedNotification, Offer
from mutualaid.chase import actions as chase
from mutualaid.claims.actions import claim_need, complete_claim
from mutualaid.messaging.outbox import deliver_outbox
from tests.builders import make_coordinator, make_group, make_need, make_offer, make_volunteer
from tests.concurrency import at_once
from tests.sms_helpers import GROUP_NUMBER, sms_config, text_in

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # a Monday morning in London
REQUESTER = "+447911123456"


@pytest.fixture
def config_overrides():
    """Console SMS; first ring of two."""
    return sms_config(NOTIFY_FIRST_RING=2)


@pytest.fixture
def group(app):
    """Hackney, with an on-call coordinator and five volunteers who do groceries."""
    group = make_group(phone_number=GROUP_NUMBER)
    coordinator = make_coordinator(group, phone="+447911123400")
    coordinator.on_call = True
    for i in range(5):
        make_volunteer(group, email=f"v{i}@example.org", phone=f"+4479111234{10 + i}", radius_km=2 + i)
    db.session.commit()
    return group


def need_at(t=T0, **kw) -> Need:
    """A need opened at `t` by the requester."""
    return make_need(phone=REQUESTER, now=t, **kw)


def templates(to: str | None = None) -> list[str]:
    """Templates of queued outbound messages (to one number, or all), oldest first."""
    query = db.select(Message.template).where(Message.direction == "out").order_by(Message.id)
    if to:
        query = query.where(Message.to_number == to)
    return list(db.session.execute(query).scalars())


def chase_at(*hours: float) -> None:
    """Run the chase at each of these hours after T0 (twice each, as a second scheduler might)."""
    for h in hours:
        chase.chase_open_needs(T0 + timedelta(hours=h))
        chase.chase_open_needs(T0 + timedelta(hours=h))


def test_a_need_left_alone_walks_every_step_exactly_once(group):
    need = need_at()
    chase_at(0, 0.5, 1, 3, 4, 10, 24, 100, 12 * 24, 13 * 24, 14 * 24, 20 * 24)
    db.session.refresh(need)
    steps = [e.details["step"] for e in AuditEvent.query.filter_by(action="need.chased").order_by(AuditEvent.id)]
    assert steps == ["notify_first_ring", "notify_second_ring", "alert_coordinators", "update_requester",
                     "last_message", "expire"]
    assert need.status == "expired" and need.next_chase_at is None
    rings = [n.ring for n in NeedNotification.query.order_by(NeedNotification.id)]
    assert rings[:2] == [1, 1] and set(rings[2:]) == {2} and len(rings) == len(set(
        n.volunteer_id for n in NeedNotification.query))
    alerts = Message.query.filter_by(template="coordinator_alert").all()
    assert len(alerts) == 1 and alerts[0].channel == "email" and alerts[0].to_address == "coord@example.org"
    requester = [t for t in templates(REQUESTER) if t != "requester_claimed"]
    assert requester == ["still_looking", "closing_soon", "need_expired"]


def test_each_step_waits_for_its_time(group):
    need = need_at()
    chase_at(0)
    assert need.escalation_level == 1 and NeedNotification.query.count() == 2
    chase_at(0.99)
    db.session.refresh(need)
    assert need.escalation_level == 1
    chase_at(1)
    db.session.refresh(need)
    assert need.escalation_level == 2


def test_urgent_needs_climb_faster(group):
    urgent, ordinary = need_at(urgency="today", details="urgent"), need_at(details="ordinary")
    chase_at(0, 2)
    db.session.refresh(urgent)
    db.session.refresh(ordinary)
    assert urgent.escalation_level == 3 and ordinary.escalation_level == 2


def test_a_claim_at_step_two_stops_the_ladder(group):
    need = need_at()
    chase_at(0, 1)
    volunteer = NeedNotification.query.filter_by(ring=2).first().volunteer_id
    from mutualaid.models import Person

    claim_need(db.session.get(Person, volunteer), need.ref, now=T0 + timedelta(hours=1, minutes=5))
    chase_at(4, 24, 14 * 24)
    db.session.refresh(need)
    assert need.status == "claimed" and need.escalation_level == 2
    assert "coordinator_alert" not in templates()


def test_the_coordinator_alert_says_why_nobody_fits(group):
    need = need_at(category="pets", details="walk my dog")
    chase_at(0, 1, 4)
    db.session.refresh(need)
    assert need.match_reason == "nobody_for_category"
    alert = Message.query.filter_by(template="coordinator_alert").one()
    assert need.ref in alert.body and "does this kind of help" in alert.body


def test_the_coordinator_alert_says_volunteers_were_told_when_someone_fits_but_nobody_took_it(group):
    need = need_at()
    chase_at(0, 1, 4)
    db.session.refresh(need)
    assert need.match_reason is None and NeedNotification.query.filter_by(need_id=need.id).count() > 0
    alert = Message.query.filter_by(template="coordinator_alert").one()
    assert "volunteers were told, but nobody has taken it yet" in alert.body and "not known" not in alert.body


def test_stop_stops_every_chase_message_to_that_person(client, group):
    text_in(client, "need groceries today E8 3RH", sender=REQUESTER)
    text_in(client, "STOP", sender=REQUESTER)
    need = Need.query.one()
    need.opened_at = need.created_at = need.next_chase_at = T0
    db.session.commit()
    chase_at(0, 8, 24)
    deliver_outbox(now=T0 + timedelta(days=1, hours=1))
    chased = Message.query.filter(Message.to_number == REQUESTER, Message.purpose == "chase").all()
    assert chased and all(m.status == "suppressed" for m in chased)


def test_two_chase_runs_at_the_same_moment_act_once(app, group):
    needs = [need_at(details=f"need {i}") for i in range(6)]
    _, errors = at_once(app, lambda: chase.chase_open_needs(T0 + timedelta(minutes=1)))
    assert errors == []
    db.session.expire_all()
    assert AuditEvent.query.filter_by(action="need.chased").count() == len(needs)
    per_need = db.session.execute(db.select(NeedNotification.need_id, db.func.count()).group_by(
        NeedNotification.need_id)).all()
    assert all(count == 2 for _, count in per_need)


def test_a_job_that_fails_half_way_resumes_on_the_next_run(app, group, monkeypatch):
    needs = [need_at(details=f"need {i}") for i in range(4)]
    real = chase.STEP_ACTIONS[1]
    broken = {needs[2].id}

    def flaky(need, now, reads):
        if need.id in broken:
            raise RuntimeError("network fell over")
        real(need, now, reads)

    monkeypatch.setitem(chase.STEP_ACTIONS, 1, flaky)
    run = run_job("chase_open_needs", now=T0)
    broken.clear()
    assert run is not None and "network fell over" in run.error
    done_first = AuditEvent.query.filter_by(action="need.chased").count()
    assert done_first == len(needs) - 1, "one failing need must not stop the others"
    run_job("chase_open_needs", now=T0 + timedelta(minutes=1))
    assert AuditEvent.query.filter_by(action="need.chased").count() == len(needs)
    assert all(count == 2 for _, count in db.session.execute(db.select(
        NeedNotification.need_id, db.func.count()).group_by(NeedNotification.need_id)).all())
    assert JobRun.query.filter(JobRun.error != "").count() == 1


def test_an_unconfirmed_claim_is_reminded_then_released_without_blame(group):
    need = need_at()
    volunteer = make_volunteer(group, email="late@example.org", phone="+447911123499")
    claim_need(volunteer, need.ref, now=T0)
    claim = Claim.query.one()
    chase.remind_claims(claim.remind_at - timedelta(minutes=1))
    assert "claim_reminder" not in templates("+447911123499")
    chase.remind_claims(claim.remind_at)
    chase.remind_claims(claim.remind_at)
    assert templates("+447911123499").count("claim_reminder") == 1
    chase.remind_claims(claim.due_at)
    db.session.refresh(need)
    db.session.refresh(claim)
    assert claim.status == "expired" and need.status == "open" and need.escalation_level == 0
    assert "claim_expired" in templates("+447911123499") and "requester_released" in templates(REQUESTER)
    released = Message.query.filter_by(template="requester_released").one()
    assert volunteer.name not in released.body


def test_a_reminder_held_for_the_night_leaves_the_volunteer_time_to_answer_it(group):
    afternoon, morning = T0 + timedelta(hours=4), datetime(2026, 3, 3, 8, 0, tzinfo=timezone.utc)
    need = need_at(afternoon, urgency="today")
    volunteer = make_volunteer(group, email="evening@example.org", phone="+447911123496")
    claim_need(volunteer, need.ref, now=afternoon)  # reminded at 23:00 (quiet hours), due at 02:00
    claim = Claim.query.one()
    t = afternoon
    while t <= morning + timedelta(hours=5):
        chase.remind_claims(t)
        deliver_outbox(now=t)
        t += timedelta(minutes=30)
    db.session.refresh(claim)
    reminder = Message.query.filter_by(template="claim_reminder").one()
    lapsed = Message.query.filter_by(template="claim_expired").one()
    assert reminder.sent_at == morning
    assert claim.status == "expired" and claim.ended_at >= morning + timedelta(hours=3)
    assert lapsed.sent_at >= morning + timedelta(hours=3)


def test_an_urgent_request_that_closes_at_night_is_told_in_the_morning(group):
    late = datetime(2026, 3, 2, 23, 30, tzinfo=timezone.utc)
    need = need_at(late, urgency="today", category="pets", details="walk my dog")  # nobody does pets
    for day in range(8):
        chase.chase_open_needs(late + timedelta(days=day))
    db.session.refresh(need)
    assert need.status == "expired"
    deliver_outbox(now=late + timedelta(days=7, minutes=1))
    closed = Message.query.filter_by(template="need_expired").one()
    assert closed.status == "queued" and closed.sent_at is None
    assert closed.next_attempt_at == datetime(2026, 3, 10, 8, 0, tzinfo=timezone.utc)


def test_keep_by_text_keeps_the_claim_past_its_due_time(client, group):
    need = need_at()
    volunteer = make_volunteer(group, email="keen@example.org", phone="+447911123498")
    claim_need(volunteer, need.ref, now=T0)
    claim = Claim.query.one()
    chase.remind_claims(claim.remind_at)
    text_in(client, f"KEEP {need.ref}", sender="+447911123498")
    due = claim.due_at
    chase.remind_claims(due)
    db.session.refresh(claim)
    assert claim.status == "active" and claim.due_at > due


def test_after_fulfilment_the_requester_is_asked_and_a_no_reopens(client, group):
    text_in(client, "need groceries today E8 3RH", sender=REQUESTER)
    need = Need.query.one()
    volunteer = make_volunteer(group, email="helper@example.org", phone="+447911123497")
    claim_need(volunteer, need.ref)
    complete_claim(volunteer, need.ref, "delivered")
    chase.follow_up_fulfilled(need.followup_at)
    chase.follow_up_fulfilled(need.followup_at)
    assert templates(REQUESTER).count("followup_ask") == 1
    text_in(client, "2", sender=REQUESTER)
    db.session.refresh(need)
    assert need.feedback == "no" and need.status == "open" and need.next_chase_at is not None


def test_after_fulfilment_a_yes_is_recorded(client, group):
    text_in(client, "need groceries today E8 3RH", sender=REQUESTER)
    need = Need.query.one()
    volunteer = make_volunteer(group, email="helper@example.org", phone="+447911123497")
    claim_need(volunteer, need.ref)
    complete_claim(volunteer, need.ref, "delivered")
    chase.follow_up_fulfilled(need.followup_at)
    text_in(client, "1", sender=REQUESTER)
    db.session.refresh(need)
    assert need.feedback == "yes" and need.status == "fulfilled"


def test_offers_expire_when_their_date_passes(group):
    offer = make_offer(available_until=(T0 + timedelta(days=3)).date(), now=T0)
    chase.expire_offers(T0 + timedelta(days=3))
    assert db.session.get(Offer, offer.id).status == "open"
    chase.expire_offers(T0 + timedelta(days=4))
    assert db.session.get(Offer, offer.id).status == "expired"


def test_a_referral_offer_names_a_neighbouring_group_and_other_moves_it(client, group):
    neighbour = make_group(slug="clapton", name="Clapton Mutual Aid", centre=(51.55, -0.06), radius_km=3)
    text_in(client, "need help with a form today E8 3RH", sender=REQUESTER)
    need = Need.query.one()
    need.category = "paperwork"
    db.session.commit()
    chase.chase_open_needs(need.opened_at + timedelta(days=2))
    update = Message.query.filter_by(template="still_looking_referral").one()
    assert "Clapton Mutual Aid" in update.body
    text_in(client, f"OTHER {need.ref}", sender=REQUESTER)
    db.session.refresh(need)
    moved = Need.query.filter_by(group_id=neighbour.id).one()
    assert need.status == "referred" and need.referred_to_group_id == neighbour.id
    assert moved.referred_from_id == need.id and moved.status == "open" and moved.requester_id == need.requester_id
