"""The API keeps to its OpenAPI document: schemathesis generates requests from the document (examples, the
edges of every constraint, unsupported methods, then random valid and invalid data) for every operation, with
a volunteer's token, and checks every answer against it."""
from __future__ import annotations

import pytest
import schemathesis
from flask import g
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from mutualaid import create_app
from mutualaid.extensions import db
from mutualaid.people.actions import hash_token
from tests.builders import make_group, make_need, make_offer, make_volunteer

# Examples per operation: the whole test stays well under a minute on both databases together.
EXAMPLES = 30


def fresh_g(app):
    """The app as a WSGI callable whose every request starts with an empty `g`, as in production (the test's
    open app context would otherwise carry the caller a token named from one request to the next)."""
    def wsgi(environ, start_response):
        """Clear `g`, then answer."""
        for name in list(vars(g._get_current_object())):
            delattr(g, name)
        return app(environ, start_response)
    return wsgi


@pytest.fixture
def wsgi(app):
    """A group with a need and an offer, and the app calling as an approved volunteer with a token."""
    group = make_group()
    make_need(), make_offer()
    make_volunteer(group, email=None).api_token_hash = hash_token(TOKEN)
    db.session.commit()
    return fresh_g(app)


# A known token: the cases, with their Authorization header, are made before any test's database exists.
TOKEN = "a-volunteers-api-token-for-the-conformance-test"
# The document does not depend on the database: it is read once from an app with none.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", create_app({"ENV_NAME": "testing"}))


@schema.auth()
class VolunteerToken:
    """The volunteer's bearer token on every request the document says needs one."""

    def get(self, case, context):
        """The token."""
        return TOKEN

    def set(self, case, data, context):
        """Put it in the Authorization header."""
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_document_says(case, wsgi):
    # What the document can say (lengths, empty texts, ranges) it says. A body valid by the document may still
    # be refused for a rule a schema cannot say (a phone number that is not one, no phone and no email, a
    # date already past, a NUL character anywhere): those 400s are declared, and every other check runs.
    unsayable = [positive_data_acceptance] if case.method == "POST" else []
    case.call_and_validate(app=wsgi, excluded_checks=unsayable)
    db.session.rollback()
