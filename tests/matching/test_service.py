"""The matcher inside the app: who is told about a new need, and what the matching pass records."""
from datetime import date, datetime, timedelta, timezone

import pytest

from mutualaid.extensions import db
from mutualaid.models import Message, NeedNotification, Proposal
from mutualaid.matching.actions import notify_candidates, run_matching_pass, suggestions
from tests.builders import make_group, make_need, make_offer, make_volunteer
from tests.sms_helpers import GROUP_NUMBER, sms_config

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
NIGHT = datetime(2026, 3, 2, 23, 30, tzinfo=timezone.utc)
E8_3 = (51.5424, -0.06606)


@pytest.fixture
def config_overrides():
    """Console SMS; tell the best three."""
    return sms_config(NOTIFY_FIRST_RING=3)


@pytest.fixture
def group(app):
    """The Hackney group."""
    return make_group(phone_number=GROUP_NUMBER)


def told(need) -> set[str]:
    """Emails of the volunteers told about a need."""
    from mutualaid.models import Person

    return {db.session.get(Person, n.volunteer_id).email for n in NeedNotification.query.filter_by(need_id=need.id)}


def test_only_volunteers_who_fit_are_told(group):
    make_volunteer(group, email="fits@example.org", phone="+447911123401", home=E8_3, radius_km=3)
    make_volunteer(group, email="far@example.org", phone="+447911123402", home=(51.60, -0.06), radius_km=2)
    make_volunteer(group, email="pets@example.org", phone="+447911123403", home=E8_3, categories=("pets",))
    make_volunteer(group, email="spanish@example.org", phone="+447911123404", home=E8_3, languages=("es",))
    make_volunteer(group, email="pending@example.org", phone="+447911123405", home=E8_3, status="pending")
    away = make_volunteer(group, email="away@example.org", phone="+447911123406", home=E8_3)
    away.volunteer.away_until = date(2026, 3, 10)
    stopped = make_volunteer(group, email="stopped@example.org", phone="+447911123407", home=E8_3)
    stopped.opted_out = True
    db.session.commit()
    need = make_need(now=NOON)
    notify_candidates(need, ring=1, now=NOON)
    assert told(need) == {"fits@example.org"}


def test_a_spanish_speaker_is_told_about_a_need_in_spanish(group):
    make_volunteer(group, email="en@example.org", phone="+447911123401", home=E8_3)
    make_volunteer(group, email="es@example.org", phone="+447911123402", home=E8_3, languages=("es", "en"))
    need = make_need(language="es", now=NOON)
    notify_candidates(need, ring=1, now=NOON)
    assert told(need) == {"es@example.org"}


def test_volunteers_at_capacity_are_not_told(group):
    from mutualaid.claims.actions import claim_need

    busy = make_volunteer(group, email="busy@example.org", phone="+447911123401", home=E8_3, capacity=1)
    claim_need(busy, make_need(details="first", now=NOON).ref, now=NOON)
    need = make_need(details="second", now=NOON)
    notify_candidates(need, ring=1, now=NOON)
    assert told(need) == set() and need.match_reason == "nobody_free"


def test_nobody_is_told_twice_about_the_same_need(group):
    for i in range(3):
        make_volunteer(group, email=f"v{i}@example.org", phone=f"+4479111234{10 + i}", home=E8_3)
    need = make_need(now=NOON)
    notify_candidates(need, ring=1, now=NOON)
    notify_candidates(need, ring=1, now=NOON)
    notify_candidates(need, ring=2, now=NOON)
    assert NeedNotification.query.count() == 3
    assert Message.query.filter_by(template="notify_need").count() == 3


def test_the_notification_says_kind_distance_and_area_only(group):
    make_volunteer(group, email="v@example.org", phone="+447911123401", home=E8_3)
    need = make_need(name="Zebedee Canary", where="99 Canary Wharf Lane, E8 3RH", now=NOON)
    notify_candidates(need, ring=1, now=NOON)
    text = Message.query.filter_by(template="notify_need").one().body
    assert text.startswith("New: Groceries and food,") and f"YES {need.ref}" in text and "km" in text
    assert "Zebedee" not in text and "Canary Wharf" not in text and "3RH" not in text


