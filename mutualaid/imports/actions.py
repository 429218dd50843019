"""Importing a sheet of volunteers, needs or offers into a group: one transaction, audited with counts only.

A dry run checks every row as the import would and writes nothing. Importing the same file again adds
nothing: people are found by phone or email, and each need or offer carries its row's digest as its
submission key (and the same person asking the same thing is found too). Needs enter through the
intake (needs/intake.py) as a phone intake does, so matching and the chase treat them as any other.
Nobody is texted by an import, and nobody emailed unless asked: imported volunteers with an email can be sent an
invitation to choose a password. Someone new is texted later only if their row said yes.
"""
from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_babel import lazy_gettext as _l

from mutualaid.core import audit
from mutualaid.core.errors import NotFound, ServiceError
from mutualaid.core.permissions import require_coordinator
from mutualaid.extensions import db
from mutualaid.groups.places import choose_group, locate
from mutualaid.imports.headers import IGNORE, KIND_FIELDS, guess_mapping, normalise
from mutualaid.imports.reading import Sheet, read_sheet
from mutualaid.imports.rows import Row, person_keys, read_row, request_key, row_digest
from mutualaid.models import Group, ImportUpload, Need, Offer, OptOutHash, Person, VolunteerProfile
from mutualaid.needs.intake import NeedInput, new_need, place_need, save_new, stored_key
from mutualaid.people import password_links
from mutualaid.people.opt_outs import phone_digest

log = logging.getLogger(__name__)
UPLOAD_HOURS = 2
CHUNK = 500
PREVIEW_ROWS = 5


@dataclass
class RowReport:
    """What became (or would become) of one row: imported | skipped | duplicate, with why."""

    number: int
    outcome: str
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)


@dataclass
class Report:
    """Every row's outcome and the counts, for the page and the command line."""

    kind: str
    dry_run: bool
    rows: list[RowReport] = field(default_factory=list)
    invited: int = 0

    def count(self, outcome: str) -> int:
        """How many rows had this outcome."""
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def imported(self) -> int:
        """Rows imported (or, on a dry run, that would be)."""
        return self.count("imported")

    @property
    def with_words(self) -> list[RowReport]:
        """The rows with something to say: skipped, duplicate, or imported with a note."""
        return [row for row in self.rows if row.problems or row.notes or row.outcome != "imported"]


def find_group(ref: str | None) -> Group:
    """The group named by slug or id; with none named, the only group there is."""
    groups = list(db.session.execute(db.select(Group).order_by(Group.id)).scalars())
    if ref:
        found = [g for g in groups if g.slug == ref or str(g.id) == str(ref)]
        if not found:
            raise NotFound(_l("No group %(ref)s.", ref=ref))
        return found[0]
    if len(groups) != 1:
        raise ServiceError(_l("There are %(count)d groups: say which with --group.", count=len(groups)))
    return groups[0]


def fit_mapping(mapping, sheet: Sheet, kind: str) -> list[str]:
    """A mapping with one known field per column (others ignored), guessed where not given."""
    if mapping is None:
        return guess_mapping(sheet.headers, kind)
    allowed = set(KIND_FIELDS[kind])
    fitted = [name if name in allowed else IGNORE for name in list(mapping)[:len(sheet.headers)]]
    return fitted + [IGNORE] * (len(sheet.headers) - len(fitted))


def mapping_from_options(options, sheet: Sheet, kind: str) -> list[str]:
    """The guessed mapping with "Header=field" options applied (a header by its text or its column number)."""
    mapping = guess_mapping(sheet.headers, kind)
    keys = [normalise(h) for h in sheet.headers]
    for option in options:
        header, sep, name = option.rpartition("=")
        name = name.strip()
        if not sep or (name not in KIND_FIELDS[kind] and name != IGNORE):
            raise ServiceError(_l("Say --map \"Column header=field\"; fields for %(kind)s: %(fields)s.",
                                  kind=kind, fields=", ".join(KIND_FIELDS[kind] + (IGNORE,))))
        header = header.strip()
        if header.isdigit() and 1 <= int(header) <= len(keys):
            index = int(header) - 1
        elif normalise(header) in keys:
            index = keys.index(normalise(header))
        else:
            raise ServiceError(_l("No column %(header)s in the file.", header=header))
        mapping = [IGNORE if (other == name and name != IGNORE) else other for other in mapping]
        mapping[index] = name
    return mapping


