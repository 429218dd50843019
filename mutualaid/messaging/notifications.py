"""Telling people things: by SMS or email as they prefer, always through the outbox (no commits here)."""
from __future__ import annotations

from datetime import datetime

from mutualaid.messaging.outbox import may_text, queue_email, queue_sms
from mutualaid.models import Group, Need, Person


def tell(person: Person | None, template: str, *, group: Group | None, need: Need | None = None,
         params: dict | None = None, purpose: str = "notify", urgent: bool = False,
         prefer: str = "sms", now: datetime | None = None):
    """Queue `template` for `person` by their channel: SMS when they have a phone and agreed to texts, else email.

    Someone who said no to texts and gave no email still gets the text written, as suppressed, so
    coordinators see what they were not told.
    """
    if person is None:
        return None
    if need is not None and need.practice and not person.simulated:
        return None  # a practice request (from the SMS simulator) never reaches a real person
    channel = prefer
    if person.volunteer is not None:
        channel = person.volunteer.channel
    if channel == "email" and person.email:
        return queue_email(to_address=person.email, template=template, group=group, person=person,
                           params=params, purpose=purpose, need=need, urgent=urgent, now=now)
    if person.phone and (may_text(person) or not person.email):
        return queue_sms(to_number=person.phone, template=template, group=group, person=person, params=params,
                         purpose=purpose, need=need, urgent=urgent, now=now)
    if person.email:
        return queue_email(to_address=person.email, template=template, group=group, person=person,
                           params=params, purpose=purpose, need=need, urgent=urgent, now=now)
    return None


def tell_requester(need: Need, template: str, *, now: datetime | None = None):
    """Tell the person who asked (never revealing the volunteer's number or name)."""
    return tell(need.requester, template, group=need.group, need=need, params={"ref": need.ref},
                urgent=need.urgency == "today", now=now)
