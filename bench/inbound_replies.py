"""How fast the process_inbound job answers stored texts, before and after batching, in one run.

    .venv/bin/python bench/inbound_replies.py [--texts 2000] [--rounds 2] [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]

Creates a throwaway PostgreSQL database and a group, then alternates the job as it was
(bench/_old_inbound.py: a claim, the dialogue and a commit per text) with today's batched job,
the same way each round:

(a) drain: N texts from N numbers are stored as the webhook stores them (record_inbound_sms,
    answering none), then the job runs until nothing waits. Prints texts/s and SQL statements
    per text (a before_cursor_execute listener) and checks every text got exactly its replies.
(b) burst: N texts from N numbers are stored as fast as one thread can while the job runs on
    its schedule (the old job every 2 s, the new one every SMS_INBOUND_EVERY_SECONDS, 1 s), as
    the scheduler would; prints the time from the last arrival until every reply is queued.
    Target: within 10 s for a burst of 2,000.

Writes bench/results/inbound_replies-<timestamp>.json and drops the database.
Exit status: 0 target met, 1 target missed, 2 the bench itself failed.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _common as c  # noqa: E402

RESULTS = ROOT / "bench" / "results"
TARGET_SECONDS = 10.0
OLD_EVERY, NEW_EVERY = 2.0, 1.0  # the scheduler's interval for the job, before and after


def first_texts(count: int, seed: int) -> list[tuple[str, str]]:
    """`count` distinct numbers, each sending the first text of one of the bench's scripts."""
    rng = random.Random(seed)
    numbers = c.uk_mobiles(count, seed)
    return [(number, rng.choices(c.SCRIPTS, c.WEIGHTS)[0][0]) for number in numbers]


def make_app(url: str):
    """An app on the bench database: console SMS, the webhook only stores, no rate limits."""
    from mutualaid import create_app

    return create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url, "SMS_INBOUND_INLINE": False,
                       "RATELIMIT_ENABLED": False, "SMS_BACKEND": "console", "LOG_LEVEL": "WARNING",
                       "SMS_TWILIO_ANSWERS_KEYWORDS": False})


def reset(db) -> None:
    """Every table emptied but the group's."""
    from sqlalchemy import text

    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables if t.name != "group")
    db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.session.commit()


def store(app, texts: list[tuple[str, str]], tag: str) -> float:
    """Store each text as the webhook does; returns the moment the last one was stored."""
    from mutualaid.extensions import db
    from mutualaid.sms.actions import record_inbound_sms

    with app.app_context():
        for i, (number, body) in enumerate(texts):
            result = record_inbound_sms({"MessageSid": f"SM{tag}{i:020d}", "From": number, "To": c.GROUP_NUMBER,
                                         "Body": body, "NumMedia": "0"}, inline=False)
            assert result.stored
        db.session.remove()
    return time.monotonic()


def counts(db) -> dict:
    """Texts waiting, texts answered and replies queued."""
    from sqlalchemy import text

    row = db.session.execute(text(
        "SELECT count(*) FILTER (WHERE direction = 'in' AND status IN ('received', 'processing')), "
        "count(*) FILTER (WHERE direction = 'in' AND status NOT IN ('received', 'processing')), "
        "count(*) FILTER (WHERE direction = 'out') FROM message")).one()
    db.session.commit()
    return {"waiting": row[0], "answered": row[1], "replies": row[2]}


def drain(app, job, texts, tag: str) -> dict:
    """(a) Store every text, then run the job until none waits."""
    from sqlalchemy import event

    from mutualaid.extensions import db

    with app.app_context():
        reset(db)
    store(app, texts, tag)
    statements = [0]

    def count(*_args):
        statements[0] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        started = time.monotonic()
        while job(datetime.now(timezone.utc)):
            pass
        seconds = time.monotonic() - started
        event.remove(db.engine, "before_cursor_execute", count)
        result = counts(db)
        replies = db.session.execute(db.text(
            "SELECT m.body, o.template FROM message m JOIN message o ON o.conversation_id = m.conversation_id "
            "AND o.direction = 'out' WHERE m.direction = 'in' ORDER BY m.from_number, o.id")).all()
        db.session.commit()
    return {"seconds": round(seconds, 3), "texts_per_second": round(len(texts) / seconds, 1),
            "statements_per_text": round(statements[0] / len(texts), 2), **result,
            "templates": sorted({(body, template) for body, template in replies})}


