"""Builders for test data (make_*), and helpers that act like a browser."""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone

from mutualaid.extensions import db
from mutualaid.models import Group, Need, Person, VolunteerProfile
from mutualaid.needs.intake import Contact, NeedInput, OfferInput
from mutualaid.needs.actions import submit_need, submit_offer

PASSWORD = "correct-horse-battery"
# Hackney, London (E8 1 sector centroid area).
HACKNEY = (51.5431, -0.0600)


def make_group(slug="hackney", name="Hackney Mutual Aid", centre=HACKNEY, radius_km=6.0, **kw) -> Group:
    """A group centred on Hackney unless told otherwise."""
    group = Group(slug=slug, name=name, centre_lat=centre[0], centre_lon=centre[1], radius_km=radius_km, **kw)
    db.session.add(group)
    db.session.commit()
    return group


def make_person(role="neighbour", *, group=None, email=None, name="Test Person", phone=None,
                password=PASSWORD, language="en", sms_consent=False) -> Person:
    """A person, with a login when they have an email (and texts only if `sms_consent`, or an account role)."""
    person = Person(role=role, group_id=group.id if group else None, email=email, name=name, phone=phone,
                    language=language, sms_consent=sms_consent, session_token=secrets.token_hex(8))
    if email:
        person.set_password(password)
    db.session.add(person)
    db.session.commit()
    return person


def make_coordinator(group, email="coord@example.org", **kw) -> Person:
    """A coordinator of `group`."""
    return make_person("coordinator", group=group, email=email, name=kw.pop("name", "Coordinator"), **kw)


def make_volunteer(group, email="vol@example.org", *, status="approved", home=HACKNEY, radius_km=5.0,
                   categories=("groceries", "medicine"), languages=("en",), capacity=2, **kw) -> Person:
    """A volunteer of `group` with a profile (approved unless told otherwise)."""
    person = make_person("volunteer", group=group, email=email, name=kw.pop("name", "Volunteer"), **kw)
    person.volunteer = VolunteerProfile(home_label="E8 3", home_lat=home[0], home_lon=home[1],
                                        radius_km=radius_km, categories=list(categories),
                                        languages=list(languages), capacity=capacity, vetting_status=status)
    db.session.commit()
    return person


def make_need(*, category="groceries", details="Bread and milk please", urgency="soon", where="E8 3RH",
              name="Requester", phone="+447911123456", email="", language="en", now=None, sms_consent=True,
              **kw) -> Need:
    """A need submitted through the intake service (as the web form would)."""
    need, _ = submit_need(NeedInput(category=category, details=details, urgency=urgency, where=where,
                                    contact=Contact(name, phone, email, language, sms_consent), **kw),
                          now=now or datetime.now(timezone.utc))
    return need


def make_offer(*, category="household", details="A cot", kind="item", quantity=1, where="E8 4",
               name="Offerer", phone="+447911123457", email="", now=None, sms_consent=True, **kw):
    """An offer submitted through the intake service."""
    offer, _ = submit_offer(OfferInput(category=category, details=details, kind=kind, quantity=quantity,
                                       where=where, contact=Contact(name, phone, email, "en", sms_consent), **kw),
                            now=now)
    return offer


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
KEY_RE = re.compile(r'id="submission_key" name="submission_key" type="hidden" value="([^"]*)"')


def csrf_from(html: str) -> str:
    """The CSRF token in a rendered page."""
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def submission_key_from(html: str) -> str:
    """The one-use submission key in a rendered intake form."""
    match = KEY_RE.search(html)
    assert match, "no submission key on the page"
    return match.group(1)


def post_form(client, url: str, data: dict, *, follow_redirects=False, page_url=None):
    """GET the form page (for its CSRF token and submission key), then POST `data` to it."""
    page = client.get(page_url or url).get_data(as_text=True)
    fields = {"csrf_token": csrf_from(page)}
    if 'name="submission_key"' in page:
        fields["submission_key"] = submission_key_from(page)
    fields.update(data)
    return client.post(url, data=fields, follow_redirects=follow_redirects)


class Auth:
    """Logs a test client in and out through the real login form."""

    def __init__(self, client):
        self.client = client

    def login(self, email, password=PASSWORD):
        """Log in; returns the response to the POST."""
        return post_form(self.client, "/auth/login", {"email": email, "password": password})

    def logout(self):
        """Log out through the form in the page header."""
        page = self.client.get("/").get_data(as_text=True)
        return self.client.post("/auth/logout", data={"csrf_token": csrf_from(page)})
