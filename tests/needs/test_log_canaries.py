"""Logs and the job ledger hold no personal data: canaries planted through the web form, a text and the API
are driven through a whole life (claim, relay both ways, chase, fulfil, late reply, STOP) and never appear
in a log record or a ledger row."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest

from mutualaid.extensions import db
from mutualaid.jobs.registry import JOBS
from mutualaid.jobs.runner import run_job
from mutualaid.models import JobRun, JobState, Message, Need, NeedMessage
from mutualaid.people.actions import issue_api_token
from tests.builders import make_coordinator, make_group, make_volunteer, post_form
from tests.sms_helpers import GROUP_NUMBER, sms_config, text_in

WEB = {"name": "Quillon Webcanary", "phone": "+447911123461", "email": "quillon@webcanary.example",
       "street": "77 Zanzibar Close", "text": "Grapefruitword"}
SMS = {"name": "Marisol Smscanary", "phone": "+447911123462", "street": "88 Yellowhammer Road",
       "text": "Kumquatword"}
API = {"name": "Ottoline Apicanary", "phone": "+447911123463", "email": "ottoline@apicanary.example",
       "street": "66 Xylophone Street", "text": "Persimmonword"}
RELAYED = ("Volunteerwaffle", "Requesterwaffle", "Latereplywaffle", "Smsrelaywaffle")
HELPER_PHONE = "+447911123464"


def canaries() -> list[str]:
    """Every planted value, with each phone number in the forms people write it."""
    found = []
    for planted in (WEB, SMS, API):
        found += [planted["name"], *planted["name"].split(), planted["street"], planted["street"].split(" ", 1)[1],
                  planted["text"], planted["phone"], planted["phone"][3:], "0" + planted["phone"][3:],
                  "0" + planted["phone"][3:7] + " " + planted["phone"][7:]]
        if "email" in planted:
            found.append(planted["email"])
    return found + list(RELAYED) + [HELPER_PHONE, HELPER_PHONE[3:]]


@pytest.fixture
def config_overrides():
    """Console SMS; the webhook only stores texts, and the process_inbound job answers them."""
    return sms_config(SMS_INBOUND_INLINE=False)


def text(client, body: str, sender: str, now: datetime) -> None:
    """A text arrives and the scheduler's fast jobs handle it."""
    text_in(client, body, sender=sender)
    run_job("process_inbound", now)
    run_job("deliver_outbox", now)


def every_job(now: datetime) -> None:
    """One run of every job in the registry at `now`."""
    for name in JOBS:
        run_job(name, now)


