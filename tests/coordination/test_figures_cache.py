"""Costly figures (the public page, the coordinators' figures) are kept for a few minutes, per group."""
import pytest

from mutualaid.extensions import cache
from mutualaid.coordination import dashboard
from mutualaid.coordination.public_figures import group_figures
from tests.builders import make_coordinator, make_group, make_need


@pytest.fixture
def config_overrides():
    """Keep figures for five minutes in a per-process cache, as production does."""
    return {"FIGURES_CACHE_SECONDS": 300, "CACHE_TYPE": "SimpleCache"}


@pytest.fixture
def group(app):
    """Hackney."""
    return make_group()


def open_needs(coordinator) -> int:
    """Open needs by the coordinators' figures."""
    return sum(dashboard.figures(coordinator).by_status_category.get("open", {}).values())


def weekly(slug="hackney") -> int:
    """Requests counted by the public page's weeks."""
    return sum(week.count for week in group_figures(slug).weeks)


def test_figures_are_kept_until_the_cache_expires(group):
    coordinator = make_coordinator(group)
    make_need(details="first")
    assert open_needs(coordinator) == 1 and weekly() == 1
    make_need(details="second", phone="+447911123499")
    assert open_needs(coordinator) == 1 and weekly() == 1  # kept, not counted again
    cache.clear()
    assert open_needs(coordinator) == 2 and weekly() == 2


def test_each_group_keeps_its_own_figures(group):
    leeds = make_group(slug="leeds", name="Leeds", centre=(53.8, -1.55))
    make_need(details="in Hackney")
    assert weekly("hackney") == 1 and weekly("leeds") == 0
    assert open_needs(make_coordinator(leeds, email="leeds@example.org")) == 0


def test_a_broken_cache_is_skipped_and_the_figures_counted_afresh(group, monkeypatch, caplog):
    def down(*args, **kwargs):
        raise ConnectionError("cache server down")

    monkeypatch.setattr(cache, "get", down)
    make_need()
    assert weekly() == 1
    make_need(details="again", phone="+447911123499")
    assert weekly() == 2
    assert "figures cache unavailable" in caplog.text


def test_an_unknown_group_is_not_found_and_nothing_is_kept(client, group):
    assert client.get("/groups/nowhere").status_code == 404
    assert client.get("/groups/hackney").status_code == 200
    assert client.get("/groups/nowhere").status_code == 404