def run_import(group: Group, kind: str, data: bytes, *, mapping=None, dry_run: bool, actor: Person | None = None,
               approve: bool = False, invite: bool = False, now: datetime | None = None) -> Report:
    """Check every row and, unless a dry run, import the good ones in one transaction (UnreadableFile when the
    file is not a sheet). `approve`: imported volunteers start approved instead of waiting to be vetted;
    `invite`: imported volunteers with an email are emailed a link to choose a password (never a text)."""
    now = now or datetime.now(timezone.utc)
    if actor is not None:
        require_coordinator(actor, group.id)
    sheet = read_sheet(data)
    mapping = fit_mapping(mapping, sheet, kind)
    region = group.country or current_app.config["DEFAULT_REGION"]
    rows = [read_row(kind, number, cells, mapping, region=region) for number, cells in sheet.rows]
    report = Report(kind, dry_run)
    known = _known(kind, group, rows)
    opted_out = _opted_out(rows) if not dry_run else set()
    people = _people(rows) if kind != "volunteers" and not dry_run else {}
    places: dict = {}
    seen: dict = {}
    added: list[Person] = []
    for row in rows:
        outcome = _outcome(kind, row, seen, known, group)
        if outcome == "imported":
            if kind == "volunteers":
                _place_volunteer(row, group, places)
            outcome = "imported" if row.ok else "skipped"
        if outcome == "imported":
            if dry_run:
                _check_place(kind, row, group, places)
            else:
                volunteer = _add(kind, row, group, actor=actor, approve=approve, now=now, opted_out=opted_out,
                                 people=people)
                if volunteer is not None:
                    added.append(volunteer)
        report.rows.append(RowReport(row.number, outcome, row.problems, row.notes))
    if dry_run:
        db.session.rollback()
        return report
    if invite and kind == "volunteers":
        report.invited = invite_imported(added, now=now, actor=actor)
    audit.record("group.imported", group, actor=actor, now=now, kind=kind, rows=len(report.rows),
                 imported=report.imported, skipped=report.count("skipped"), duplicates=report.count("duplicate"),
                 **({"invited": report.invited} if invite else {}))
    db.session.commit()
    log.info("imported %d of %d %s rows", report.imported, len(report.rows), kind)
    return report


def _outcome(kind: str, row: Row, seen: dict, known: set, group: Group) -> str:
    """imported (so far) | skipped | duplicate: a row the file or the database already holds is a duplicate."""
    if not row.ok:
        return "skipped"
    keys = person_keys(row) if kind == "volunteers" else [("request", request_key(row))]
    for key in keys:
        if key in seen:
            row.problems.append(_l("the same as row %(row)d", row=seen[key]))
            return "duplicate"
    for key in keys:
        seen[key] = row.number
    if kind == "volunteers":
        if any(key in known for key in keys):
            row.problems.append(_l("someone with this phone number or email is already here"))
            return "duplicate"
    elif row_key(kind, row, group) in known or keys[0] in known:
        row.problems.append(_l("already here (the same person asking the same)") if kind == "needs"
                            else _l("already here (the same person offering the same)"))
        return "duplicate"
    return "imported"


def row_key(kind: str, row: Row, group: Group) -> str | None:
    """The stored submission key a need or offer imported from this row carries."""
    return stored_key(NeedInput(category="", details="", submission_key=row_digest(kind, row),
                                caller=f"import:{group.id}"))


def _known(kind: str, group: Group, rows: list[Row]) -> set:
    """What the database already holds of these rows: people's phones and emails, or the needs' and offers'
    keys and (who, words) pairs."""
    phones = sorted({row.fields["phone"] for row in rows if row.fields.get("phone")})
    emails = sorted({row.fields["email"] for row in rows if row.fields.get("email")})
    known: set = set()
    for name, column, values in (("phone", Person.phone, phones), ("email", Person.email, emails)):
        for start in range(0, len(values), CHUNK):
            chunk = values[start:start + CHUNK]
            if kind == "volunteers":
                query = db.select(column).where(column.in_(chunk))
                known.update((name, value) for (value,) in db.session.execute(query))
            else:
                model = Need if kind == "needs" else Offer
                owner = Need.requester_id if kind == "needs" else Offer.person_id
                query = db.select(column, model.details).join(model, owner == Person.id).where(column.in_(chunk))
                known.update(("request", _pair(value, details)) for value, details in db.session.execute(query))
    if kind != "volunteers":
        model = Need if kind == "needs" else Offer
        keys = sorted({row_key(kind, row, group) for row in rows})
        for start in range(0, len(keys), CHUNK):
            query = db.select(model.submission_key).where(model.submission_key.in_(keys[start:start + CHUNK]))
            known.update(value for (value,) in db.session.execute(query))
    return known


def _opted_out(rows: list[Row]) -> set[str]:
    """The rows' phones an erased person had opted out (a STOP outlives erasure), looked up in batches."""
    digests = {phone_digest(row.fields["phone"]): row.fields["phone"] for row in rows if row.fields.get("phone")}
    keys, found = sorted(digests), set()
    for start in range(0, len(keys), CHUNK):
        query = db.select(OptOutHash.digest).where(OptOutHash.digest.in_(keys[start:start + CHUNK]))
        found.update(digests[digest] for (digest,) in db.session.execute(query))
    return found


