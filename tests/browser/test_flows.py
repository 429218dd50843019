"""Whole journeys in a real browser: a coordinator assigning, a volunteer on a phone, Spanish intake, no JavaScript.

Each test seeds its own group (in a postcode sector of its own) through the app's builders
and services; the live server is shared by the module (see conftest.py).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from mutualaid.extensions import db
from mutualaid.models import Claim, Message, Need
from mutualaid.matching.actions import notify_candidates
from tests.browser.helpers import log_in
from tests.builders import make_coordinator, make_group, make_need, make_volunteer

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def test_coordinator_assigns_an_unmet_need_and_the_volunteer_sees_it(live_server, new_context):
    """The oldest "today" need nobody can do is first on the dashboard, with why; assigning it reaches the volunteer."""
    area = live_server.fresh_area()
    now = datetime.now(timezone.utc)
    with live_server.seed():
        group = make_group(slug=area.slug, name=f"{area.postcode} Mutual Aid", centre=area.point)
        make_coordinator(group, email=f"coord-{area.slug}@example.org", name="Cora Coordinator")
        make_volunteer(group, email=f"sam-{area.slug}@example.org", name="Sam Shopper", home=area.point,
                       categories=("groceries",))
        older_soon = make_need(category="groceries", urgency="soon", where=area.postcode, now=now - timedelta(days=3),
                               phone=area.phone(1))
        newer_today = make_need(category="groceries", urgency="today", where=area.postcode,
                                now=now - timedelta(hours=1), phone=area.phone(2))
        planted = make_need(category="paperwork", urgency="today", where=area.postcode, now=now - timedelta(days=2),
                            details="Help filling in a housing benefit form", phone=area.phone(3))
        # The matcher's first ring runs as the scheduler's chase would: nobody nearby does paperwork yet.
        for need in (older_soon, newer_today, planted):
            notify_candidates(need, ring=1, now=now)
        db.session.commit()
        assert planted.match_reason == "nobody_for_category"
        # A volunteer who does paperwork is approved after that pass: the need page suggests them.
        helper = make_volunteer(group, email=f"pat-{area.slug}@example.org", name="Pat Paperwork", home=area.point,
                                categories=("paperwork",))
        ref, helper_id, helper_email = planted.ref, helper.id, helper.email

    coordinator = new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(coordinator, f"coord-{area.slug}@example.org")
    expect(coordinator).to_have_url(re.compile(r"/coordinator/$"))
    unmet = coordinator.locator("table").filter(has=coordinator.get_by_role("columnheader", name="Why nobody has it"))
    first_row = unmet.locator("tbody tr").first
    expect(first_row).to_contain_text(ref)
    expect(first_row).to_contain_text("no volunteer nearby does this kind of help")
    expect(first_row).to_contain_text("Help with forms or paperwork")
    expect(unmet.locator("tbody tr")).to_have_count(3)

    first_row.get_by_role("link", name=ref).click()
    expect(coordinator).to_have_url(re.compile(rf"/coordinator/needs/{ref}$"))
    expect(coordinator.get_by_role("heading", name="Suggested volunteers")).to_be_visible()
    suggestion = coordinator.get_by_role("row").filter(has_text="Pat Paperwork")
    expect(coordinator.get_by_role("row").filter(has_text="Sam Shopper")).to_have_count(0)
    suggestion.get_by_role("button", name="Assign").click()
    expect(coordinator.locator(".flash")).to_have_text("Assigned.")
    expect(coordinator.get_by_role("row", name=re.compile("^Volunteer"))).to_contain_text("Pat Paperwork")

    coordinator.get_by_role("link", name="Unmet requests").click()
    expect(unmet.locator("tbody")).not_to_contain_text(ref)

    with live_server.seed():
        need = db.session.execute(db.select(Need).where(Need.ref == ref)).scalar_one()
        assert need.status == "claimed"
        assert need.active_claim.volunteer_id == helper_id

    volunteer = new_context(viewport={"width": 1280, "height": 900}).new_page()  # a second browser, its own cookies
    log_in(volunteer, helper_email)
    volunteer.get_by_role("link", name="My requests").click()
    expect(volunteer).to_have_url(re.compile(r"/volunteer/claims$"))
    card = volunteer.locator(".card").filter(has=volunteer.get_by_role("link", name=ref))
    expect(card).to_contain_text("Help with forms or paperwork")
    expect(card).to_contain_text("in progress")


def test_volunteer_on_a_small_phone_takes_a_need_and_marks_it_done(live_server, new_context):
    """360×640 touch screen: find the need near me, take it, see the exact address, finish it with a note."""
    area = live_server.fresh_area()
    address = f"Flat 2, 14 Test Street, {area.postcode}AB"
    with live_server.seed():
        group = make_group(slug=area.slug, centre=area.point)
        volunteer = make_volunteer(group, email=f"val-{area.slug}@example.org", name="Val", home=area.point,
                                   categories=("groceries",))
        need = make_need(category="groceries", details="Two bags of shopping from the corner shop", where=address,
                         name="Ada Requester", phone=area.phone(1))
        make_need(category="pets", details="Walk my dog", where=area.postcode, phone=area.phone(2))
        ref, volunteer_email, volunteer_id = need.ref, volunteer.email, volunteer.id

    phone = new_context(**PHONE).new_page()
    log_in(phone, volunteer_email, tap=True)
    expect(phone.get_by_role("heading", name="Needs near me")).to_be_visible()
    cards = phone.locator(".card")
    expect(cards).to_have_count(1)  # the dog walk is not a kind of help Val does
    expect(cards.first).to_contain_text("Two bags of shopping")
    expect(cards.first).to_contain_text(re.compile(r"about \d+(\.\d)? km away"))  # public points are rounded
    assert _page_width(phone) <= 360, "the needs list scrolls sideways on a 360 px phone"

    cards.first.get_by_role("link", name=f"See request {ref}").tap()
    expect(phone).to_have_url(re.compile(rf"/volunteer/needs/{ref}$"))
    expect(phone.locator("main")).not_to_contain_text("14 Test Street")  # private until taken
    expect(phone.locator("main")).not_to_contain_text("Ada Requester")
    phone.get_by_role("button", name="I'll do this").tap()

    expect(phone.locator(".flash")).to_contain_text("It's yours")
    expect(phone.get_by_role("heading", name="To help")).to_be_visible()
    expect(phone.locator("main")).to_contain_text(address)
    expect(phone.locator("main")).to_contain_text("Ada Requester")
    assert _page_width(phone) <= 360, "the taken need's page scrolls sideways on a 360 px phone"

    phone.get_by_label("How did it go? (a short note)").fill("Dropped the shopping off, all fine.")
    phone.get_by_role("button", name="Mark as done").tap()
    expect(phone).to_have_url(re.compile(r"/volunteer/claims$"))
    expect(phone.locator(".flash")).to_have_text("Marked as done. Thank you for helping!")
    card = phone.locator(".card").filter(has=phone.get_by_role("link", name=ref))
    expect(card).to_contain_text("done")
    expect(card).to_contain_text("Dropped the shopping off, all fine.")

    with live_server.seed():
        stored = db.session.execute(db.select(Need).where(Need.ref == ref)).scalar_one()
        claim = db.session.execute(db.select(Claim).where(Claim.need_id == stored.id)).scalar_one()
        assert stored.status == "fulfilled"
        assert stored.closed_at is not None
        assert (claim.status, claim.outcome_note) == ("completed", "Dropped the shopping off, all fine.")
        assert claim.volunteer_id == volunteer_id


def test_intake_form_in_spanish(live_server, page):
    """Switch to Spanish with the footer button, ask for help with the Spanish labels, get the reference."""
    area = live_server.fresh_area()
    with live_server.seed():
        group = make_group(slug=area.slug, centre=area.point)
        group_id = group.id

    page.goto("/need")
    expect(page.get_by_role("heading", level=1)).to_have_text("I need help")
    with page.expect_navigation():
        page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page).to_have_url(re.compile(r"/need\??$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Necesito ayuda")
    expect(page.get_by_role("button", name="Español")).to_have_attribute("aria-pressed", "true")

    page.get_by_label("¿Qué necesitas?", exact=True).select_option(label="Medicinas o recoger algo en la farmacia")
    page.get_by_label("Cuéntanos un poco más", exact=True).fill("Necesito recoger una receta en la farmacia")
    page.get_by_role("group", name="¿Para cuándo?").get_by_label("Hoy", exact=True).check()
    page.get_by_label("¿Dónde? (con tu código postal es suficiente)", exact=True).fill(f"{area.postcode}ZZ")
    page.get_by_label("Tu nombre (o cómo quieres que te llamemos)", exact=True).fill("Lucía")
    page.get_by_label("Número de teléfono", exact=True).fill("07911 123456")
    page.get_by_role("button", name="Pedir ayuda").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Recibimos tu pedido")
    expect(page.locator("main")).to_contain_text("Tu número de referencia es")
    ref = page.locator(".ref").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4,8}", ref), ref
    expect(page).to_have_url(re.compile(rf"/need/{ref}/thanks$"))

    with live_server.seed():
        need = db.session.execute(db.select(Need).where(Need.ref == ref)).scalar_one()
        assert (need.language, need.category, need.urgency, need.group_id) == ("es", "medicine", "today", group_id)
        assert need.requester.language == "es"
        assert need.requester.name == "Lucía"


def test_needs_near_me_works_without_javascript(live_server, new_context):
    """No JavaScript: log in, the list of needs near me is there (the map stays hidden), filters and links work."""
    area = live_server.fresh_area()
    with live_server.seed():
        group = make_group(slug=area.slug, centre=area.point)
        volunteer = make_volunteer(group, email=f"nojs-{area.slug}@example.org", home=area.point,
                                   categories=("groceries", "medicine"))
        groceries = make_need(category="groceries", details="Milk and eggs", where=area.postcode,
                              phone=area.phone(1))
        medicine = make_need(category="medicine", details="A prescription from the chemist", where=area.postcode,
                             phone=area.phone(2))
        refs, email = (groceries.ref, medicine.ref), volunteer.email

    page = new_context(java_script_enabled=False, viewport={"width": 1024, "height": 800}).new_page()
    log_in(page, email)
    expect(page).to_have_url(re.compile(r"/volunteer/$"))
    expect(page.get_by_role("heading", name="Needs near me")).to_be_visible()
    for ref in refs:
        expect(page.get_by_role("link", name=f"See request {ref}")).to_be_visible()
    expect(page.locator("#needs-map")).to_be_hidden()

    page.get_by_label("Kind of help").select_option(label="Medicine or prescription pickup")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"category=medicine"))
    expect(page.locator(".card")).to_have_count(1)
    expect(page.locator(".card")).to_contain_text("A prescription from the chemist")

    page.get_by_role("link", name=f"See request {refs[1]}").click()
    expect(page.get_by_role("button", name="I'll do this")).to_be_visible()


def test_sms_simulator_in_a_group_without_its_own_number_refuses_kindly(live_server, page):
    """A group with no number cannot practise yet: the page says why and no text lands in another group."""
    area = live_server.fresh_area()
    with live_server.seed():
        make_group(slug=f"{area.slug}-n", name="Neighbouring Mutual Aid", centre=(area.point[0] + 0.2, area.point[1]))
        group = make_group(slug=area.slug, name="Practice Mutual Aid", centre=area.point)
        make_coordinator(group, email=f"sim-{area.slug}@example.org")
    number = area.phone(99)  # a made-up number: nobody on this server has it

    log_in(page, f"sim-{area.slug}@example.org")
    page.goto("/coordinator/sms/simulator")
    page.get_by_label("Pretend to be this phone number").fill(number)
    page.get_by_label("Message").fill("HELP")
    with page.expect_navigation():
        page.get_by_role("button", name="Send text").click()

    expect(page.locator("body")).to_contain_text("Your group has no SMS number yet")
    with live_server.seed():
        stored = db.session.execute(db.select(Message.id).where(
            (Message.from_number == number) | (Message.to_number == number))).all()
    assert stored == [], "no practice text may be filed under another group"


def _page_width(page) -> int:
    """How wide the page's content is, in CSS pixels (more than the viewport means sideways scrolling)."""
    return page.evaluate("() => document.documentElement.scrollWidth")
