"""Sending at the provider's pace: the outbox against a fake Twilio API on 127.0.0.1.

    .venv/bin/python bench/outbox_pace.py [--messages 2000] [--rate 50] [--concurrency 8] [--latency 0.1]

Part a: `--messages` queued texts (to 487 people, 10 % urgent) sent through the real twilio Client and
transport to tests/fake_twilio_api.py, which takes `--latency` seconds a call and answers 500 to 1 %
of calls. Then the same for `--baseline-messages` texts with the outbox as it was before (one message
at a time, bench/_outbox_sequential.py), in the same run. Prints the achieved rate (from the times the
fake API received the calls), the most calls in any one second, duplicates, per-person order
violations and the time to drain. Back-off waits are skipped by moving the outbox's `now` on.

Part b: an outage: every call answered 503 for `--outage-minutes` (outbox time, a pass every 5 s,
run as fast as they go), then recovery: how long the backlog takes to drain, duplicates, order
violations, and whether every urgent text went before the ordinary ones.

SQLite in a temporary file by default; `--database-url` runs it on another (empty, throwaway) database.
"""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _outbox_sequential as before  # noqa: E402

from mutualaid import create_app  # noqa: E402
from mutualaid.extensions import db  # noqa: E402
from mutualaid.messaging import outbox  # noqa: E402
from mutualaid.models import Group, Message  # noqa: E402
from tests.fake_twilio_api import FakeTwilioAPI, LoopbackTransport  # noqa: E402

GROUP_NUMBER = "+442071234567"
PEOPLE = 487


def queue(group_id: int, count: int, now: datetime, *, urgent_every: int = 10) -> list[tuple[str, str, bool]]:
    """Queue `count` replies to PEOPLE people (every `urgent_every`-th urgent); returns (to, body, urgent)."""
    texts = [(f"+447700{i % PEOPLE:06d}", f"text {i:05d}", i % urgent_every == 0) for i in range(count)]
    db.session.add_all([Message(direction="out", group_id=group_id, from_number=GROUP_NUMBER, to_number=to,
                                body=body, status="queued", purpose="reply", template="help", urgent=urgent,
                                next_attempt_at=now, created_at=now, updated_at=now) for to, body, urgent in texts])
    db.session.commit()
    return texts


def drain(deliver, now: datetime) -> tuple[float, datetime]:
    """Run passes until nothing is queued, skipping back-off waits; wall seconds taken and the last `now`."""
    started = time.monotonic()
    while db.session.execute(db.select(Message.id).where(Message.status.in_(("queued", "sending")))
                             .limit(1)).first():
        report = deliver(now=now, limit=5000)
        if report.sent + report.retried + report.failed == 0:
            now += timedelta(minutes=15)
    return time.monotonic() - started, now


def verdict(api: FakeTwilioAPI, texts, first_call: int = 0) -> dict:
    """Figures from what the fake API received (from call number `first_call` on)."""
    calls = api.calls[first_call:]
    accepted = [c for c in calls if c.status == 201]
    counts = Counter(c.body for c in accepted)
    order = defaultdict(list)
    for c in accepted:
        order[c.to].append(c.body)
    queued = defaultdict(list)
    for to, body, _ in texts:
        queued[to].append(body)
    times = sorted(c.at for c in calls)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    busiest, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        busiest = max(busiest, end - start + 1)
    return {"calls": len(calls), "errors": sum(c.status != 201 for c in calls),
            "sent": len(counts), "missing": len(texts) - len(counts),
            "duplicates": sum(n - 1 for n in counts.values()),
            "order_violations": sum(order[to] != queued[to] for to in queued),
            "rate": round((len(times) - 1) / span, 1) if span else None, "busiest_second": busiest}


def reset(api: FakeTwilioAPI) -> None:
    """Empty the outbox and the fake API's record."""
    db.session.execute(db.delete(Message))
    db.session.commit()
    api.calls.clear()


def main() -> None:
    """Run parts a and b and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--baseline-messages", type=int, default=300)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--outage-messages", type=int, default=500)
    parser.add_argument("--outage-minutes", type=int, default=10)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    before.log.setLevel(logging.ERROR)  # one warning a retry otherwise

    api = FakeTwilioAPI(fail_every=100, latency=args.latency)
    base_url = api.start()
    folder = tempfile.mkdtemp(prefix="outbox-pace-")
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": args.database_url or
                      f"sqlite:///{folder}/bench.sqlite3", "SMS_BACKEND": "twilio",
                      "TWILIO_ACCOUNT_SID": "AC" + "b" * 32, "TWILIO_AUTH_TOKEN": "bench-token",
                      "TWILIO_FROM_NUMBER": GROUP_NUMBER, "TWILIO_HTTP_CLIENT": LoopbackTransport(base_url),
                      "SMS_SEND_RATE_PER_SECOND": args.rate, "SMS_SEND_CONCURRENCY": args.concurrency,
                      "LOG_LEVEL": "ERROR"})  # else one warning a retry
    now = datetime.now(timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)
    with app.app_context():
        db.create_all()
        group = Group(slug="bench", name="Bench Mutual Aid", centre_lat=51.545, centre_lon=-0.055, radius_km=6,
                      phone_number=GROUP_NUMBER)
        db.session.add(group)
        db.session.commit()
        print(f"fake API: {args.latency * 1000:.0f} ms a call, 1 % answered 500; "
              f"rate {args.rate}/s per sender, {args.concurrency} threads")

        texts = queue(group.id, args.messages, now)
        seconds, _ = drain(outbox.deliver_outbox, now)
        print(f"a. paced   {args.messages} texts: drained in {seconds:.1f} s", verdict(api, texts))
        reset(api)
        texts = queue(group.id, args.baseline_messages, now)
        seconds, _ = drain(before.deliver_outbox, now)
        print(f"a. before  {args.baseline_messages} texts: drained in {seconds:.1f} s", verdict(api, texts))
        reset(api)

        texts = queue(group.id, args.outage_messages, now)
        api.fail_every, api.down = 0, True
        for step in range(args.outage_minutes * 12):
            outbox.deliver_outbox(now=now + timedelta(seconds=5 * step), limit=5000)
        during = verdict(api, [])
        still = db.session.query(Message).filter_by(status="queued").count()
        api.down = False
        first = len(api.calls)
        seconds, _ = drain(outbox.deliver_outbox, now + timedelta(minutes=args.outage_minutes))
        after = verdict(api, texts, first)
        seen, urgent = set(), set()
        for to, body, is_urgent in texts:  # urgent texts with no earlier text to the same person
            if is_urgent and to not in seen:
                urgent.add(body)
            seen.add(to)
        sent = [c.body for c in api.calls[first:] if c.status == 201]
        last_urgent = max(sent.index(body) for body in urgent) + 1 if urgent else 0
        print(f"b. outage {args.outage_minutes} min: {during['calls']} calls, all answered 503, "
              f"{still} of {len(texts)} still queued after it, none lost")
        print(f"b. recovery: drained in {seconds:.1f} s", after,
              f"the {len(urgent)} urgent texts first for their person all among the first {last_urgent} sent")
    api.stop()


if __name__ == "__main__":
    main()
