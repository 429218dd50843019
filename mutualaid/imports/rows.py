"""Checking one imported row: what it would become, and its problems in words. Reads, never writes.

A row with a problem that stops it is skipped; a row with only notes is imported. A need is never
skipped for its place or its kind of help (DESIGN.md: a request is never lost): a place not found
is kept as "location unknown" and a kind not understood as "other", for a coordinator to fix.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l

from mutualaid.domain.phones import InvalidPhone, normalise_phone
from mutualaid.domain.text import clean_text
from mutualaid.imports import values
from mutualaid.imports.headers import IGNORE
from mutualaid.imports.reading import defuse

MAX_NAME = 120
MAX_DETAILS = 2000
MAX_SHORT = 300


@dataclass
class Row:
    """One row, read: its fields cleaned, what stops it (`problems`) and what only needs a look (`notes`)."""

    number: int
    fields: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the row can be imported."""
        return not self.problems


def cells_by_field(cells, mapping) -> dict[str, str]:
    """The row's text for each mapped field (cells past the end of a short row are blank)."""
    found = {}
    for index, name in enumerate(mapping):
        if name != IGNORE:
            found[name] = cells[index].strip() if index < len(cells) else ""
    return found


def text_of(raw: dict, name: str, limit: int = MAX_SHORT, *, multiline: bool = False) -> str:
    """A free-text field, cleaned and with any formula start taken off."""
    return clean_text(defuse(raw.get(name, "")), multiline=multiline)[:limit]


def read_contact(row: Row, raw: dict, region: str, *, keep: bool) -> None:
    """Name, phone, email, language and consent. A phone or email that does not look right is a problem,
    except on a need (`keep`): the request is kept without it, for a coordinator to fix."""
    bad = row.notes if keep else row.problems
    row.fields["name"] = text_of(raw, "name", MAX_NAME)
    phone = raw.get("phone", "").strip()
    row.fields["phone"] = ""
    if phone:
        try:
            row.fields["phone"] = normalise_phone(phone, region)
        except InvalidPhone:
            bad.append(_l("the phone number does not look right, so it is left out") if keep
                       else _l("the phone number does not look right"))
    email = clean_text(raw.get("email", "")).lower()
    if email and ("@" not in email or " " in email or email.startswith("@") or email.endswith("@")):
        bad.append(_l("the email address does not look right, so it is left out") if keep
                   else _l("the email address does not look right"))
        email = ""
    row.fields["email"] = email[:254]
    row.fields["language"] = values.language_of(raw.get("language", "")) or "en"
    row.fields["sms_consent"] = values.says_yes(raw.get("consent", ""))
    if row.fields["phone"] and not row.fields["sms_consent"]:
        row.notes.append(_l("no consent to texts recorded: they will not be texted"))


def read_row(kind: str, number: int, cells, mapping, *, region: str) -> Row:
    """Check one row of a volunteers, needs or offers sheet (no place lookup: see `place_problem`)."""
    raw = cells_by_field(cells, mapping)
    row = Row(number)
    read_contact(row, raw, region, keep=kind == "needs")
    if kind == "needs" and not (row.fields["phone"] or row.fields["email"]):
        row.notes.append(_l("no phone number or email: a coordinator will have to find them"))
    row.fields["where"] = text_of(raw, "where")
    if kind == "volunteers":
        _read_volunteer(row, raw)
    else:
        _read_request(kind, row, raw)
    return row


def _read_volunteer(row: Row, raw: dict) -> None:
    """A volunteer: a way to reach them, a place, and at least one kind of help we know."""
    if not (row.fields["phone"] or row.fields["email"]) and not row.problems:
        row.problems.append(_l("no phone number or email"))
    if not row.fields["where"]:
        row.problems.append(_l("no postcode or place"))
    categories, unknown = values.categories_of(raw.get("categories", ""))
    if unknown:
        row.notes.append(_l("kinds of help not understood: %(words)s", words=", ".join(unknown)[:200]))
    if not categories:
        row.problems.append(_l("no kind of help we know"))
    radius = values.number_of(raw.get("radius_km", ""))
    capacity = values.number_of(raw.get("capacity", ""))
    row.fields.update(
        categories=categories,
        languages=values.languages_of(raw.get("languages", "")) or [row.fields["language"]],
        availability=text_of(raw, "availability", 500, multiline=True),
        has_car=values.says_yes(raw.get("has_car", "")),
        radius_km=min(max(radius, 0.5), 50.0) if radius else 3.0,
        capacity=int(min(max(capacity, 1), 10)) if capacity else 1,
    )


def _read_request(kind: str, row: Row, raw: dict) -> None:
    """A need or an offer: its kind of help (else "other"), a few words (else what the kind cell said)."""
    category_text = text_of(raw, "category", MAX_DETAILS, multiline=True)
    details = text_of(raw, "details", MAX_DETAILS, multiline=True) or category_text
    category = values.category_of(category_text) or values.category_of(details)
    if category is None:
        category = "other"
        if category_text:
            row.notes.append(_l("kind of help not understood, so kept as \"something else\""))
    if kind == "offers" and not (row.fields["phone"] or row.fields["email"]) and not row.problems:
        row.problems.append(_l("no phone number or email"))
    if not details:
        row.problems.append(_l("no words saying what is needed") if kind == "needs"
                            else _l("no words saying what is offered"))
    if len(details) > current_app.config["MAX_DETAILS_LENGTH"]:
        row.problems.append(_l("the details are longer than %(limit)d characters",
                               limit=current_app.config["MAX_DETAILS_LENGTH"]))
    row.fields.update(category=category, details=details)
    if kind == "needs":
        urgency = values.urgency_of(raw.get("urgency", ""))
        if raw.get("urgency", "").strip() and urgency is None:
            row.notes.append(_l("how soon not understood, so kept as \"in the next 2–3 days\""))
        row.fields["urgency"] = urgency or "soon"
    else:
        quantity = values.number_of(raw.get("quantity", ""))
        row.fields["offer_kind"] = values.offer_kind_of(raw.get("offer_kind", "")) if raw.get("offer_kind") else (
            "service" if category in ("transport", "errand", "company", "childcare", "paperwork", "pets")
            else "item")
        row.fields["quantity"] = int(min(max(quantity, 1), 1000)) if quantity else 1


def person_keys(row: Row) -> list[tuple[str, str]]:
    """What makes two rows (or a row and a record) the same person: the phone, the email."""
    return [(name, row.fields[name]) for name in ("phone", "email") if row.fields.get(name)]


def request_key(row: Row) -> str:
    """What makes two need or offer rows the same: who asked (phone, else email, else name) and the words."""
    who = row.fields.get("phone") or row.fields.get("email") or row.fields.get("name", "").casefold()
    return json.dumps([who, " ".join(row.fields.get("details", "").casefold().split())])


def row_digest(kind: str, row: Row) -> str:
    """A digest of the row as read, the import's key for it: the same row imported again is found by it."""
    return hashlib.sha256(json.dumps([kind, request_key(row)]).encode()).hexdigest()
