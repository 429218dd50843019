"""The first-run setup page on a small phone (360×640): readable without zooming sideways, no serious
axe-core violation, and filling it in sets the group up and lands on the coordinators' page."""
from __future__ import annotations

import pytest

from mutualaid.extensions import db
from mutualaid.first_run.token import setup_token
from mutualaid.models import Group
from tests.browser.helpers import blocking, describe, run_axe

pytestmark = pytest.mark.browser
PASSWORD = "a-long-enough-password"


def test_a_new_instance_is_set_up_on_a_small_phone(live_server, new_context, axe_source, tmp_path):
    with live_server.seed():
        assert db.session.execute(db.select(Group.id)).first() is None  # this module's server has no group yet
    live_server.app.config["SETUP_TOKEN_FILE"] = str(tmp_path / "setup-token")
    key = setup_token(live_server.app)
    page = new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True).new_page()

    not_set_up = page.goto("/")
    assert not_set_up is not None and not_set_up.status == 503
    assert "setup-link" in page.content()

    assert page.goto(f"/setup?token={key}").ok
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    serious = blocking(run_axe(page, axe_source))
    assert not serious, describe(serious)

    page.get_by_label("The group's name").fill("Clapton Mutual Aid")
    page.get_by_label("A postcode or place at the centre of your area").fill("E5 0LH")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Your email (you log in with it)").fill("ada@example.org")
    page.get_by_label("Choose a password (at least 10 characters)").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    page.get_by_role("button", name="Set up the group").tap()

    page.wait_for_url("**/coordinator/")
    with live_server.seed():
        assert [g.slug for g in db.session.execute(db.select(Group)).scalars()] == ["clapton-mutual-aid"]
    assert page.goto(f"/setup?token={key}").status == 404
