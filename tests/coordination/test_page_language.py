"""Words for codes written as constants in a template (the map's colour legend, "draft" on the dashboard)
follow each reader's language, whoever opened the page first."""
import pytest

from mutualaid.extensions import db
from mutualaid.models import Need
from tests.builders import make_coordinator, make_group, make_need


@pytest.fixture
def group(app):
    """The Hackney group, with an English-speaking and a Spanish-speaking coordinator."""
    group = make_group()
    make_coordinator(group, email="en@example.org", language="en")
    make_coordinator(group, email="es@example.org", language="es")
    return group


def page_as(client, auth, email: str, url: str) -> str:
    """`url` as the coordinator with `email` sees it."""
    auth.login(email)
    page = client.get(url).get_data(as_text=True)
    auth.logout()
    return page


@pytest.mark.parametrize("first", ["en@example.org", "es@example.org"])
def test_the_map_legend_is_in_each_coordinators_language(client, auth, group, first):
    make_need()
    second = {"en@example.org": "es@example.org", "es@example.org": "en@example.org"}[first]
    pages = {email: page_as(client, auth, email, "/coordinator/map") for email in (first, second)}
    assert "> nuevo</li>" in pages["es@example.org"] and "> con retraso</li>" in pages["es@example.org"]
    assert "<th>esperando</th>" in pages["es@example.org"] and "waiting" not in pages["es@example.org"]
    assert "> new</li>" in pages["en@example.org"] and "<th>overdue</th>" in pages["en@example.org"]
    assert "con retraso" not in pages["en@example.org"]


@pytest.mark.parametrize("first", ["en@example.org", "es@example.org"])
def test_a_draft_on_the_dashboard_is_named_in_each_coordinators_language(client, auth, group, first):
    need = make_need()
    need.status = "draft"
    db.session.commit()
    second = {"en@example.org": "es@example.org", "es@example.org": "en@example.org"}[first]
    pages = {email: page_as(client, auth, email, "/coordinator/") for email in (first, second)}
    assert Need.query.one().status == "draft"
    assert '<span class="meta">(sin terminar)</span>' in pages["es@example.org"]
    assert '<span class="meta">(not finished)</span>' in pages["en@example.org"]