def _pair(who: str, details: str) -> str:
    """The same text request_key makes for a row."""
    return json.dumps([who, " ".join((details or "").casefold().split())])


def _locate(where: str, places: dict, *, allow_online: bool):
    """Geocode a place once per import."""
    key = (normalise(where), allow_online)
    if key not in places:
        places[key] = locate(where, allow_online=allow_online)
    return places[key]


def _place_volunteer(row: Row, group: Group, places: dict) -> None:
    """A volunteer's home must be found: matching measures from it."""
    if not row.fields["where"]:
        return
    _, placement = choose_group(_locate(row.fields["where"], places, allow_online=True), [group])
    if placement.exact is None:
        row.problems.append(_l("the postcode or place was not found"))
        return
    if placement.status == "out_of_area":
        row.notes.append(_l("lives outside the group's area"))
    row.fields["placement"] = placement


def _check_place(kind: str, row: Row, group: Group, places: dict) -> None:
    """On a dry run, say what the import will do with a need's or offer's place."""
    if kind == "volunteers":
        return
    placement = _locate(row.fields["where"], places, allow_online=False)
    _note_place(row, placement.status)


def _note_place(row: Row, status: str) -> None:
    """A note for a place that was not found, will be looked up later, or is outside the area."""
    if status in ("unknown", "not_found", "ambiguous"):
        row.notes.append(_l("place not found: kept as \"location unknown\" for a coordinator to fix"))
    elif status == "pending":
        row.notes.append(_l("place to be looked up online after the import"))
    elif status == "out_of_area":
        row.notes.append(_l("outside the group's area"))


def _people(rows: list[Row]) -> dict:
    """The people these rows name who are already here, by ("phone", number) and ("email", address)."""
    found: dict = {}
    for name, column in (("phone", Person.phone), ("email", Person.email)):
        values = sorted({row.fields[name] for row in rows if row.fields.get(name)})
        for start in range(0, len(values), CHUNK):
            query = db.select(Person).where(column.in_(values[start:start + CHUNK]))
            for person in db.session.execute(query).scalars():
                found.setdefault((name, getattr(person, name)), person)
    return found


def _person_for(row: Row, group: Group, now: datetime, people: dict, opted_out: set[str]) -> Person:
    """The person a need or offer row is from: found by phone or email (here before, or earlier in the file),
    else made, marked as imported, with the consent the row records and any opt-out their number kept."""
    keys = person_keys(row)
    person = next((people[key] for key in keys if key in people), None)
    if person is None:
        person = Person(phone=row.fields["phone"] or None, email=row.fields["email"] or None, name=row.fields["name"],
                        language=row.fields["language"], group_id=group.id, sms_consent=row.fields["sms_consent"],
                        imported_at=now, created_at=now)
        if person.phone in opted_out:
            person.opted_out, person.opted_out_at = True, now
        db.session.add(person)
    else:
        person.sms_consent = person.sms_consent or row.fields["sms_consent"]
        person.name = person.name or row.fields["name"]
    for key in keys:
        people.setdefault(key, person)
    return person


def _add(kind: str, row: Row, group: Group, *, actor, approve: bool, now: datetime, opted_out: set[str],
         people: dict) -> Person | None:
    """Add what one good row becomes (no commit); the volunteer, for a volunteers' sheet."""
    if kind == "volunteers":
        return _add_volunteer(row, group, actor=actor, approve=approve, now=now, opted_out=opted_out)
    columns = dict(entered_by_id=getattr(actor, "id", None), submission_key=row_key(kind, row, group))
    if kind == "needs":
        need, _ = new_need(category=row.fields["category"], details=row.fields["details"], where=row.fields["where"],
                           urgency=row.fields["urgency"], language=row.fields["language"], source="import", now=now,
                           group=group, allow_online=False, **columns)
        need.requester = _person_for(row, group, now, people, opted_out)
        _note_place(row, need.location_status)
        save_new(need, actor=actor, now=now, action="need.created", source="import",
                 location_status=need.location_status)
        return None
    offer = Offer(kind=row.fields["offer_kind"], category=row.fields["category"], details=row.fields["details"],
                  quantity=row.fields["quantity"], status="open", source="import", address_text=row.fields["where"],
                  created_at=now, updated_at=now, submission_key=columns["submission_key"])
    place_need(offer, group=group, allow_online=False)
    _note_place(row, offer.location_status)
    offer.person = _person_for(row, group, now, people, opted_out)
    save_new(offer, actor=actor, now=now, action="offer.created", source="import")
    return None


