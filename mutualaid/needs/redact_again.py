"""Redacting stored public texts again, after an upgrade that taught redaction something new.

A need's or offer's public text is written when it is made (needs/intake.refresh_public_details),
so a better redactor reaches only new requests by itself. This runs today's redactor over the
public texts already stored: over the public text, not the details, so a coordinator's own wording
is kept and only what today's rules find in it is hidden. Redacting is idempotent, so running it
twice changes nothing the second time.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy.orm import joinedload

from mutualaid.domain.privacy import redact_details
from mutualaid.domain.transitions import OPEN_NEED_STATUSES
from mutualaid.extensions import db
from mutualaid.models import Need, Offer
from mutualaid.needs.intake import secrets_of

BATCH = 500


@dataclass
class Counts:
    """How many public texts were read, and how many of them today's rules changed."""
    checked: int = 0
    changed: int = 0


def redact_stored_public_texts(*, everything: bool = False, dry_run: bool = False) -> Counts:
    """Redact again the public text of every need still open, claimed or in draft and every open offer
    (with `everything`, of every need and offer), a batch at a time, each batch committed unless
    `dry_run`. Returns the counts."""
    counts = Counts()
    region = current_app.config.get("DEFAULT_REGION", "GB")
    for model, live, owner in ((Need, Need.status.in_(OPEN_NEED_STATUSES), Need.requester),
                               (Offer, Offer.status == "open", Offer.person)):
        query = db.select(model.id).where(model.public_details.is_not(None), model.public_details != "")
        if not everything:
            query = query.where(live)
        ids = list(db.session.execute(query.order_by(model.id)).scalars())
        for start in range(0, len(ids), BATCH):
            batch = db.select(model).where(model.id.in_(ids[start:start + BATCH])).options(joinedload(owner))
            for record in db.session.execute(batch).scalars():
                counts.checked += 1
                redacted = redact_details(record.public_details, secrets=secrets_of(record), region=region)
                if redacted != record.public_details:
                    counts.changed += 1
                    if not dry_run:
                        record.public_details = redacted
            if dry_run:
                db.session.rollback()
            else:
                db.session.commit()
    return counts
