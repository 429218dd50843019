"""`flask needs redact-again`: public texts stored before an upgrade get today's redaction, once,
keeping the rest of their wording; closed ones only with --all; --dry-run changes nothing."""
from __future__ import annotations

from sqlalchemy import update

from mutualaid.extensions import db
from mutualaid.models import Need, Offer
from tests.builders import make_group, make_need, make_offer

# What an older redactor let through: a phone read out in words and an email spelt out.
OLD_PUBLIC = "Shopping please, call me on oh seven nine one one, one two three four five six, or ada at example dot com"


def stored_as_before(record, text: str = OLD_PUBLIC) -> None:
    """Give `record` a public text as an older version wrote it (straight into the table)."""
    model = type(record)
    db.session.execute(update(model).where(model.id == record.id).values(public_details=text))
    db.session.commit()
    db.session.expire_all()


def public_text(record) -> str:
    db.session.expire_all()
    return db.session.get(type(record), record.id).public_details


def test_an_open_request_stored_before_an_upgrade_is_redacted_again_and_keeps_its_wording(runner):
    make_group()
    need = make_need(details="Shopping please")
    stored_as_before(need)
    result = runner.invoke(args=["needs", "redact-again"])
    assert result.exit_code == 0, result.output
    assert "checked: 1; changed: 1" in result.output
    text = public_text(need)
    assert text.startswith("Shopping please, call me on [phone]") and text.endswith("[email]"), text
    assert "seven" not in text and "example" not in text
    again = runner.invoke(args=["needs", "redact-again"])  # nothing more to find
    assert "changed: 0" in again.output and public_text(need) == text


def test_a_dry_run_counts_and_changes_nothing(runner):
    make_group()
    need = make_need(details="Shopping please")
    stored_as_before(need)
    result = runner.invoke(args=["needs", "redact-again", "--dry-run"])
    assert result.exit_code == 0 and "would change: 1" in result.output
    assert public_text(need) == OLD_PUBLIC


def test_closed_requests_and_offers_wait_for_all(runner):
    make_group()
    done = make_need(details="Shopping please")
    offer = make_offer(details="A cot")
    stored_as_before(done)
    stored_as_before(offer)
    db.session.execute(update(Need).where(Need.id == done.id).values(status="fulfilled"))
    db.session.execute(update(Offer).where(Offer.id == offer.id).values(status="given"))
    db.session.commit()
    assert "checked: 0; changed: 0" in runner.invoke(args=["needs", "redact-again"]).output
    assert public_text(done) == OLD_PUBLIC
    result = runner.invoke(args=["needs", "redact-again", "--all"])
    assert "checked: 2; changed: 2" in result.output
    assert "[phone]" in public_text(done) and "[phone]" in public_text(offer)


def test_the_requesters_own_name_is_hidden_in_a_coordinators_wording(runner):
    make_group()
    need = make_need(details="Bread", name="Ada Lovelace")
    stored_as_before(need, "Bread for Lovelace, ring the bell")
    runner.invoke(args=["needs", "redact-again"])
    assert public_text(need) == "Bread for [name], ring the bell"
