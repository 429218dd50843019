"""What one batch of chased needs reads, loaded once for the batch rather than once per need (no commits).

The steps decide exactly as they did need by need: the volunteers told about each need, the
daily notice cap (counted as the batch goes, so a volunteer told about one need of the batch is
counted for the next), the coordinators alerted and the neighbouring group offered.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, case, func, update
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import get_history, set_committed_value

from mutualaid.chase.ladder import NOTIFY_FIRST_RING, NOTIFY_SECOND_RING
from mutualaid.core import bulk
from mutualaid.extensions import db
from mutualaid.groups.places import in_area
from mutualaid.matching.actions import SECOND_RING_RADIUS, SECOND_RING_SIZE, candidates
from mutualaid.models import Conversation, Group, Need, NeedNotification, Person
from mutualaid.models.base import utcnow


def load_needs(ids: list[int]) -> list[Need]:
    """The needs with their group, requester and requester's volunteer profile, in the order of `ids`."""
    rows = db.session.execute(db.select(Need).where(Need.id.in_(ids)).options(
        joinedload(Need.group), joinedload(Need.requester).joinedload(Person.volunteer))).unique().scalars()
    by_id = {need.id: need for need in rows}
    return [by_id[i] for i in ids if i in by_id]


def claim_steps(moves: dict[int, tuple[int, int, datetime | None]]) -> set[int]:
    """Move each need from its level to its new level in one UPDATE; the ids this run won.

    `moves` maps need id -> (level, new level, next chase time). A need another scheduler moved
    first no longer has the old level, so it is not returned.
    """
    if not moves:
        return set()
    ids = list(moves)

    def by_id(position: int, column):
        return case(*[(Need.id == i, db.bindparam(None, moves[i][position], type_=column.type)) for i in ids],
                    else_=None)

    claimed = db.session.execute(
        update(Need).where(Need.id.in_(ids), Need.status == "open",
                           Need.escalation_level == by_id(0, Need.escalation_level))
        .values(escalation_level=by_id(1, Need.escalation_level), next_chase_at=by_id(2, Need.next_chase_at))
        .returning(Need.id).execution_options(synchronize_session=False))
    return set(claimed.scalars())


