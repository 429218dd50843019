"""How fast the process_inbound job answers stored texts, before and after batching, in one run.

    .venv/bin/python bench/inbound_replies.py [--texts 2000] [--rounds 2] [--workers 1 2] [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]

Creates a throwaway PostgreSQL database and a group, then alternates the job as it was
(bench/_old_inbound.py: a claim, the dialogue and a commit per text) with today's batched job,
the same way each round:

(a) drain: N texts from N numbers are stored as the webhook stores them (record_inbound_sms,
    answering none), then the job runs until nothing waits. Prints texts/s and SQL statements
    per text (a before_cursor_execute listener) and checks every text got exactly its replies.
(b) burst: N texts from N numbers are stored as fast as one thread can while one, then two,
    processes run the job on its schedule (the old job every 2 s, the new one every
    SMS_INBOUND_EVERY_SECONDS, 1 s), as scheduler processes would; prints the time from the last
    arrival until every reply is queued. Target: within 10 s for a burst of 2,000.
(c) sustained: texts arrive at --rate a second for --sustained-seconds (numbers carrying on their
    dialogues, a few seconds apart) while the most job processes asked for run on schedule; a
    poller notes when each text is answered (its replies are queued in the same commit). Prints the
    time from each text's storing (the webhook's 200) to then: p50, p95, p99, max. Targets: p95
    under 5 s and p99 under 10 s.

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
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _common as c  # noqa: E402

RESULTS = ROOT / "bench" / "results"
TARGET_SECONDS = 10.0
SUSTAINED_P95, SUSTAINED_P99 = 5.0, 10.0  # seconds from the webhook's 200 to the replies queued, under (c)
LOAD_AT_START = (0.0, 0.0, 0.0)
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


def scheduled(url: str, kind: str, every: float, stop, start_at: float) -> None:
    """One scheduler process: run the job every `every` seconds (a slow run is not overlapped) until told to stop."""
    app = make_app(url)
    job = jobs()[kind][0]
    with app.app_context():
        tick = start_at
        while not stop.is_set():
            time.sleep(max(0.0, tick - time.monotonic()))
            job(datetime.now(timezone.utc))
            tick = max(tick + every, time.monotonic())


def burst(app, url: str, kind: str, texts, tag: str, workers: int) -> dict:
    """(b) Store a burst while `workers` processes run the job on its schedule; when is every reply queued."""
    from mutualaid.extensions import db

    with app.app_context():
        reset(db)
    context = get_context("fork")
    stop = context.Event()
    started = time.monotonic()
    children = [context.Process(target=scheduled, args=(url, kind, jobs()[kind][1], stop, started + i * 0.1))
                for i in range(workers)]
    for child in children:
        child.start()
    arrived = store(app, texts, tag)
    with app.app_context():
        deadline = arrived + 300
        while counts(db)["waiting"] and time.monotonic() < deadline:
            time.sleep(0.05)
        done = time.monotonic()
        stop.set()
        for child in children:
            child.join(60)
        result = counts(db)
    return {"workers": workers, "arrival_seconds": round(arrived - started, 2),
            "queued_after_last_arrival": round(done - arrived, 2), **result}


def dialogue_texts(count: int, seed: int, block: int = 200) -> list[tuple[str, str]]:
    """`count` texts from people carrying on the bench's scripts: in blocks of `block` numbers, every
    number's first text, then every second text of those with one, and so on (so a number's next text
    comes a few seconds after its last at 100 a second)."""
    rng = random.Random(seed)
    texts: list[tuple[str, str]] = []
    numbers = iter(c.uk_mobiles(count, seed + 1000))
    while len(texts) < count:
        scripts = [(next(numbers), rng.choices(c.SCRIPTS, c.WEIGHTS)[0]) for _ in range(block)]
        for step in range(max(len(script) for _number, script in scripts)):
            texts.extend((number, script[step]) for number, script in scripts if step < len(script))
    return texts[:count]


def sustained(app, url: str, kind: str, texts, tag: str, workers: int, rate: float) -> dict:
    """(c) Texts stored at `rate` a second while `workers` job processes run on schedule; for each, the
    seconds from its storing (the webhook's 200) to its answer, seen by a poller every 50 ms."""
    from sqlalchemy import text as sql

    from mutualaid.extensions import db
    from mutualaid.sms.actions import record_inbound_sms

    with app.app_context():
        reset(db)
    context = get_context("fork")
    stop, done = context.Event(), threading.Event()
    started = time.monotonic()
    children = [context.Process(target=scheduled, args=(url, kind, jobs()[kind][1], stop, started + i * 0.1))
                for i in range(workers)]
    for child in children:
        child.start()
    stored: dict[int, float] = {}  # message id -> when it was stored
    latencies: list[float] = []
    lock = threading.Lock()

    def poll() -> None:
        """Every 50 ms: which stored texts are no longer waiting."""
        with app.app_context(), db.engine.connect() as conn:
            while True:
                with lock:
                    judged = dict(stored)  # stored (committed) before the query starts
                waiting = set(conn.execute(sql("SELECT id FROM message WHERE direction = 'in' AND status IN "
                                               "('received', 'processing')")).scalars())
                conn.commit()
                seen = time.monotonic()
                with lock:
                    for message_id, at in judged.items():
                        if message_id not in waiting:
                            latencies.append(seen - at)
                            del stored[message_id]
                    if done.is_set() and not stored:
                        return
                if done.is_set() and seen > finish + 120:
                    return
                time.sleep(0.05)

    poller = threading.Thread(target=poll)
    finish = float("inf")
    poller.start()
    late = 0
    with app.app_context():
        begin = time.monotonic() + 0.5
        for i, (number, body) in enumerate(texts):
            moment = begin + i / rate
            if (wait := moment - time.monotonic()) > 0:
                time.sleep(wait)
            elif wait < -0.5:
                late += 1
            result = record_inbound_sms({"MessageSid": f"SM{tag}{i:020d}", "From": number, "To": c.GROUP_NUMBER,
                                         "Body": body, "NumMedia": "0"}, inline=False)
            with lock:
                stored[result.message_id] = time.monotonic()
        finish = time.monotonic()
        db.session.remove()
    done.set()
    poller.join()
    stop.set()
    for child in children:
        child.join(60)
    with app.app_context():
        result = counts(db)
    q = {f"p{p}": round(c.percentile(latencies, p), 2) for p in (50, 95, 99)} if latencies else {}
    return {"workers": workers, "rate": rate, "texts": len(texts), "store_seconds": round(finish - begin, 1),
            "stored_late": late, "answered": len(latencies), "unanswered_at_end": len(stored), **q,
            "max": round(max(latencies), 2) if latencies else None, **result}


def jobs() -> dict:
    """The job before batches and today's, each with the interval the scheduler ran it at."""
    import _old_inbound

    from mutualaid.sms.actions import process_pending_inbound

    return {"old": (_old_inbound.process_pending_inbound, OLD_EVERY), "new": (process_pending_inbound, NEW_EVERY)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=2000, help="texts (from as many numbers) per phase")
    parser.add_argument("--rounds", type=int, default=2, help="alternating old/new rounds (default 2)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                        help="job processes for (b), each count in turn (default: 1 2); the target is read at the most")
    parser.add_argument("--rate", type=float, default=100.0, help="texts a second for (c) (default 100)")
    parser.add_argument("--sustained-seconds", type=float, default=60.0,
                        help="seconds of arrivals for (c) (default 60; 0 leaves (c) out)")
    parser.add_argument("--admin-url", default=os.environ.get("BENCH_ADMIN_URL",
                                                              "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args(argv)
    global LOAD_AT_START
    LOAD_AT_START = os.getloadavg()
    print(f"load average at the start: {LOAD_AT_START[0]:.2f} {LOAD_AT_START[1]:.2f} {LOAD_AT_START[2]:.2f}",
          flush=True)

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
    from mutualaid.extensions import db
    from mutualaid.models import Group

    app = make_app(url)
    with app.app_context():
        db.create_all()
        db.session.add(Group(slug="hackney", name="Hackney Mutual Aid", centre_lat=51.545, centre_lon=-0.055,
                             radius_km=6.0, phone_number=c.GROUP_NUMBER))
        db.session.commit()
    kinds = jobs()
    rows: dict[str, dict[str, list]] = {k: {"drain": [], "burst": [], "sustained": []} for k in kinds}
    for round_ in range(args.rounds):
        texts = first_texts(args.texts, seed=round_)
        order = list(kinds) if round_ % 2 == 0 else list(reversed(kinds))
        for kind in order:
            rows[kind]["drain"].append(drain(app, kinds[kind][0], texts, f"{round_}{kind}a"))
            d = rows[kind]["drain"][-1]
            print(f"round {round_ + 1} {kind}: drain {d['texts_per_second']:7.1f} texts/s, "
                  f"{d['statements_per_text']:5.2f} statements/text, {d['replies']} replies", flush=True)
            for workers in args.workers:
                rows[kind]["burst"].append(burst(app, url, kind, texts, f"{round_}{kind}b{workers}", workers))
                b = rows[kind]["burst"][-1]
                print(f"round {round_ + 1} {kind}: burst of {args.texts} stored in {b['arrival_seconds']:.1f} s, "
                      f"{workers} job process(es): every reply queued {b['queued_after_last_arrival']:.2f} s "
                      f"after the last arrival", flush=True)
            if args.sustained_seconds > 0:
                steady = dialogue_texts(int(args.rate * args.sustained_seconds), seed=round_)
                rows[kind]["sustained"].append(sustained(app, url, kind, steady, f"{round_}{kind}c", max(args.workers),
                                                         args.rate))
                s = rows[kind]["sustained"][-1]
                print(f"round {round_ + 1} {kind}: {s['texts']} texts at {args.rate:g}/s ({s['store_seconds']} s), "
                      f"{max(args.workers)} job process(es): stored to answered p50 {s.get('p50')} s, "
                      f"p95 {s.get('p95')} s, p99 {s.get('p99')} s, max {s['max']} s; "
                      f"{s['unanswered_at_end']} unanswered 2 minutes after the last", flush=True)
    same = all(o["templates"] == n["templates"] for o, n in zip(rows["old"]["drain"], rows["new"]["drain"]))
    worst = max(b["queued_after_last_arrival"] for b in rows["new"]["burst"] if b["workers"] == max(args.workers))
    for kind in kinds:
        for d in rows[kind]["drain"]:
            d.pop("templates")
    best = {kind: max(d["texts_per_second"] for d in rows[kind]["drain"]) for kind in kinds}
    print(f"\nbest drain: old {best['old']} texts/s, new {best['new']} texts/s ({best['new'] / best['old']:.1f}x); "
          f"same replies (text -> template) on both paths: {same}")
    burst_met = same and worst <= TARGET_SECONDS
    print(f"burst of {args.texts}, {max(args.workers)} job process(es): every reply queued within {worst:.2f} s "
          f"of the last arrival "
          f"(target {TARGET_SECONDS:.0f} s): {'PASS' if burst_met else 'FAIL'}")
    steady_met = True
    if args.sustained_seconds > 0:
        runs = rows["new"]["sustained"]
        p95, p99 = max(r.get("p95") or 0 for r in runs), max(r.get("p99") or 0 for r in runs)
        steady_met = all(r["unanswered_at_end"] == 0 and r["answered"] for r in runs) \
            and p95 < SUSTAINED_P95 and p99 < SUSTAINED_P99
        print(f"{args.rate:g} texts/s for {args.sustained_seconds:g} s, {max(args.workers)} job process(es): worst "
              f"p95 {p95} s, p99 {p99} s (targets {SUSTAINED_P95:g} s and {SUSTAINED_P99:g} s): "
              f"{'PASS' if steady_met else 'FAIL'}")
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return {"texts": args.texts, "rounds": rows, "same_replies": same, "worst_after_last_arrival": worst,
            "target_met": burst_met and steady_met, "burst_met": burst_met, "sustained_met": steady_met,
            "load_at_start": LOAD_AT_START, "load": load}

if __name__ == "__main__":
    sys.exit(main())
