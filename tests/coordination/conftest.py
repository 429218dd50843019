"""What most coordination tests start from: the Hackney group and a coordinator of it, logged in."""
import pytest

from tests.builders import make_coordinator, make_group


@pytest.fixture
def group(app):
    """The Hackney group."""
    return make_group()


@pytest.fixture
def coordinator(group, auth):
    """A logged-in coordinator of the group."""
    person = make_coordinator(group)
    auth.login(person.email)
    return person
