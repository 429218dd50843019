"""The erasure and subject-access pages in a real browser: no serious or critical axe-core
violation, and a neighbour can erase their details at /forget with the keyboard and labels alone."""
from __future__ import annotations

import pytest

from mutualaid.extensions import db
from mutualaid.models import Person
from tests.browser.helpers import blocking, describe, log_in, run_axe
from tests.builders import make_coordinator, make_group, make_need, make_volunteer

pytestmark = pytest.mark.browser


def seed(live_server):
    """A group with a coordinator, a volunteer and one request; returns (coordinator, volunteer, ref, phone)."""
    area = live_server.fresh_area()
    with live_server.seed():
        group = make_group(slug=area.slug, name=f"{area.postcode} Mutual Aid", centre=area.point)
        coordinator = make_coordinator(group, email=f"coord-{area.slug}@example.org")
        volunteer = make_volunteer(group, email=f"vol-{area.slug}@example.org", home=area.point)
        need = make_need(where=area.postcode, phone=area.phone(1), name="Frieda Canary")
        need.group_id = need.requester.group_id = group.id
        db.session.commit()
        return coordinator.email, volunteer.email, need.ref, area.phone(1)


@pytest.mark.parametrize(("who", "path"), [(None, "/forget"), ("coordinator", "/coordinator/people"),
                                           ("volunteer", "/auth/erase")])
def test_erasure_pages_have_no_serious_accessibility_violations(live_server, page, axe_source, who, path):
    coordinator, volunteer, _, _ = seed(live_server)
    if who:
        log_in(page, coordinator if who == "coordinator" else volunteer)
    response = page.goto(path)
    assert response is not None and response.ok
    serious = blocking(run_axe(page, axe_source))
    assert not serious, describe(serious)


def test_a_neighbour_erases_their_details_at_forget(live_server, page):
    _, _, ref, phone = seed(live_server)
    page.goto("/forget")
    page.get_by_label("The reference of one of your requests").fill(ref)
    page.get_by_label("The phone number or email you gave with it").fill(phone)
    page.get_by_role("button", name="Erase my details").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    with live_server.seed():
        assert db.session.execute(db.select(Person).where(Person.phone == phone)).first() is None
