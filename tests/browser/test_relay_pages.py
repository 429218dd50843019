"""The need pages after claiming, in a real browser: the volunteer's (address, maps link or postcode prompt,
the message thread, writing to the neighbour) and the coordinator's (the same thread, contacts in words),
on a 360x640 phone and a 1280x800 screen: no sideways scrolling and no serious or critical axe-core
violation."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import pytest

from mutualaid.claims import relay
from mutualaid.claims.actions import claim_need
from mutualaid.extensions import db
from tests.browser.helpers import blocking, describe, log_in, run_axe
from tests.builders import make_coordinator, make_group, make_need, make_volunteer

pytestmark = pytest.mark.browser

SCREENS = {"phone": {"width": 360, "height": 640}, "desktop": {"width": 1280, "height": 800}}
NEIGHBOUR_WORDS = "Door code 4411, ring twice. Photo of the door: https://example.org/" + "x" * 90
VOLUNTEER_WORDS = "Hello, I can come at 3 with the shopping"


@dataclass(frozen=True)
class Seeded:
    """Who can log in and which requests to open."""

    coordinator: str
    volunteer: str
    address_ref: str
    postcode_ref: str
    street: str


def seed(live_server) -> Seeded:
    """A web-only volunteer holding two requests: one with a street address and a conversation, one with a
    postcode only; the requester of the second gave no email."""
    area = live_server.fresh_area()
    now = datetime.now(timezone.utc)
    street = f"Flat 2, 14 Example Road, {area.postcode}AA"
    with live_server.seed():
        group = make_group(slug=area.slug, name=f"{area.postcode} Mutual Aid", centre=area.point,
                           phone_number=f"+4420795{area.number:05d}")
        coordinator = make_coordinator(group, email=f"coord-{area.slug}@example.org")
        volunteer = make_volunteer(group, email=f"web-{area.slug}@example.org", name="Wendy Web",
                                   home=area.point, phone=None)
        with_address = make_need(details="Shopping for the week", where=street, phone=area.phone(1))
        postcode_only = make_need(details="Medicine from the chemist", category="medicine",
                                  where=area.postcode, phone=area.phone(2))
        for need in (with_address, postcode_only):
            need.group_id = need.requester.group_id = group.id
        db.session.commit()
        claim, _ = claim_need(volunteer, with_address.ref, via="web")
        claim_need(volunteer, postcode_only.ref, via="web")
        for author, role, words in ((volunteer, "volunteer", VOLUNTEER_WORDS),
                                    (with_address.requester, "requester", NEIGHBOUR_WORDS)):
            relay.pass_on(relay.keep(with_address, claim, author, role, words, via="web" if role == "volunteer"
                                     else "sms", now=now), claim, now=now)
        db.session.commit()
        return Seeded(coordinator.email, volunteer.email, with_address.ref, postcode_only.ref, street)


@pytest.fixture
def seeded(live_server) -> Seeded:
    """This test's group and requests."""
    return seed(live_server)


def assert_fits_and_passes_axe(page, axe_source, what: str) -> None:
    """No sideways scrolling, and no serious or critical axe-core violation."""
    fits = page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, f"{what} scrolls sideways"
    violations = blocking(run_axe(page, axe_source))
    assert not violations, f"{what}:\n{describe(violations)}"


@pytest.mark.parametrize("screen", SCREENS)
def test_volunteer_need_page_shows_address_link_and_thread_and_passes_axe(new_context, seeded, axe_source,
                                                                           screen):
    page = new_context(viewport=SCREENS[screen], has_touch=screen == "phone").new_page()
    log_in(page, seeded.volunteer)
    page.goto(f"/volunteer/needs/{seeded.address_ref}")
    assert seeded.street in page.locator("main").inner_text()
    link = page.get_by_role("link", name="Open this address in a maps app")
    assert link.get_attribute("href").startswith("https://www.google.com/maps/search/?api=1&query=Flat%202")
    messages = page.locator("ol.thread > li")
    assert messages.count() == 2
    assert "You wrote" in messages.nth(0).inner_text() and VOLUNTEER_WORDS in messages.nth(0).inner_text()
    assert "The neighbour wrote" in messages.nth(1).inner_text()
    assert_fits_and_passes_axe(page, axe_source, f"volunteer need page ({screen})")


@pytest.mark.parametrize("screen", SCREENS)
def test_volunteer_with_only_a_postcode_is_prompted_to_ask_and_the_page_passes_axe(new_context, seeded,
                                                                                   axe_source, screen):
    page = new_context(viewport=SCREENS[screen], has_touch=screen == "phone").new_page()
    log_in(page, seeded.volunteer)
    page.goto(f"/volunteer/needs/{seeded.postcode_ref}")
    main = page.locator("main").inner_text()
    assert "Only a postcode was given: ask them for the address with a message below." in main
    assert page.get_by_role("link", name="Open this address in a maps app").count() == 0
    assert "No messages yet." in main
    assert_fits_and_passes_axe(page, axe_source, f"volunteer need page, postcode only ({screen})")


@pytest.mark.parametrize("screen", SCREENS)
def test_coordinator_need_page_shows_the_thread_and_passes_axe(new_context, seeded, axe_source, screen):
    page = new_context(viewport=SCREENS[screen], has_touch=screen == "phone").new_page()
    log_in(page, seeded.coordinator)
    page.goto(f"/coordinator/needs/{seeded.address_ref}")
    main = page.locator("main").inner_text()
    assert "Wendy Web (volunteer) wrote" in main and "The neighbour wrote" in main
    assert "no email given" in main and "None" not in main
    assert_fits_and_passes_axe(page, axe_source, f"coordinator need page ({screen})")


def test_a_volunteer_writes_on_the_page_and_sees_it_in_the_thread(new_context, seeded):
    page = new_context(viewport=SCREENS["phone"], has_touch=True).new_page()
    log_in(page, seeded.volunteer, tap=True)
    page.goto(f"/volunteer/needs/{seeded.postcode_ref}")
    page.get_by_label("Message to the neighbour").fill("Which door number are you?")
    with page.expect_navigation():
        page.get_by_role("button", name="Send").tap()
    assert "we email them to you" in page.locator("main").inner_text()
    [message] = page.locator("ol.thread > li").all()
    assert "You wrote" in message.inner_text() and "Which door number are you?" in message.inner_text()
