"""Opt-outs that outlive an erased number: kept only as a keyed hash of it (no commits here)."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from flask import current_app

from mutualaid.extensions import db
from mutualaid.models import OptOutHash


def phone_digest(phone: str) -> str:
    """HMAC-SHA256 of a normalised number under OPT_OUT_HASH_KEY (else SECRET_KEY): not reversible without it."""
    key = current_app.config.get("OPT_OUT_HASH_KEY") or current_app.config["SECRET_KEY"]
    return hmac.new(str(key).encode(), phone.encode(), hashlib.sha256).hexdigest()


def number_opted_out(phone: str | None) -> bool:
    """Whether an erased person had opted this number out."""
    return bool(phone) and db.session.get(OptOutHash, phone_digest(phone)) is not None


def keep_opt_out(phone: str, now: datetime) -> None:
    """Remember that this number said STOP, without keeping the number."""
    digest = phone_digest(phone)
    if db.session.get(OptOutHash, digest) is None:
        db.session.add(OptOutHash(digest=digest, created_at=now))


def drop_opt_out(phone: str | None) -> None:
    """The number opted back in (START): forget its kept opt-out."""
    if phone and (row := db.session.get(OptOutHash, phone_digest(phone))) is not None:
        db.session.delete(row)