class BatchReads:
    """The reads of one batch's steps: candidates, notices already sent, coordinators, other groups."""

    def __init__(self, steps: dict[Need, list[int]], now: datetime):
        """Plan every notification of the batch: who is told about which need, within the daily cap."""
        self.now = now
        self._coordinators: dict[int, list[Person]] = {}
        self._groups: list[Group] | None = None
        self._conversations: dict[tuple[str, int], dict] | None = None
        self._changed: list[dict] = []
        self._needs = list(steps)
        rings = {need: max(s for s in need_steps if s <= NOTIFY_SECOND_RING)
                 for need, need_steps in steps.items()
                 if any(s in (NOTIFY_FIRST_RING, NOTIFY_SECOND_RING) for s in need_steps) and not need.practice}
        self.rings, self.found, self.chosen, self.people = rings, {}, {}, {}
        if not rings:
            return
        already = defaultdict(set)
        for need_id, volunteer_id in db.session.execute(db.select(
                NeedNotification.need_id, NeedNotification.volunteer_id).where(
                NeedNotification.need_id.in_([n.id for n in rings]))):
            already[need_id].add(volunteer_id)
        for need, ring in rings.items():
            size, factor = _ring_size(ring)
            self.found[need.id] = candidates(need, now=now, limit=3 * size + len(already[need.id]),
                                             radius_factor=factor)
        told = self._told_today({p.volunteer_id for f in self.found.values() for p in f.proposals})
        cap = current_app.config["NOTIFY_MAX_PER_DAY"]
        for need, ring in rings.items():
            size, _ = _ring_size(ring)
            chosen = [p for p in self.found[need.id].proposals
                      if p.volunteer_id not in already[need.id] and told[p.volunteer_id] < cap][:size]
            for proposal in chosen:
                told[proposal.volunteer_id] += 1
            self.chosen[need.id] = chosen
        wanted = {p.volunteer_id for chosen in self.chosen.values() for p in chosen}
        if wanted:
            self.people = {p.id: p for p in db.session.execute(db.select(Person).where(Person.id.in_(wanted))
                                                               .options(selectinload(Person.volunteer))).scalars()}

    def ring(self, need: Need) -> int:
        """The ring this need's volunteers are told in."""
        return self.rings[need]

    def _told_today(self, volunteer_ids: set[int]) -> Counter:
        """Notices each of these volunteers got in the last 24 hours."""
        if not volunteer_ids:
            return Counter()
        return Counter(dict(db.session.execute(db.select(NeedNotification.volunteer_id, func.count()).where(
            NeedNotification.volunteer_id.in_(volunteer_ids),
            NeedNotification.created_at >= self.now - timedelta(days=1)).group_by(NeedNotification.volunteer_id)).all()))

    def coordinators(self, group_id: int) -> list[Person]:
        """The group's coordinators (loaded once per batch)."""
        if group_id not in self._coordinators:
            self._coordinators[group_id] = list(db.session.execute(db.select(Person).where(
                Person.group_id == group_id, Person.role == "coordinator").options(
                selectinload(Person.volunteer))).scalars())
        return self._coordinators[group_id]

    def neighbouring_group(self, need: Need) -> Group | None:
        """Another group whose area covers the need (as groups.places.neighbouring_group), groups loaded once."""
        if need.exact_lat is None:
            return None
        if self._groups is None:
            self._groups = list(db.session.execute(db.select(Group).order_by(Group.id)).scalars())
        return next((g for g in self._groups if g.id != need.group_id and in_area(g, need.exact_lat, need.exact_lon)),
                    None)

    def expect_reply(self, need: Need) -> None:
        """Remember that the requester's next text answers "we will close it unless you reply" (as
        sms.feedback.expect_reply does), with the batch's conversations read once as plain rows and
        written with the batch."""
        requester = need.requester
        if requester is None or not requester.phone:
            return
        if self._conversations is None:
            phones = {n.requester.phone for n in self._needs if n.requester is not None and n.requester.phone}
            self._conversations = {(phone, group_id): {"id": i, "state": state} for i, phone, group_id, state in
                                   db.session.execute(db.select(_CONVERSATION.c.id, _CONVERSATION.c.phone,
                                                                _CONVERSATION.c.group_id, _CONVERSATION.c.state)
                                                      .where(_CONVERSATION.c.phone.in_(phones)))}
        key = (requester.phone, need.group_id)
        conv = self._conversations.get(key)
        if conv is None:
            conv = self._conversations[key] = {"phone": requester.phone, "group_id": need.group_id,
                                               "person_id": requester.id, "draft_need_id": None, "state": {},
                                               "updated_at": utcnow()}
            bulk.pending().add(_CONVERSATION, conv)
        elif "id" in conv:  # a stored conversation, changed for the first time in this batch
            conv["_id"], conv["updated_at"] = conv.pop("id"), utcnow()
            self._changed.append(conv)
        conv["state"] = {**(conv["state"] or {}), "awaiting_reply": need.ref}

    def write(self) -> None:
        """Write the stored conversations this batch changed (new ones go with the batch's other rows)."""
        if self._changed:
            db.session.execute(update(_CONVERSATION).where(_CONVERSATION.c.id == bindparam("_id"))
                               .values(state=bindparam("state", type_=_CONVERSATION.c.state.type),
                                       updated_at=bindparam("updated_at", type_=_CONVERSATION.c.updated_at.type)),
                               self._changed)
            self._changed = []


def write_needs(needs: list[Need]) -> None:
    """Write what the chase steps change on these needs (their moves, reasons, status) in one executemany
    UPDATE rather than through the ORM's flush; anything else changed on them is left to the flush.

    Every path to here holds the needs' rows (the batch's row locks on PostgreSQL, the conditional
    UPDATE's on SQLite and need by need), so writing the columns unchanged as read changes nothing."""
    rows = []
    for need in needs:
        row = {key: getattr(need, key) for key in _NEED_COLUMNS}
        if not get_history(need, "updated_at").has_changes():
            row["updated_at"] = utcnow()  # as the column's onupdate would
        for key in _NEED_COLUMNS:  # written here: the flush has nothing left to write for these
            set_committed_value(need, key, row[key])
        row["_id"] = need.id
        rows.append(row)
    if rows:
        table = Need.__table__
        db.session.execute(update(table).where(table.c.id == bindparam("_id"))
                           .values({key: bindparam(key, type_=table.c[key].type) for key in _NEED_COLUMNS}), rows)


_CONVERSATION = Conversation.__table__
# What a chase step may change on a need.
_NEED_COLUMNS = frozenset({"status", "escalation_level", "next_chase_at", "match_reason", "notified_at", "closed_at",
                           "updated_at"})


def _ring_size(ring: int) -> tuple[int, float]:
    """How many to tell, and how far the radius stretches, for a ring."""
    if ring == NOTIFY_FIRST_RING:
        return current_app.config["NOTIFY_FIRST_RING"], 1.0
    return SECOND_RING_SIZE, SECOND_RING_RADIUS
