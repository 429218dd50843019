"""The figures page: the per-day chart names its days and its period, in the page's language."""
import html
from datetime import datetime, timedelta, timezone

import pytest
from babel.dates import format_date

from mutualaid.extensions import db

from tests.builders import make_coordinator, make_group, make_need


@pytest.fixture
def coordinator(app):
    """A coordinator of Hackney, with two requests made yesterday."""
    group = make_group()
    yesterday = datetime.now(timezone.utc) - timedelta(days=1)
    make_need(details="one", now=yesterday)
    make_need(details="two", now=yesterday)
    return make_coordinator(group)


def figures_page(client, auth, coordinator, language) -> str:
    """The figures page's text in `language`."""
    coordinator.language = language  # the account's choice of language
    db.session.commit()
    auth.login(coordinator.email)
    response = client.get("/coordinator/figures")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("language, words", [("en", "from {first} to {last}"), ("es", "del {first} al {last}")])
def test_the_chart_says_its_period(client, auth, coordinator, language, words):
    today = datetime.now(timezone.utc).date()
    first, last = today - timedelta(days=29), today
    page = figures_page(client, auth, coordinator, language)
    period = words.format(first=format_date(first, "long", locale=language),
                          last=format_date(last, "long", locale=language))
    assert period in page.split('id="per-day-period"')[1].split("</p>")[0]
    assert period in page.split("<figcaption>")[1]


@pytest.mark.parametrize("language", ["en", "es"])
def test_each_day_is_named_by_its_date_in_the_chart_and_the_table(client, auth, coordinator, language):
    yesterday = datetime.now(timezone.utc).date() - timedelta(days=1)
    page = figures_page(client, auth, coordinator, language)
    named = format_date(yesterday, "full", locale=language)
    assert f"<title>{named}: 2</title>" in page  # the bar's tooltip
    assert f'<th scope="row">{named}</th><td data-label="{"Requests" if language == "en" else "Pedidos"}">2</td>' in page
    assert yesterday.isoformat() not in page  # no bare ISO days
    ticks = page.count("<text ")
    assert ticks == 5 and format_date(yesterday + timedelta(days=1), "d MMM", locale=language) in page