def burst(app, job, every: float, texts, tag: str) -> dict:
    """(b) Store a burst from another thread while the job runs every `every` seconds, as scheduled."""
    from mutualaid.extensions import db

    with app.app_context():
        reset(db)
    arrived: list[float] = []
    storer = threading.Thread(target=lambda: arrived.append(store(app, texts, tag)))
    started = time.monotonic()
    storer.start()
    with app.app_context():
        tick = started
        while True:
            job(datetime.now(timezone.utc))
            if arrived and counts(db)["waiting"] == 0:
                done = time.monotonic()
                break
            tick += every
            time.sleep(max(0.0, tick - time.monotonic()))
        result = counts(db)
    storer.join()
    return {"arrival_seconds": round(arrived[0] - started, 2), "queued_after_last_arrival": round(done - arrived[0], 2),
            **result}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=2000, help="texts (from as many numbers) per phase")
    parser.add_argument("--rounds", type=int, default=2, help="alternating old/new rounds (default 2)")
    parser.add_argument("--admin-url", default=os.environ.get("BENCH_ADMIN_URL",
                                                              "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args(argv)

    try:
        name, url = c.create_database(args.admin_url)
    except Exception as exc:  # no PostgreSQL: nothing to measure
        print(f"cannot create the bench database: {exc}", file=sys.stderr)
        return 2
    try:
        report = run(url.replace("postgresql://", "postgresql+psycopg://", 1), args)
    finally:
        c.drop_database(args.admin_url, name)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"inbound_replies-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"written {out.relative_to(ROOT)}")
    return 0 if report["target_met"] else 1


def run(url: str, args) -> dict:
    """Every round of (a) and (b), old and new alternating; the figures and whether the target was met."""
    import _old_inbound

    from mutualaid.extensions import db
    from mutualaid.models import Group
    from mutualaid.sms.actions import process_pending_inbound

    app = make_app(url)
    with app.app_context():
        db.create_all()
        db.session.add(Group(slug="hackney", name="Hackney Mutual Aid", centre_lat=51.545, centre_lon=-0.055,
                             radius_km=6.0, phone_number=c.GROUP_NUMBER))
        db.session.commit()
    jobs = {"old": (_old_inbound.process_pending_inbound, OLD_EVERY), "new": (process_pending_inbound, NEW_EVERY)}
    rows: dict[str, dict[str, list]] = {k: {"drain": [], "burst": []} for k in jobs}
    for round_ in range(args.rounds):
        texts = first_texts(args.texts, seed=round_)
        order = list(jobs) if round_ % 2 == 0 else list(reversed(jobs))
        for kind in order:
            job, every = jobs[kind]
            rows[kind]["drain"].append(drain(app, job, texts, f"{round_}{kind}a"))
            rows[kind]["burst"].append(burst(app, job, every, texts, f"{round_}{kind}b"))
            d, b = rows[kind]["drain"][-1], rows[kind]["burst"][-1]
            print(f"round {round_ + 1} {kind}: drain {d['texts_per_second']:7.1f} texts/s, "
                  f"{d['statements_per_text']:5.2f} statements/text, {d['replies']} replies | burst of {args.texts} "
                  f"stored in {b['arrival_seconds']:.1f} s, every reply queued {b['queued_after_last_arrival']:.2f} s "
                  f"after the last arrival", flush=True)
    same = all(o["templates"] == n["templates"] for o, n in zip(rows["old"]["drain"], rows["new"]["drain"]))
    worst = max(b["queued_after_last_arrival"] for b in rows["new"]["burst"])
    for kind in jobs:
        for d in rows[kind]["drain"]:
            d.pop("templates")
    best = {kind: max(d["texts_per_second"] for d in rows[kind]["drain"]) for kind in jobs}
    print(f"\nbest drain: old {best['old']} texts/s, new {best['new']} texts/s ({best['new'] / best['old']:.1f}x); "
          f"same replies (text -> template) on both paths: {same}")
    met = same and worst <= TARGET_SECONDS
    print(f"burst of {args.texts}: every reply queued within {worst:.2f} s of the last arrival "
          f"(target {TARGET_SECONDS:.0f} s): {'PASS' if met else 'FAIL'}")
    return {"texts": args.texts, "rounds": rows, "same_replies": same, "worst_after_last_arrival": worst,
            "target_met": met, "load": os.getloadavg()}

if __name__ == "__main__":
    sys.exit(main())
