"""The coordinator's need page says plainly when the neighbour gave no phone or email (never "None")."""
import re

import pytest

from tests.builders import make_coordinator, make_group, make_need


@pytest.fixture
def coordinator(app):
    """A coordinator of the Hackney group."""
    return make_coordinator(make_group())


def need_page(client, auth, coordinator, need):
    """The coordinator's page for `need`, in the coordinator's language."""
    auth.login(coordinator.email)
    return client.get(f"/coordinator/needs/{need.ref}").get_data(as_text=True)


def test_a_need_without_a_phone_says_no_phone_given(client, auth, coordinator):
    page = need_page(client, auth, coordinator, make_need(phone="", email="asker@example.org"))
    assert "no phone given" in page and "asker@example.org" in page and "None" not in page


def test_a_need_without_an_email_says_no_email_given(client, auth, coordinator):
    page = need_page(client, auth, coordinator, make_need(phone="+447911123456", email=""))
    assert "no email given" in page and "+447911123456" in page and "None" not in page


def test_in_spanish_the_missing_contacts_are_said_in_spanish(client, auth, app):
    coordinator = make_coordinator(make_group(), language="es")
    without_phone = need_page(client, auth, coordinator, make_need(phone="", email="asker@example.org"))
    without_email = client.get(f"/coordinator/needs/{make_need(phone='+447911123456').ref}").get_data(as_text=True)
    assert "sin teléfono" in without_phone and "sin correo electrónico" in without_email
    assert "None" not in without_phone + without_email


def test_a_need_without_a_name_says_no_name_given(client, auth, coordinator):
    page = need_page(client, auth, coordinator, make_need(name="", phone="+447911123456"))
    assert "no name given" in page


def test_the_source_and_the_status_buttons_are_in_words(client, auth, coordinator):
    page = need_page(client, auth, coordinator, make_need(phone="+447911123456"))
    assert "on the website" in page and "via web" not in page
    buttons = re.findall(r'<button type="submit" class="secondary"[^>]*>([^<]+)</button>', page)
    assert {"Mark as done", "Cancel the request", "Close it: no longer needed"} <= set(buttons)
    assert not {"done", "cancelled", "expired", "someone is helping"} & set(buttons)


def test_the_place_is_named_before_how_it_was_found(client, auth, coordinator):
    page = need_page(client, auth, coordinator, make_need(phone="+447911123456"))
    assert re.search(r"E8 3\s*<span class=\"meta\">\(found", page)
