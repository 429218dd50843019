"""After claiming, the volunteer sees the address as given with a link that opens it in a maps app, or, when
only a postcode was given, a prompt to ask for the address through the relay; nobody else sees either."""
import pytest

from mutualaid.claims.actions import claim_need
from mutualaid.claims.directions import MAPS_SEARCH, directions, only_a_postcode
from tests.builders import make_group, make_need, make_volunteer, post_form
from tests.sms_helpers import GROUP_NUMBER, sms_config

ADDRESS = "Flat 2, 14 Mare Street, E8 3RH"
ENCODED = "Flat%202%2C%2014%20Mare%20Street%2C%20E8%203RH"
POSTCODE_PROMPT = "Only a postcode was given: ask them for the address with a message below."


@pytest.mark.parametrize("given", ["E8 3RH", "e83rh", "E8 3", "postcode E8 3RH", "London E8 3RH", "11216",
                                   "  E8 3RH, UK "])
def test_a_postcode_alone_is_only_a_postcode(given):
    assert only_a_postcode(given)


@pytest.mark.parametrize("given", [ADDRESS, "14 Mare Street", "The Old Vicarage E8 3RH",
                                   "123 Main St, Brooklyn NY 11216", "Flat 3"])
def test_anything_that_finds_a_door_is_an_address(given):
    assert not only_a_postcode(given)


def test_an_address_gets_a_plain_https_maps_search_for_the_text_as_given():
    way = directions(ADDRESS)
    assert way == {"address": ADDRESS, "maps_url": MAPS_SEARCH + ENCODED, "ask": ""}
    assert way["maps_url"].startswith("https://www.google.com/maps/search/?api=1&query=")


def test_characters_that_would_break_the_link_are_encoded():
    url = directions("5 Rue & Co #2 ?x=1")["maps_url"]
    assert url.endswith("query=5%20Rue%20%26%20Co%20%232%20%3Fx%3D1")


def test_a_postcode_gets_no_link_but_a_prompt_and_nothing_given_says_so():
    assert directions("E8 3RH") == {"address": "E8 3RH", "maps_url": None, "ask": "postcode"}
    assert directions("  ") == {"address": "", "maps_url": None, "ask": "none"}


# --- on the page ---------------------------------------------------------------------------------

@pytest.fixture
def config_overrides():
    """Console SMS."""
    return sms_config()


@pytest.fixture
def group(app):
    """The Hackney group with its number."""
    return make_group(phone_number=GROUP_NUMBER)


def take(client, auth, volunteer, need):
    """Log in as the volunteer and take the need through the page."""
    auth.login(volunteer.email)
    post_form(client, f"/volunteer/needs/{need.ref}/claim", {}, page_url=f"/volunteer/needs/{need.ref}")
    return client.get(f"/volunteer/needs/{need.ref}").get_data(as_text=True)


def test_after_claiming_the_volunteer_sees_the_address_and_a_maps_link(client, auth, group):
    volunteer = make_volunteer(group)
    need = make_need(where=ADDRESS)
    page = take(client, auth, volunteer, need)
    assert "14 Mare Street" in page
    assert f'href="{MAPS_SEARCH.replace("&", "&amp;")}{ENCODED}"' in page
    assert "Open this address in a maps app" in page and POSTCODE_PROMPT not in page


def test_raw_coordinates_are_not_shown(client, auth, group):
    volunteer = make_volunteer(group)
    need = make_need(where=ADDRESS)
    page = take(client, auth, volunteer, need)
    assert f"{need.exact_lat:.5f}" not in page and f"{need.exact_lon:.5f}" not in page


def test_with_only_a_postcode_the_volunteer_is_asked_to_ask_for_the_address(client, auth, group):
    volunteer = make_volunteer(group)
    page = take(client, auth, volunteer, make_need(where="E8 3RH"))
    assert POSTCODE_PROMPT in page and "google.com/maps" not in page
    assert "Write to them" in page


def test_before_claiming_and_for_other_volunteers_there_is_no_address_or_link(client, auth, group):
    volunteer, other = make_volunteer(group), make_volunteer(group, email="other@example.org")
    need = make_need(where=ADDRESS)
    auth.login(other.email)
    before = client.get(f"/volunteer/needs/{need.ref}").get_data(as_text=True)
    claim_need(volunteer, need.ref)
    after = client.get(f"/volunteer/needs/{need.ref}").get_data(as_text=True)
    for page in (before, after):
        assert "Mare Street" not in page and "google.com/maps" not in page and "maps app" not in page
