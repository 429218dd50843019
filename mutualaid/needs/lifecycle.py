"""Referring a need to a neighbouring group: it appears in their lists; ours shows where it went."""
from __future__ import annotations

from datetime import datetime

from mutualaid.extensions import db
from mutualaid.models import Group, Need
from mutualaid.core import audit
from mutualaid.chase.schedule import start_chase, stop_chase
from mutualaid.needs.intake import save_new


def refer_need(need: Need, target: Group, *, actor, now: datetime) -> Need:
    """Close `need` as referred and open a copy in `target` (the same requester, details and place)."""
    need.move_to("referred")
    need.closed_at, need.referred_to_group_id = now, target.id
    stop_chase(need)
    copy = Need(group_id=target.id, requester_id=need.requester_id, entered_by_id=getattr(actor, "id", None),
                category=need.category, details=need.details, urgency=need.urgency, language=need.language,
                status="open", source=need.source, address_text=need.address_text, postcode=need.postcode,
                location_status=need.location_status, exact_lat=need.exact_lat, exact_lon=need.exact_lon,
                public_lat=need.public_lat, public_lon=need.public_lon, public_label=need.public_label,
                referred_from_id=need.id, created_at=now, updated_at=now)
    start_chase(copy, now)
    save_new(copy, actor=actor, now=now, action="need.referred_in", from_group=need.group_id)
    audit.record("need.referred", need, actor=actor, now=now, to_group=target.id, new_need=copy.id)
    db.session.flush()
    return copy