def test_volunteers_who_prefer_email_are_emailed(group):
    volunteer = make_volunteer(group, email="mail@example.org", phone="+447911123401", home=E8_3)
    volunteer.volunteer.channel = "email"
    db.session.commit()
    need = make_need(now=NOON)
    notify_candidates(need, ring=1, now=NOON)
    mail = Message.query.filter_by(template="notify_need").one()
    assert mail.channel == "email" and mail.to_address == "mail@example.org"
    assert mail.body.splitlines()[0].startswith("New request near you: Groceries and food")


def test_notifications_wait_for_the_morning_unless_the_need_is_for_today(group):
    make_volunteer(group, email="v@example.org", phone="+447911123401", home=E8_3)
    ordinary = make_need(details="ordinary", now=NIGHT)
    urgent = make_need(details="urgent", urgency="today", now=NIGHT)
    notify_candidates(ordinary, ring=1, now=NIGHT)
    notify_candidates(urgent, ring=1, now=NIGHT)
    by_need = {m.need_id: m for m in Message.query.filter_by(template="notify_need")}
    assert by_need[ordinary.id].next_attempt_at == datetime(2026, 3, 3, 8, 0, tzinfo=timezone.utc)
    assert by_need[urgent.id].next_attempt_at == NIGHT


def test_the_matching_pass_stores_one_proposal_per_matched_need_and_a_reason_for_the_rest(group):
    make_volunteer(group, email="v@example.org", phone="+447911123401", home=E8_3, capacity=1)
    matched = make_need(urgency="today", now=NOON - timedelta(hours=5))
    waiting = make_need(details="also groceries", now=NOON)
    pets = make_need(category="pets", details="dog", now=NOON)
    run_matching_pass(group.id, NOON)
    proposals = Proposal.query.filter(Proposal.volunteer_id.is_not(None)).all()
    assert [(p.need_id, p.rank) for p in proposals] == [(matched.id, 0)]
    assert dict(tuple(r) for r in proposals[0].reasons)["distance_km"] <= 1.0
    db.session.refresh(waiting)
    db.session.refresh(pets)
    assert waiting.match_reason == "nobody_free" and pets.match_reason == "nobody_for_category"


def test_an_offer_of_the_right_kind_nearby_is_proposed_for_a_need(group):
    offer = make_offer(category="household", where="E8 4", now=NOON)
    need = make_need(category="household", details="a cot please", where="E8 3RH", now=NOON)
    make_offer(category="groceries", details="veg", where="E8 4", now=NOON)
    run_matching_pass(group.id, NOON)
    assert [p.offer_id for p in Proposal.query.filter_by(need_id=need.id).filter(Proposal.offer_id.is_not(None))] == [offer.id]


def test_suggestions_are_ranked_with_reasons(group):
    near = make_volunteer(group, email="near@example.org", phone="+447911123401", home=E8_3)
    make_volunteer(group, email="farther@example.org", phone="+447911123402", home=(51.555, -0.066), radius_km=5)
    need = make_need(now=NOON)
    ranked = suggestions(need, now=NOON)
    assert [person.email for person, _ in ranked][0] == near.email
    assert all(dict(p.reasons).get("distance_km") is not None for _, p in ranked)


def test_a_volunteer_is_not_told_about_more_than_the_daily_cap(group, app):
    app.config["NOTIFY_MAX_PER_DAY"] = 2
    make_volunteer(group, email="v@example.org", phone="+447911123401", home=E8_3, capacity=5)
    needs = [make_need(details=f"need {i}", now=NOON) for i in range(4)]
    for need in needs:
        notify_candidates(need, ring=1, now=NOON)
    assert NeedNotification.query.count() == 2
    later = make_need(details="tomorrow", now=NOON + timedelta(days=1, minutes=1))
    notify_candidates(later, ring=1, now=NOON + timedelta(days=1, minutes=1))
    assert NeedNotification.query.count() == 3
