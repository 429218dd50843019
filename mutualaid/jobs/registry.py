"""Every periodic job: a name, how often, and a function of `now` returning rows touched.

Jobs carry no personal data; each finds what is due in the database, claims it safely and
is idempotent, so a second scheduler started by mistake does no harm.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from mutualaid.chase import actions as chase
from mutualaid.coordination.actions import refresh_figures
from mutualaid.matching.actions import matching_pass_all
from mutualaid.messaging.outbox import deliver_outbox
from mutualaid.needs.actions import locate_pending
from mutualaid.retention.actions import purge_personal_data
from mutualaid.sms.actions import process_pending_inbound


@dataclass(frozen=True)
class Job:
    """A periodic job."""

    name: str
    seconds: float
    func: Callable[[datetime], int]
    description: str
    every_setting: str = ""  # a setting that overrides `seconds`, where an operator may tune it

    def interval(self, config) -> float:
        """How often the job runs under this app's settings."""
        return float(config.get(self.every_setting) or self.seconds) if self.every_setting else self.seconds


def _deliver_outbox(now: datetime) -> int:
    """Send due SMS from the outbox."""
    report = deliver_outbox(now=now)
    return report.sent + report.retried + report.failed + report.suppressed


def _process_inbound(now: datetime) -> int:
    """Run the SMS dialogue for texts the webhook stored."""
    return process_pending_inbound(now)


def _locate_pending(now: datetime) -> int:
    """Geocode online the places the SMS webhook left for later."""
    return locate_pending(now=now)


def _matching_pass(now: datetime) -> int:
    """Propose volunteers and offers for every open need."""
    return matching_pass_all(now)


def _purge_personal_data(now: datetime) -> int:
    """Remove personal data the groups' retention settings no longer allow keeping."""
    return purge_personal_data(now).total


def _chase(name: str):
    """A job that runs one of the chase functions."""
    def run(now: datetime) -> int:
        return getattr(chase, name)(now)
    return run


JOBS: dict[str, Job] = {job.name: job for job in (
    Job("process_inbound", 1, _process_inbound, "answer stored texts (the webhook only stores them)",
        every_setting="SMS_INBOUND_EVERY_SECONDS"),
    Job("chase_open_needs", 60, _chase("chase_open_needs"), "walk unclaimed needs up the escalation ladder"),
    Job("remind_claims", 300, _chase("remind_claims"), "remind volunteers; release claims past due"),
    Job("follow_up_fulfilled", 600, _chase("follow_up_fulfilled"), "ask requesters if they got what they needed"),
    Job("matching_pass", 600, _matching_pass, "match all open needs at once; record why nobody fits"),
    Job("expire_offers", 3600, _chase("expire_offers"), "close offers whose date has passed"),
    Job("deliver_outbox", 5, _deliver_outbox, "send due text messages, retrying failures"),
    Job("locate_pending", 60, _locate_pending, "geocode places that need an online lookup"),
    Job("refresh_figures", 300, refresh_figures, "count the public page's and the coordinators' figures",
        every_setting="FIGURES_CACHE_SECONDS"),
    Job("purge_personal_data", 3600, _purge_personal_data, "remove personal data past the groups' retention periods"),
)}