def _add_volunteer(row: Row, group: Group, *, actor, approve: bool, now: datetime, opted_out: set[str]) -> Person:
    """A volunteer account without a password, pending vetting unless `approve`."""
    fields, placement = row.fields, row.fields["placement"]
    person = Person(role="volunteer", name=fields["name"], phone=fields["phone"] or None,
                    email=fields["email"] or None, language=fields["language"], group_id=group.id,
                    sms_consent=fields["sms_consent"], imported_at=now, created_at=now,
                    session_token=secrets.token_hex(16))
    if person.phone in opted_out:
        person.opted_out, person.opted_out_at = True, now
    person.volunteer = VolunteerProfile(
        home_label=placement.label, home_lat=placement.public[0], home_lon=placement.public[1],
        radius_km=fields["radius_km"], categories=fields["categories"], languages=fields["languages"],
        capacity=fields["capacity"], has_car=fields["has_car"], availability=fields["availability"],
        channel="sms" if person.phone and (fields["sms_consent"] or not person.email) else "email",
        vetting_status="approved" if approve else "pending", created_at=now,
        vetted_by_id=getattr(actor, "id", None) if approve else None, vetted_at=now if approve else None)
    db.session.add(person)
    return person


def invite_imported(people: list[Person], *, now: datetime, actor: Person | None) -> int:
    """Email the volunteers just imported who have an email a link to choose a password (no commit; never a
    text); how many were invited."""
    db.session.flush()
    return sum(1 for person in people if password_links.can_be_invited(person)
               and password_links.queue_link(person, password_links.INVITE, now=now, actor=actor))


# The coordinators' page keeps the uploaded file here between its steps.

def store_upload(actor: Person, kind: str, filename: str, data: bytes, *, now: datetime | None = None) -> str:
    """Keep an uploaded sheet for its group with its guessed mapping; returns the token naming it.
    Uploads older than UPLOAD_HOURS are deleted first. UnreadableFile when it is not a sheet."""
    now = now or datetime.now(timezone.utc)
    require_coordinator(actor)
    if kind not in KIND_FIELDS:
        raise ServiceError(_l("Please choose what the file holds."), field="kind")
    sheet = read_sheet(data)
    _delete_expired(now)
    token = secrets.token_urlsafe(24)
    db.session.add(ImportUpload(token=token, group_id=actor.group_id, uploaded_by_id=actor.id, kind=kind,
                                filename=(filename or "")[:120], content=data,
                                mapping={"columns": guess_mapping(sheet.headers, kind)}, created_at=now))
    db.session.commit()
    return token


def _delete_expired(now: datetime) -> None:
    """Delete uploads nobody finished importing in time (they hold personal data)."""
    db.session.execute(db.delete(ImportUpload).where(ImportUpload.created_at < now - timedelta(hours=UPLOAD_HOURS)))


def get_upload(actor: Person, token: str, *, now: datetime | None = None) -> ImportUpload:
    """An upload of the coordinator's own group, not yet expired; NotFound otherwise."""
    now = now or datetime.now(timezone.utc)
    require_coordinator(actor)
    upload = db.session.execute(db.select(ImportUpload).where(
        ImportUpload.token == (token or "")[:64], ImportUpload.group_id == actor.group_id,
        ImportUpload.created_at >= now - timedelta(hours=UPLOAD_HOURS))).scalar_one_or_none()
    if upload is None:
        raise NotFound()
    return upload


def preview(upload: ImportUpload) -> tuple[Sheet, list[str]]:
    """The sheet and its current mapping."""
    sheet = read_sheet(upload.content)
    return sheet, fit_mapping(upload.mapping.get("columns"), sheet, upload.kind)


def check_upload(actor: Person, token: str, mapping: list[str] | None = None) -> Report:
    """The dry run of an upload, after keeping the coordinator's choice of what each column holds."""
    upload = get_upload(actor, token)
    if mapping is not None:
        upload.mapping = {"columns": fit_mapping(mapping, read_sheet(upload.content), upload.kind)}
        db.session.commit()
    return run_import(db.session.get(Group, upload.group_id), upload.kind, upload.content,
                      mapping=upload.mapping.get("columns"), dry_run=True, actor=actor)


def import_upload(actor: Person, token: str, *, approve: bool = False, invite: bool = False,
                  now: datetime | None = None) -> Report:
    """Import an upload as it is mapped now, then delete it."""
    upload = get_upload(actor, token, now=now)
    group, kind, content, mapping = db.session.get(Group, upload.group_id), upload.kind, upload.content, \
        upload.mapping.get("columns")
    db.session.delete(upload)
    return run_import(group, kind, content, mapping=mapping, dry_run=False, actor=actor, approve=approve,
                      invite=invite, now=now)


def discard_upload(actor: Person, token: str) -> None:
    """Delete an upload the coordinator decided not to import."""
    db.session.delete(get_upload(actor, token))
    db.session.commit()