def test_no_log_record_or_ledger_row_holds_anything_a_neighbour_wrote_or_gave(client, auth, caplog):
    caplog.set_level(logging.DEBUG, logger="mutualaid")
    now = datetime.now(timezone.utc)
    group = make_group(phone_number=GROUP_NUMBER)
    make_coordinator(group)
    helper = make_volunteer(group, email="helper@example.org", phone=HELPER_PHONE, capacity=5,
                            categories=("groceries", "medicine", "household"))
    token = {"Authorization": f"Bearer {issue_api_token(helper)}"}

    web = post_form(client, "/need", {
        "category": "groceries", "urgency": "today", "where": f"{WEB['street']}, E8 3RH",
        "details": f"I'm {WEB['name']} at {WEB['street']}, ring {WEB['phone']} or {WEB['email']}. {WEB['text']}",
        "name": WEB["name"], "phone": WEB["phone"], "email": WEB["email"], "sms_consent": "y"})
    assert web.status_code == 302, web.get_data(as_text=True)
    text(client, f"need groceries today, I'm {SMS['name']} at {SMS['street']} E8 3RH {SMS['text']}",
         SMS["phone"], now)
    api = client.post("/api/v1/needs", json={
        "category": "medicine", "urgency": "soon", "where": f"{API['street']} E8 3RH",
        "details": f"Pills please, my name is {API['name']}, {API['phone']} {API['text']}",
        "contact": {"name": API["name"], "phone": API["phone"], "email": API["email"], "sms_consent": True}})
    assert api.status_code == 201, api.get_json()
    client.post("/api/v1/offers", json={
        "category": "household", "details": f"A cot from {API['name']} {API['text']}", "kind": "item",
        "where": f"{API['street']} E8 3RH", "contact": {"name": API["name"], "phone": API["phone"]}})
    every_job(now)

    web_need = db.session.execute(db.select(Need).where(Need.source == "web")).scalar_one()
    sms_need = db.session.execute(db.select(Need).where(Need.source == "sms")).scalars().first()
    assert sms_need is not None
    auth.login("helper@example.org")
    post_form(client, f"/volunteer/needs/{web_need.ref}/claim", {}, page_url=f"/volunteer/needs/{web_need.ref}")
    post_form(client, f"/volunteer/needs/{web_need.ref}/message", {"text": f"On my way, {RELAYED[0]}"},
              page_url=f"/volunteer/needs/{web_need.ref}")
    run_job("deliver_outbox", now)
    text(client, f"Thank you, {RELAYED[1]}", WEB["phone"], now)
    text(client, f"See you soon {RELAYED[3]}", HELPER_PHONE, now)
    assert client.post(f"/api/v1/needs/{api.get_json()['ref']}/claim", headers=token).status_code == 201
    text(client, f"YES {sms_need.ref}", HELPER_PHONE, now)

    fulfilled = client.post(f"/api/v1/needs/{web_need.ref}/fulfil", json={"outcome": "done"}, headers=token)
    assert fulfilled.status_code == 200
    for hours in (2, 8, 30, 80):  # the chase, reminders, releases and follow-ups walk on
        every_job(now + timedelta(hours=hours))
    later = now + timedelta(hours=90)
    text(client, f"One more thing {RELAYED[2]}", WEB["phone"], later)
    text(client, "STOP", SMS["phone"], later)
    text(client, "STOP", WEB["phone"], later)
    every_job(later + timedelta(days=3))

    # The lifecycle really ran through every channel, so the emptiness below means something.
    db.session.refresh(web_need)
    assert web_need.status == "fulfilled"
    bodies = " ".join(db.session.execute(db.select(NeedMessage.body)).scalars())
    assert RELAYED[0] in bodies and RELAYED[1] in bodies
    assert db.session.execute(db.select(Message).where(Message.direction == "out")).first() is not None
    assert any(r.name.startswith("mutualaid") for r in caplog.records)

    logged = "\n".join([caplog.text] + [repr(r.args) for r in caplog.records]).lower()
    ledger = " ".join(f"{run.name} {run.error}" for run in db.session.execute(db.select(JobRun)).scalars())
    ledger += " ".join(f"{s.name} {s.last_error}" for s in db.session.execute(db.select(JobState)).scalars())
    for canary in canaries():
        assert canary.lower() not in logged, f"{canary!r} is in the logs"
        assert canary.lower() not in ledger.lower(), f"{canary!r} is in the job ledger"


def test_practice_texts_and_clearing_them_log_nothing_a_coordinator_typed(client, auth, caplog):
    caplog.set_level(logging.DEBUG, logger="mutualaid")
    group = make_group(phone_number=GROUP_NUMBER)
    make_coordinator(group)
    auth.login("coord@example.org")
    practice_phone = "+447911123465"
    for body in (f"need groceries, I'm {SMS['name']} at {SMS['street']} E8 3RH {SMS['text']}", "1",
                 f"my name is {WEB['name']}"):
        response = post_form(client, "/coordinator/sms/simulator", {"phone": practice_phone, "body": body})
        assert response.status_code == 200
    assert db.session.execute(db.select(Need).where(Need.practice.is_(True))).first() is not None
    post_form(client, "/coordinator/sms/simulator/clear", {}, page_url="/coordinator/sms/simulator")
    assert db.session.execute(db.select(Need).where(Need.practice.is_(True))).first() is None
    assert caplog.records
    logged = "\n".join([caplog.text] + [repr(r.args) for r in caplog.records]).lower()
    for canary in canaries() + [practice_phone, practice_phone[3:]]:
        assert canary.lower() not in logged, f"{canary!r} is in the logs"
