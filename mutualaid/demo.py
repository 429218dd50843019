"""A small demo group in Hackney, London, built through the same services as real use."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from mutualaid.extensions import db
from mutualaid.groups.actions import create_group
from mutualaid.models import Group, Person
from mutualaid.needs.actions import submit_need, submit_offer
from mutualaid.needs.intake import Contact, NeedInput, OfferInput
from mutualaid.people import actions as accounts

PASSWORD = "demo-password-123"
SLUG = "hackney-demo"

COORDINATORS = (("Amara Okafor", "amara@demo.mutualaid.test"), ("Tom Reilly", "tom@demo.mutualaid.test"))
VOLUNTEERS = (
    # name, email, home, radius, categories, languages, capacity, car, approved
    ("Priya Shah", "priya@demo.mutualaid.test", "E8 3", 3, ["groceries", "medicine", "errand"], ["en"], 2, False, True),
    ("Luis García", "luis@demo.mutualaid.test", "E5 8", 5, ["transport", "groceries", "company"], ["en", "es"], 3, True, True),
    ("Kofi Mensah", "kofi@demo.mutualaid.test", "N16 7", 2, ["paperwork", "company", "pets"], ["en"], 1, False, True),
    ("Marta Ruiz", "marta@demo.mutualaid.test", "E9 6", 4, ["childcare", "household"], ["es", "en"], 2, False, False),
)
NEEDS = (
    ("groceries", "Weekly shop: bread, milk, fruit. I can pay on delivery.", "today", "Mare Street E8 3RH", "en", 3),
    ("medicine", "Prescription ready at the chemist on Chatsworth Road.", "soon", "E5 0LH", "en", 20),
    ("company", "Me gustaría una llamada de vez en cuando, vivo sola.", "this_week", "N16 7UY", "es", 50),
    ("transport", "Lift to Homerton hospital for an appointment on Thursday morning.", "soon", "E9 6SR", "en", 80),
    ("household", "Looking for a cot for a newborn.", "this_week", "E8 2", "en", 5),
    ("paperwork", "Help filling in a housing form.", "soon", "", "en", 30),
)
OFFERS = (
    ("household", "item", "A baby cot, good condition, collection only.", 1, "E8 4"),
    ("groceries", "item", "Surplus vegetables from the allotment every Saturday.", 10, "E5 9"),
    ("company", "service", "Happy to phone someone for a chat once a week.", 1, "N16 8"),
)


def logins() -> list[tuple[str, str, str]]:
    """The demo's (role, email, password) logins, as `load` makes them."""
    return [("coordinator", email, PASSWORD) for _, email in COORDINATORS] + [
        ("volunteer" if approved else "volunteer (pending)", email, PASSWORD)
        for _, email, *_rest, approved in VOLUNTEERS]


def is_loaded() -> bool:
    """Whether the demo group is on this instance."""
    return db.session.execute(db.select(Group.id).where(Group.slug == SLUG)).first() is not None


def load(*, if_empty: bool = False, now: datetime | None = None) -> list[tuple[str, str, str]]:
    """Create the demo group and its people; return (role, email, password) logins."""
    if if_empty and db.session.execute(db.select(Group.id)).first():
        return []
    now = now or datetime.now(timezone.utc)
    group = create_group(slug=SLUG, name="Hackney Mutual Aid (demo)", centre="E8 1", radius_km=6.0,
                 phone="+442071234567")
    logins = []
    for name, email in COORDINATORS:
        accounts.create_coordinator(email=email, name=name, password=PASSWORD, group_slug=SLUG)
        logins.append(("coordinator", email, PASSWORD))
    coordinator = db.session.execute(db.select(Person).where(Person.email == COORDINATORS[0][1])).scalar_one()
    for name, email, home, radius, cats, langs, capacity, car, approved in VOLUNTEERS:
        person = accounts.register_volunteer(accounts.VolunteerSignup(
            name=name, email=email, password=PASSWORD, home=home, radius_km=radius, categories=cats,
            languages=langs, capacity=capacity, has_car=car, language=langs[0]), group=group)
        if approved:
            accounts.set_vetting(coordinator, person.id, "approved")
        logins.append(("volunteer" if approved else "volunteer (pending)", email, PASSWORD))
    for i, (category, details, urgency, where, lang, hours_ago) in enumerate(NEEDS):
        submit_need(NeedInput(category=category, details=details, urgency=urgency, where=where,
                              contact=Contact(f"Neighbour {i + 1}", f"+4479111230{i:02d}", "", lang, True),
                              source="web"), now=now - timedelta(hours=hours_ago))
    for i, (category, kind, details, quantity, where) in enumerate(OFFERS):
        submit_offer(OfferInput(category=category, kind=kind, details=details, quantity=quantity, where=where,
                                contact=Contact(f"Offerer {i + 1}", f"+4479111231{i:02d}", "", "en", True)),
                     now=now)
    return logins
