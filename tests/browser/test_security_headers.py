"""The Content-Security-Policy in a real browser: our pages (maps included) break none of it, and no other
site can frame them.

Each test seeds its own group in a postcode sector of its own (see conftest.py).
"""
from __future__ import annotations

import html
import http.server
import re
import threading
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from mutualaid.claims.actions import claim_need
from tests.browser.helpers import log_in
from tests.builders import (
    make_coordinator,
    make_group,
    make_need,
    make_offer,
    make_volunteer,
)

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# Registered before any script of the page runs; Playwright's own scripts are not subject to the CSP.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
});
"""
TILE_HOST = "tile.openstreetmap.org"


@pytest.fixture
def world(live_server):
    """A group with a coordinator, a volunteer who has taken one of four requests nearby, and an offer."""
    area = live_server.fresh_area()
    with live_server.seed():
        group = make_group(slug=area.slug, name=f"{area.postcode} Mutual Aid", centre=area.point)
        coordinator = make_coordinator(group, email=f"coord-{area.slug}@example.org")
        volunteer = make_volunteer(group, email=f"vol-{area.slug}@example.org", home=area.point)
        needs = [make_need(where=area.postcode, phone=area.phone(i), details=f"Shopping run {i}") for i in range(4)]
        claim_need(volunteer, needs[0].ref)
        offer = make_offer(where=area.postcode, phone=area.phone(9))
        return {"slug": group.slug, "coordinator": coordinator.email, "volunteer": volunteer.email,
                "claimed": needs[0].ref, "open": needs[1].ref, "offer": offer.ref}


@pytest.fixture
def watched(new_context):
    """A desktop page that records every CSP violation (events and console reports)."""
    context = new_context(**DESKTOP)
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    page.console_reports = []
    page.on("console", lambda message: page.console_reports.append(message.text)
            if "Content Security Policy" in message.text else None)
    return page


def visit_without_violations(page, path: str) -> None:
    """Open `path` and fail on any CSP violation the page reported."""
    response = page.goto(path)
    assert response.status == 200, f"{path}: {response.status}"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    violations = page.evaluate("() => window.__cspViolations")
    assert not violations and not page.console_reports, f"{path}: {violations} {page.console_reports}"


def visit_map(page, path: str, origin: str) -> None:
    """Open a page with the map: it asks the tile host for tiles (which the tests refuse), sending only our origin."""
    with page.expect_request(lambda request: TILE_HOST in request.url) as tile:
        visit_without_violations(page, path)
    assert tile.value.all_headers().get("referer") == origin + "/"


def assert_map_drawn(page, height: int) -> None:
    """Leaflet drew the map and its markers, at the height the stylesheet gives it."""
    holder = page.locator("#needs-map")
    expect(holder).to_be_visible()
    expect(holder).to_have_class(re.compile(r"\bleaflet-container\b"))
    expect(holder.locator(".leaflet-marker-icon").first).to_be_visible()
    expect(holder.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap contributors")  # the credit
    assert holder.bounding_box()["height"] == pytest.approx(height, abs=1)


def test_public_and_intake_pages_break_no_policy(live_server, world, watched):
    for path in ("/", "/need", "/offer", "/forget", "/auth/login", "/auth/signup", f"/groups/{world['slug']}"):
        visit_without_violations(watched, path)
    expect(watched.locator(".weekly-chart")).to_have_count(1)


def test_the_volunteer_map_and_pages_break_no_policy(live_server, world, watched):
    log_in(watched, world["volunteer"])
    visit_map(watched, "/volunteer/", live_server.url)
    assert_map_drawn(watched, 320)
    for path in ("/volunteer/claims", f"/volunteer/needs/{world['claimed']}", f"/volunteer/needs/{world['open']}"):
        visit_without_violations(watched, path)
    visit_without_violations(watched, f"/volunteer/needs/{world['claimed']}")
    assert watched.locator("p.address").evaluate("p => getComputedStyle(p).whiteSpace") == "pre-wrap"


def test_the_coordinator_map_and_pages_break_no_policy(live_server, world, watched):
    log_in(watched, world["coordinator"])
    visit_map(watched, "/coordinator/map", live_server.url)
    assert_map_drawn(watched, 420)
    watched.locator("#needs-map .leaflet-marker-icon").first.click()  # a cluster opens, or a popup
    for path in ("/coordinator/", f"/coordinator/needs/{world['claimed']}", "/coordinator/offers",
                 f"/coordinator/offers/{world['offer']}", "/coordinator/messages", "/coordinator/volunteers",
                 "/coordinator/people", "/coordinator/figures", "/coordinator/intake", "/coordinator/settings",
                 "/coordinator/sms/simulator", "/coordinator/audit/", "/coordinator/exports/"):
        visit_without_violations(watched, path)
    assert not watched.evaluate("() => window.__cspViolations"), "the map's clicks broke the policy"


class OtherSite(http.server.BaseHTTPRequestHandler):
    """Another origin on this machine: "/" frames the URLs in its query, "/plain" is a page anyone may frame."""

    def do_GET(self):  # noqa: N802 - http.server's name
        """Serve the framing page or the plain page."""
        if self.path.startswith("/plain"):
            body = "<p>a page without our headers</p>"
        else:
            sources = parse_qs(urlsplit(self.path).query)["src"]
            body = "".join(f'<iframe src="{html.escape(src)}"></iframe>' for src in sources)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        """Quiet."""


@pytest.fixture
def other_sites():
    """Two more origins on 127.0.0.1 (other ports): one frames, one is framed as the control."""
    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), OtherSite) for _ in range(2)]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield [f"http://127.0.0.1:{server.server_address[1]}" for server in servers]
    for server in servers:
        server.shutdown()
        server.server_close()


def test_another_site_cannot_frame_our_pages(live_server, world, new_context, other_sites):
    framer, control = other_sites
    page = new_context(**DESKTOP).new_page()
    for origin in other_sites:  # past the tests' own rule that refuses every other host
        page.route(f"{origin}/**", lambda route: route.continue_())
    ours = f"{live_server.url}/auth/login"
    page.goto(f"{framer}/?{urlencode([('src', f'{control}/plain'), ('src', ours)])}")
    page.wait_for_load_state("load")
    frames = [frame.url for frame in page.frames[1:]]
    assert f"{control}/plain" in frames, frames  # framing another origin works in this browser, but not ours
    assert ours not in frames and any(url.startswith("chrome-error://") for url in frames), frames
    expect(page.frame_locator("iframe").nth(1).get_by_label("Email", exact=True)).to_have_count(0)
