"""`next` after logging in and after choosing a language only ever leads to a page of this site."""
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mutualaid.core.redirects import local_path
from tests.builders import PASSWORD, csrf_from, make_coordinator, make_group, post_form

HOST = "our.host"
# Each as it arrives in the query string (percent-encoded where a browser would send it so).
HOSTILE = ["/%09/evil.example", "/%0A/evil.example", "/%0D/evil.example", "/%0D%0ALocation:%20//evil.example",
           "/%5Cevil.example", "/%5C/evil.example", "%2F%2Fevil.example", "/%2F/evil.example", "////evil",
           "https:evil.example", "https://evil.example", "//evil.example", "/%E2%80%A8/evil.example",
           "%09//evil.example", "/%00/evil.example", "http:/evil.example", "javascript:alert(1)"]


def stays_here(location: str) -> bool:
    """Whether a browser following this Location header stays on our host."""
    return urlsplit(urljoin(f"https://{HOST}/", location)).netloc == HOST


@given(st.text(max_size=40) | st.from_regex(r"\A[/\\\t\n\r %.:a-z0-9]{0,12}\Z"))
@example("/\t/evil.example")
@example("/\\evil.example")
@example("/\n/evil.example")
def test_any_target_gives_the_default_or_a_path_on_this_host(target):
    result = local_path(target, "/default")
    assert result == "/default" or (result == target and stays_here(result) and result.startswith("/")
                                    and not result.startswith("//") and "\\" not in result)


def test_a_plain_path_with_a_query_is_kept():
    assert local_path("/volunteer/needs?category=groceries", "/") == "/volunteer/needs?category=groceries"


@pytest.fixture
def coordinator(app):
    """A coordinator who can log in."""
    return make_coordinator(make_group())


@pytest.mark.parametrize("target", HOSTILE)
def test_login_never_redirects_off_site_or_fails(client, coordinator, target):
    response = post_form(client, f"/auth/login?next={target}", {"email": coordinator.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/coordinator/"


@pytest.mark.parametrize("target", HOSTILE)
def test_language_switch_never_redirects_off_site_or_fails(client, app, target):
    make_group()
    page = client.get("/").get_data(as_text=True)
    response = client.post("/language", data={"csrf_token": csrf_from(page), "language": "es",
                                              "next": unquote(target)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_next_to_a_page_of_this_site(client, coordinator):
    response = post_form(client, "/auth/login?next=/coordinator/volunteers",
                         {"email": coordinator.email, "password": PASSWORD})
    assert response.headers["Location"] == "/coordinator/volunteers"
