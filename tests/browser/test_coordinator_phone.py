"""Coordinators' pages on a 360-pixel phone and on a desktop, in English and Spanish, and the map's colours.

On a 360×640 phone no page scrolls sideways and every table marked "stack" shows each row as a
card (its cells one under another, each labelled); on a 1280×800 desktop the page uses the
width and the tables are tables again. axe-core finds no serious or critical violation either
way. The data is the awkward kind a real group has: long names and emails, long Spanish words,
long texts with links and numbers, many rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from mutualaid.claims.actions import claim_need
from mutualaid.coordination.actions import assign_need
from mutualaid.extensions import db
from mutualaid.models import Message
from tests.browser.helpers import blocking, describe, log_in, run_axe
from tests.builders import make_coordinator, make_group, make_need, make_offer, make_volunteer

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1280, "height": 800}
PAGES = {  # page -> path; every one has at least one stacked table with rows
    "dashboard": "/coordinator/",
    "volunteers": "/coordinator/volunteers",
    "texts": "/coordinator/messages",
    "figures": "/coordinator/figures",
    "audit log": "/coordinator/audit/",
    "map and gaps": "/coordinator/map",
}
LONG_NAME = "María Guadalupe Fernández-Villaverde de la Concepción Rodríguez"
LONG_EMAIL = "maria.guadalupe.fernandez.villaverde.rodriguez@cooperativa-de-vecinos-solidarios.example.org"
LONG_TEXT = ("Necesito ayuda urgentemente con los formularios del ayuntamiento, el número de expediente es "
             "2026000123456789012345 y el enlace https://sede.example.org/tramites/solicitudes/"
             "ayudas-extraordinarias-de-emergencia-habitacional?expediente=2026000123456789012345")


@dataclass(frozen=True)
class World:
    """Who logs in: a coordinator reading English and one reading Spanish."""

    english: str
    spanish: str
    open_ref: str  # an open request that approved volunteers could take (its page suggests them)


@pytest.fixture(scope="module")
def world(live_server) -> World:
    """One busy group for every page test in this module (the tests only read it)."""
    area = live_server.fresh_area()
    now = datetime.now(timezone.utc)
    with live_server.seed():
        group = make_group(slug=area.slug, name=f"{area.postcode} Red de Apoyo Mutuo Vecinal", centre=area.point,
                           phone_number=f"+4420794{area.number:05d}")
        english = make_coordinator(group, email=f"coord-{area.slug}@example.org", name=LONG_NAME)
        spanish = make_coordinator(group, email=f"coord-es-{area.slug}@example.org", name="Coordinadora", language="es")
        helpers = [make_volunteer(group, email=f"v{i}-{area.slug}-{LONG_EMAIL}"[:254], name=f"{LONG_NAME} {i}",
                                  home=area.point, capacity=3, categories=("paperwork", "groceries", "medicine"),
                                  status="approved" if i % 3 else "pending") for i in range(8)]
        needs = []
        for i in range(30):
            needs.append(make_need(category=("paperwork", "groceries", "childcare", "transport")[i % 4],
                                   details=LONG_TEXT, urgency=("today", "soon", "this_week")[i % 3],
                                   where=area.postcode, phone=area.phone(i), language="es" if i % 2 else "en",
                                   now=now - timedelta(hours=7 * i)))
        needs.append(make_need(category="company", details="Una llamada", where="un sitio que nadie encuentra",
                               phone=area.phone(40)))
        needs[-1].group_id = needs[-1].requester.group_id = group.id
        make_offer(category="household", details=LONG_TEXT, where=area.postcode, phone=area.phone(41))
        db.session.commit()
        claim_need(helpers[1], needs[0].ref, via="web")
        assign_need(english, needs[1].ref, helpers[2].id)
        for i in range(12):
            db.session.add(Message(direction="in" if i % 2 else "out", group_id=group.id,
                                   from_number=area.phone(i), to_number=group.phone_number, body=LONG_TEXT,
                                   status=("received", "delivered", "failed", "queued")[i % 4]))
        db.session.commit()
        return World(english.email, spanish.email, needs[4].ref)


def layout(page) -> dict:
    """What the checks need from the loaded page: widths, and where a stacked table's first row's cells sit."""
    return page.evaluate("""() => {
        const row = [...document.querySelectorAll('table.stack tbody tr')].find(r => r.querySelectorAll('td').length > 1);
        const cells = row ? [...row.children].filter(c => c.getClientRects().length)  // hidden empty cells aside
            .map(c => Math.round(c.getBoundingClientRect().left)) : [];
        const labels = row ? [...row.querySelectorAll('td[data-label]')].map(
            td => getComputedStyle(td, '::before').content) : [];
        return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
                main: document.querySelector('main').getBoundingClientRect().width,
                lefts: cells, labels: labels, header_hidden: row ? getComputedStyle(
                    row.closest('table').querySelector('thead')).position : ''};
    }""")


def check_pages(new_context, axe_source, email: str, viewport: dict) -> list[str]:
    """Every coordinator page at this size: returns what is wrong (empty when all is well)."""
    page = new_context(viewport=viewport).new_page()
    log_in(page, email)
    problems = []
    for name, path in PAGES.items():
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
        seen = layout(page)
        if seen["scroll"] > seen["inner"]:
            problems.append(f"{name}: scrolls sideways ({seen['scroll']} px wide in {seen['inner']} px)")
        if not seen["lefts"]:
            problems.append(f"{name}: no stacked table with rows")
        elif viewport is PHONE:
            if len(set(seen["lefts"])) != 1:
                problems.append(f"{name}: a row's cells are not stacked (left edges {seen['lefts']})")
            if not seen["labels"] or any(label in ("none", "normal", "") for label in seen["labels"]):
                problems.append(f"{name}: stacked cells without labels {seen['labels']}")
            if seen["header_hidden"] != "absolute":
                problems.append(f"{name}: the column headers are not kept for screen readers")
        else:
            if len(set(seen["lefts"])) < 2:
                problems.append(f"{name}: the table is stacked on a desktop")
            if seen["main"] <= 900:
                problems.append(f"{name}: the content is only {seen['main']:.0f} px wide on a desktop")
        serious = blocking(run_axe(page, axe_source))
        if serious:
            problems.append(f"{name}: axe-core found\n{describe(serious)}")
    return problems


def test_the_suggested_volunteers_on_a_request_page_are_stacked_on_a_phone(live_server, world, new_context):
    page = new_context(viewport=PHONE).new_page()
    log_in(page, world.english)
    page.goto(f"/coordinator/needs/{world.open_ref}")
    seen = layout(page)
    assert seen["scroll"] <= seen["inner"]
    assert len(seen["lefts"]) >= 2 and len(set(seen["lefts"])) == 1, seen  # one card per volunteer, not columns
    assert page.get_by_role("button", name="Assign").first.bounding_box()["width"] > 60  # not squeezed to "Assig n"


@pytest.mark.parametrize("who", ["english", "spanish"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone-360", "desktop-1280"])
def test_coordinator_pages_fit_the_screen(live_server, world, new_context, axe_source, viewport, who):
    """No sideways scrolling, rows stacked on a phone and the width used on a desktop, no serious axe finding."""
    problems = check_pages(new_context, axe_source, getattr(world, who), viewport)
    assert not problems, "\n".join(problems)


def test_stacked_tables_are_still_tables_to_screen_readers(live_server, world, new_context):
    page = new_context(viewport=PHONE).new_page()
    log_in(page, world.english)
    page.goto("/coordinator/audit/")
    tree = page.locator("table.stack").aria_snapshot()
    assert tree.startswith("- table") and "columnheader \"Who\"" in tree and "- row" in tree
    assert "- cell" in tree and "cell \"Who:" not in tree  # the visible label is not read out twice


def test_the_nav_wraps_on_a_phone_and_every_link_can_be_tapped(live_server, world, new_context):
    page = new_context(viewport=PHONE, has_touch=True).new_page()
    log_in(page, world.spanish, tap=True)
    page.goto("/coordinator/")
    boxes = page.locator("p.nav-row a").evaluate_all(
        "links => links.map(a => { const r = a.getBoundingClientRect(); return [r.left, r.right, r.height]; })")
    assert len(boxes) >= 10
    assert all(left >= 0 and right <= 360 and height >= 20 for left, right, height in boxes), boxes


def test_a_cluster_with_one_old_request_and_many_new_ones_takes_the_old_colour(live_server, new_context):
    area = live_server.fresh_area()
    now = datetime.now(timezone.utc)
    with live_server.seed():
        group = make_group(slug=area.slug, name="Cluster group", centre=area.point,
                           phone_number=f"+4420794{area.number:05d}")
        coordinator = make_coordinator(group, email=f"coord-{area.slug}@example.org")
        make_need(urgency="today", details="waiting since yesterday", where=area.postcode, phone=area.phone(0),
                  now=now - timedelta(hours=20))
        for i in range(1, 12):
            make_need(urgency="this_week", details=f"new {i}", where=area.postcode, phone=area.phone(i),
                      now=now - timedelta(minutes=i))
        email = coordinator.email
    page = new_context(viewport=DESKTOP).new_page()
    log_in(page, email)
    page.goto("/coordinator/map")
    cluster = page.locator(".wait-cluster")
    cluster.first.wait_for()
    assert cluster.count() == 1
    assert cluster.first.inner_text().strip() == "12"
    classes = cluster.first.get_attribute("class")
    assert "wait-red" in classes and "wait-green" not in classes, classes
    assert "marker-cluster-medium" not in classes  # not coloured by how many it holds
    legend = page.locator("ul.legend").inner_text()
    assert "new" in legend and "overdue" in legend
