"""Merging a duplicate from a request's page: the request that stays must be one still being met."""
from datetime import datetime, timedelta, timezone

import pytest

from mutualaid.coordination import actions as coordination
from mutualaid.core.errors import ServiceError
from mutualaid.extensions import db
from tests.builders import csrf_from, make_need

NOW = datetime.now(timezone.utc) - timedelta(hours=3)


def closed_and_open_pair(coordinator):
    """The same neighbour's request twice: the first cancelled, the second still open."""
    first = make_need(details="Bread and milk please", now=NOW)
    second = make_need(details="bread and milk please!", now=NOW + timedelta(hours=1))
    coordination.change_status(coordinator, first.ref, "cancelled", confirmed=True)
    return first, second


def test_a_closed_request_offers_no_merge_of_an_open_one(client, coordinator):
    first, second = closed_and_open_pair(coordinator)
    assert coordination.duplicate_suggestions(coordinator, first.ref) == []
    page = client.get(f"/coordinator/needs/{first.ref}").get_data(as_text=True)
    assert "Merge into this one" not in page


def test_merging_an_open_request_into_a_closed_one_is_refused_and_it_stays_open(client, coordinator):
    first, second = closed_and_open_pair(coordinator)
    page = client.get(f"/coordinator/needs/{first.ref}").get_data(as_text=True)
    answer = client.post(f"/coordinator/needs/{first.ref}/merge",
                         data={"csrf_token": csrf_from(page), "duplicate": second.ref}, follow_redirects=True)
    db.session.refresh(second)
    assert second.status == "open"
    assert "Only unmet requests can be merged." in answer.get_data(as_text=True)


def test_the_open_request_still_offers_to_merge_nothing_closed(coordinator):
    first, second = closed_and_open_pair(coordinator)
    assert coordination.duplicate_suggestions(coordinator, second.ref) == []
    with pytest.raises(ServiceError):
        coordination.merge_duplicate(coordinator, second.ref, first.ref)
