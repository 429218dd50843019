"""The pages a neighbour meets first, and the coordinators' simulator, on a 360×640 phone and a 1280×800 screen:
no sideways scrolling, no serious or critical axe-core violation, and the form sent twice is one request."""
from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from mutualaid.extensions import db
from mutualaid.models import Need
from tests.browser.helpers import blocking, describe, log_in, run_axe
from tests.builders import make_coordinator, make_group

pytestmark = pytest.mark.browser

VIEWPORTS = {
    "phone": {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}


def seed_group(live_server, *, paused_until: date | None = None):
    """A group of the test's own, with a texting number and a coordinator; paused if asked."""
    area = live_server.fresh_area()
    with live_server.seed():
        group = make_group(slug=area.slug, name=f"{area.postcode} Mutual Aid", centre=area.point,
                           phone_number=f"+4420795{area.number:05d}")
        if paused_until is not None:
            group.settings = {"intake_paused": {"until": paused_until.isoformat(), "message": "Back soon."}}
        coordinator = make_coordinator(group, email=f"coord-{area.slug}@example.org")
        db.session.commit()
        return area, group.name, coordinator.email


def fill_need_form(page, area, details="Bread, milk and tea") -> None:
    """Ask for help as a neighbour would."""
    page.get_by_label("What do you need?", exact=True).select_option(value="groceries")
    page.get_by_label("Tell us a little more", exact=True).fill(details)
    page.get_by_label("Where? (your postcode or ZIP code is enough)", exact=True).fill(area.postcode)
    page.get_by_label("Phone number", exact=True).fill(area.phone(1))


def check_page(page, axe_source, what: str, width: int) -> None:
    """No sideways scrolling at this width, and no serious or critical axe-core violation."""
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= width, f"{what} scrolls sideways: {scroll} px wide on a {width} px screen"
    serious = blocking(run_axe(page, axe_source))
    assert not serious, f"axe-core on {what}:\n{describe(serious)}"


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_home_need_form_and_thanks_fit_and_pass_axe(live_server, new_context, axe_source, screen):
    area, name, _ = seed_group(live_server)
    page = new_context(**VIEWPORTS[screen]).new_page()
    width = VIEWPORTS[screen]["viewport"]["width"]
    page.goto("/")
    expect(page.locator("main")).to_contain_text(name)
    check_page(page, axe_source, "the home page", width)
    page.goto("/need")
    check_page(page, axe_source, "the need form", width)
    fill_need_form(page, area)
    page.get_by_role("button", name="Ask for help").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We have your request")
    expect(page.locator("main")).to_contain_text(f"{name} will look after it")
    expect(page.locator("a.texting-number")).to_have_text(re.compile(r"^020 \d{4} \d{4}$"))
    check_page(page, axe_source, "the thanks page", width)


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_the_paused_page_fits_passes_axe_and_writes_the_date(live_server, new_context, axe_source, screen):
    area, _, _ = seed_group(live_server, paused_until=date(2099, 12, 5))
    page = new_context(**VIEWPORTS[screen]).new_page()
    page.goto("/need")
    fill_need_form(page, area)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Ask for help").click()
    assert navigation.value.status == 503
    expect(page.get_by_role("heading", level=1)).to_have_text("We are not taking new requests just now")
    expect(page.locator("main")).to_contain_text("December 5, 2099")
    check_page(page, axe_source, "the paused page", VIEWPORTS[screen]["viewport"]["width"])


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_the_simulator_fits_passes_axe_and_clears_practice(live_server, new_context, axe_source, screen):
    area, _, coordinator = seed_group(live_server)
    page = new_context(**VIEWPORTS[screen]).new_page()
    log_in(page, coordinator)
    page.goto("/coordinator/sms/simulator")
    page.get_by_label("Pretend to be this phone number").fill(area.phone(9))
    page.get_by_label("Message").fill(f"need groceries {area.postcode} today")
    page.get_by_role("button", name="Send text").click()
    expect(page.locator(".badge.practice").first).to_have_text("Practice")
    check_page(page, axe_source, "the simulator", VIEWPORTS[screen]["viewport"]["width"])
    page.get_by_role("button", name="Clear all practice data").click()
    expect(page.locator("main")).to_contain_text("Practice data cleared (requests: 1,")
    expect(page.locator(".badge.practice")).to_have_count(0)


def test_going_back_and_sending_the_form_again_gives_the_same_request(live_server, new_context):
    area, _, _ = seed_group(live_server)
    page = new_context(**VIEWPORTS["phone"]).new_page()
    page.goto("/need")
    fill_need_form(page, area, details="Two bags of shopping")
    page.get_by_role("button", name="Ask for help").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We have your request")
    first = page.url
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("I need help")
    if not page.get_by_label("Tell us a little more", exact=True).input_value():
        fill_need_form(page, area, details="Two bags of shopping")  # the browser reloaded the form empty
    page.get_by_role("button", name="Ask for help").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We have your request")
    assert page.url == first
    with live_server.seed():
        count = db.session.execute(db.select(db.func.count(Need.id)).where(
            Need.details == "Two bags of shopping")).scalar_one()
    assert count == 1
