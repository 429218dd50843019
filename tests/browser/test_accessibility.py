"""axe-core on every main page, as the people who use it see it: no serious or critical violation.

axe-core comes from the npm registry (tests/browser/package.json pins the exact version;
`npm ci --prefix tests/browser` installs it). Each test seeds its own small group with
requests, an offer, volunteers (one waiting for approval) and a taken request, logs in as
the person the page is for, and runs `axe.run()` on the loaded page (the volunteers' map
included: its tiles are refused, everything else is served by the live app).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from mutualaid.extensions import db
from mutualaid.claims.actions import claim_need
from tests.browser.helpers import blocking, describe, log_in, run_axe
from tests.builders import make_coordinator, make_group, make_need, make_offer, make_volunteer

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class World:
    """What one accessibility test seeded: who can log in, and the references to open."""

    coordinator: str
    volunteer: str
    open_ref: str
    taken_ref: str


def seed_world(live_server) -> World:
    """A group with something on every page: open, taken, unplaced and old requests, an offer, volunteers."""
    area = live_server.fresh_area()
    now = datetime.now(timezone.utc)
    with live_server.seed():
        group = make_group(slug=area.slug, name=f"{area.postcode} Mutual Aid", centre=area.point,
                           phone_number=f"+4420794{area.number:05d}")  # its own number, as with several groups
        coordinator = make_coordinator(group, email=f"coord-{area.slug}@example.org")
        volunteer = make_volunteer(group, email=f"vol-{area.slug}@example.org", name="Vera Volunteer",
                                   home=area.point, categories=("groceries", "medicine"))
        make_volunteer(group, email=f"new-{area.slug}@example.org", name="Nia Newcomer", home=area.point,
                       status="pending")
        open_need = make_need(category="groceries", details="Bread, milk and tea", where=area.postcode,
                              urgency="today", phone=area.phone(1), now=now - timedelta(days=4))
        taken = make_need(category="medicine", details="Prescription from the chemist on the high street",
                          where=f"3 Example Road, {area.postcode}AA", phone=area.phone(2),
                          now=now - timedelta(days=1))
        unplaced = make_need(category="company", details="A chat on the phone", where="somewhere nobody can find",
                             urgency="this_week", phone=area.phone(3))
        # A place nobody can find goes to the instance's first group; keep it in this test's group.
        unplaced.group_id = unplaced.requester.group_id = group.id
        make_offer(category="household", details="A folding cot", where=area.postcode, phone=area.phone(4))
        claim_need(volunteer, taken.ref, via="web")
        db.session.commit()
        return World(coordinator.email, volunteer.email, open_need.ref, taken.ref)


# (test id, who is logged in, path; {open} and {taken} are the seeded references)
PAGES = [
    ("home", None, "/"),
    ("ask-for-help", None, "/need"),
    ("offer", None, "/offer"),
    ("login", None, "/auth/login"),
    ("signup", None, "/auth/signup"),
    ("forgot-password", None, "/auth/forgot"),
    ("volunteer-needs-near-me", "volunteer", "/volunteer/"),
    ("volunteer-need-open", "volunteer", "/volunteer/needs/{open}"),
    ("volunteer-need-taken", "volunteer", "/volunteer/needs/{taken}"),
    ("volunteer-my-requests", "volunteer", "/volunteer/claims"),
    ("coordinator-dashboard", "coordinator", "/coordinator/"),
    ("coordinator-need", "coordinator", "/coordinator/needs/{open}"),
    ("coordinator-volunteers", "coordinator", "/coordinator/volunteers"),
    ("coordinator-figures", "coordinator", "/coordinator/figures"),
    ("coordinator-settings", "coordinator", "/coordinator/settings"),
    ("coordinator-sms-simulator", "coordinator", "/coordinator/sms/simulator"),
]

# Known serious/critical violations that need an app change: page id -> (axe rule ids, why).
# Such a page is an expected failure (strict) ONLY for these rules: any other serious or
# critical violation on it still fails the test, and once the app is fixed the strict xfail
# turns into a failure that says to remove the entry.
KNOWN: dict = {}  # no known serious or critical violations


class KnownViolation(Exception):
    """Only the violations listed in KNOWN for this page were found."""


def _marks(name):
    """A strict xfail, for the known violations only, on pages listed in KNOWN."""
    if name not in KNOWN:
        return []
    return [pytest.mark.xfail(strict=True, raises=KnownViolation, reason=KNOWN[name][1])]


@pytest.mark.parametrize(("name", "who", "path"), [
    pytest.param(name, who, path, id=name, marks=_marks(name)) for name, who, path in PAGES])
def test_page_has_no_serious_accessibility_violations(live_server, page, axe_source, name, who, path):
    """axe-core finds no violation of impact serious or critical on the page."""
    world = seed_world(live_server)
    if who:
        log_in(page, getattr(world, who))
    response = page.goto(path.format(open=world.open_ref, taken=world.taken_ref))
    assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
    if name == "coordinator-sms-simulator":  # with a conversation on screen, as coordinators use it
        page.get_by_label("Message").fill("HELP")
        page.get_by_role("button", name="Send text").click()
        page.locator(".card").first.wait_for()
    violations = run_axe(page, axe_source)
    for v in violations:  # every finding, for the record (pytest -rA or -s); only serious and critical fail
        print(f"axe {name}: {v['id']} ({v['impact']}) {v['help']} x{len(v['nodes'])}")
    serious = blocking(violations)
    known_rules = KNOWN.get(name, ((), ""))[0]
    unexpected = [v for v in serious if v["id"] not in known_rules]
    assert not unexpected, f"axe-core found serious or critical violations on {path}:\n{describe(unexpected)}"
    known = [v for v in serious if v["id"] in known_rules]
    if known:
        raise KnownViolation(f"known violations on {path} (needs an app fix):\n{describe(known)}")
