"""Costly figures (the public page, the coordinators' figures) are counted by the scheduler's
refresh_figures job and only read on a visit: a visitor never waits for them to be counted."""
from datetime import datetime, timezone

import pytest

from mutualaid.coordination import dashboard, public_figures
from mutualaid.coordination.actions import refresh_figures
from mutualaid.coordination.public_figures import group_figures
from mutualaid.extensions import cache, db
from mutualaid.jobs.registry import JOBS
from mutualaid.models import FiguresSnapshot
from tests.builders import make_coordinator, make_group, make_need
from tests.conftest import make_app


@pytest.fixture
def config_overrides():
    """Count figures every five minutes, kept in a per-process cache in front, as production does."""
    return {"FIGURES_CACHE_SECONDS": 300, "CACHE_TYPE": "SimpleCache"}


def open_needs(coordinator) -> int:
    """Open needs by the coordinators' figures."""
    return sum(dashboard.figures(coordinator).by_status_category.get("open", {}).values())


def weekly(slug="hackney") -> int:
    """Requests counted by the public page's weeks."""
    return sum(week.count for week in group_figures(slug).weeks)


def now() -> datetime:
    """The job's clock."""
    return datetime.now(timezone.utc)


def never_count(monkeypatch):
    """Make counting fail, to show that a visit does not count."""
    def fail(*args, **kwargs):
        raise AssertionError("figures were counted on a visit")

    monkeypatch.setattr(public_figures, "_group_figures", fail)
    monkeypatch.setattr(dashboard, "_figures", fail)


def test_a_visit_reads_the_figures_the_job_counted_and_never_counts(group, monkeypatch):
    coordinator = make_coordinator(group)
    make_need(details="first")
    assert refresh_figures(now()) == 1
    never_count(monkeypatch)
    assert open_needs(coordinator) == 1 and weekly() == 1
    cache.clear()  # the process cache expires: the table is read again, still without counting
    assert open_needs(coordinator) == 1 and weekly() == 1


def test_a_new_request_shows_once_the_job_has_counted_again(group):
    coordinator = make_coordinator(group)
    make_need(details="first")
    refresh_figures(now())
    assert open_needs(coordinator) == 1 and weekly() == 1
    make_need(details="second", phone="+447911123499")
    cache.clear()
    assert open_needs(coordinator) == 1 and weekly() == 1  # as last counted
    refresh_figures(now())
    assert open_needs(coordinator) == 1 and weekly() == 1  # this process still holds what it read
    cache.clear()
    assert open_needs(coordinator) == 2 and weekly() == 2


def test_another_worker_reads_the_same_figures(group, _schema, monkeypatch):
    make_need(details="first")
    refresh_figures(now())
    other = make_app(_schema, FIGURES_CACHE_SECONDS=300, CACHE_TYPE="SimpleCache")  # its own, empty process cache
    never_count(monkeypatch)
    page = other.test_client().get("/groups/hackney")
    assert page.status_code == 200
    assert db.session.get(FiguresSnapshot, public_figures.figures_key(group.id)) is not None


def test_before_the_job_first_runs_a_visit_counts_once_and_keeps_nothing_in_the_table(group):
    make_need(details="first")
    assert weekly() == 1
    assert db.session.query(FiguresSnapshot).count() == 0


def test_each_group_keeps_its_own_figures(group):
    leeds = make_group(slug="leeds", name="Leeds", centre=(53.8, -1.55))
    make_need(details="in Hackney")
    assert refresh_figures(now()) == 2
    assert weekly("hackney") == 1 and weekly("leeds") == 0
    assert open_needs(make_coordinator(leeds, email="leeds@example.org")) == 0


def test_a_broken_cache_is_skipped_and_the_counted_figures_read(group, monkeypatch, caplog):
    def down(*args, **kwargs):
        raise ConnectionError("cache server down")

    make_need()
    refresh_figures(now())
    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    assert weekly() == 1
    assert "figures cache unavailable" in caplog.text


def test_the_job_runs_as_often_as_the_figures_setting_says(app):
    job = JOBS["refresh_figures"]
    assert job.interval(app.config) == 300
    assert job.interval({"FIGURES_CACHE_SECONDS": 60}) == 60


def test_an_unknown_group_is_not_found_and_nothing_is_kept(client, group):
    assert client.get("/groups/nowhere").status_code == 404
    assert client.get("/groups/hackney").status_code == 200
    assert client.get("/groups/nowhere").status_code == 404
