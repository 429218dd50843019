"""A city-wide chase backlog: every open need due at once, chased by the batched pass and, on a
smaller copy, by the pass as it was (bench/chase_reference.py), compared message for message.

    .venv/bin/python bench/chase_backlog.py                  # 100,000 due needs; needs PostgreSQL
    .venv/bin/python bench/chase_backlog.py --needs 5000     # quick run

1. Builds the synthetic London of bench/dataset.py with `--compare-needs` open needs (default 5,000),
   moves every open need's clock so its next step falls due now (each at its own ladder step), and
   copies the database (CREATE DATABASE ... TEMPLATE). The old pass runs on one copy and the new
   pass on the other; the outbox messages, notifications, audit events, needs and conversations
   they leave must be identical.
2. Builds `--needs` open needs (default 100,000) the same way and times the new pass alone (the
   old one would take about 20 minutes there; its rate comes from step 1).

Prints needs/s, SQL statements per need (cursor executions; an executemany counts once) and the
total time of each pass, and PASS/FAIL against the target: under 60 s for 100,000 needs and at
most 3 statements per need. Databases are dropped at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("MUTUALAID_ENV", "testing")

from sqlalchemy import event, text  # noqa: E402

RESULTS = ROOT / "bench" / "results"
TARGET_SECONDS_PER_100K = 60
TARGET_STATEMENTS = 3


def app_for(url: str):
    """An app on `url` with console SMS and no rate limits."""
    from config.settings import normalise_database_url
    from mutualaid import create_app

    return create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": normalise_database_url(url), "RATELIMIT_ENABLED": False,
                       "SMS_BACKEND": "console", "LOG_LEVEL": "WARNING"})


def make_all_due(url: str, when: datetime) -> int:
    """Shift every open need's clock so its next step is due at `when`; returns how many are due."""
    import dataset
    import psycopg
    with psycopg.connect(dataset.libpq_url(url), autocommit=True) as conn:
        conn.execute("UPDATE need SET opened_at = opened_at - (next_chase_at - %(t)s), "
                     "created_at = created_at - (next_chase_at - %(t)s), next_chase_at = %(t)s "
                     "WHERE status = 'open' AND next_chase_at IS NOT NULL", {"t": when})
        return conn.execute("SELECT count(*) FROM need WHERE status = 'open' AND next_chase_at <= %s",
                            (when,)).fetchone()[0]


def build(admin_url: str, open_needs: int, volunteers: int, when: datetime) -> tuple[str, str, int]:
    """A fresh database with `open_needs` open needs, all due at `when`; returns (name, url, due)."""
    import _common
    import dataset

    name, url = _common.create_database(admin_url)
    dataset.build(url, needs=open_needs * 2, open_needs=open_needs, volunteers=volunteers, offers=500,
                  now=when - timedelta(minutes=1))
    return name, url, make_all_due(url, when)


def copy_of(admin_url: str, name: str) -> tuple[str, str]:
    """A copy of database `name` (nobody may be connected to it)."""
    import _common
    import psycopg
    copy = f"{name}_copy"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
    return copy, _common.database_url(admin_url, copy)


def run_pass(url: str, when: datetime, *, old: bool) -> dict:
    """Run chase passes at `when` until nothing is due; time them and count statements."""
    import chase_reference

    from mutualaid.chase import actions
    from mutualaid.extensions import db

    app = app_for(url)
    with app.app_context():
        counter = {"n": 0}

        def count(*_args, **_kw):
            counter["n"] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        started, moved = time.monotonic(), 0
        if old:
            with chase_reference.unsorted_volunteer_cache():
                while done := chase_reference.chase_open_needs(when):
                    moved += done
        else:
            while done := actions.chase_open_needs(when):
                moved += done
        seconds = time.monotonic() - started
        event.remove(db.engine, "before_cursor_execute", count)
        left = db.session.execute(text("SELECT count(*) FROM need WHERE status = 'open' AND next_chase_at <= :t"),
                                  {"t": when}).scalar_one()
        db.session.remove()
        db.engine.dispose()
    return {"moved": moved, "seconds": round(seconds, 2), "needs_per_second": round(moved / seconds, 1),
            "statements_per_need": round(counter["n"] / max(moved, 1), 2), "left_due": left}


def outcome(url: str, when: datetime) -> dict:
    """What a pass leaves behind, as sorted lists of plain values (ids included: both copies share them)."""
    import dataset
    import psycopg
    queries = {
        "messages": "SELECT need_id, person_id, to_number, to_address, channel, template, body, status, purpose, "
                    "urgent, next_attempt_at, last_error FROM message WHERE direction = 'out'",
        "notifications": "SELECT need_id, volunteer_id, ring, channel, distance_km, created_at FROM need_notification "
                         "WHERE created_at = %(t)s",
        "audit": "SELECT action, subject_type, subject_id, group_id, details::text FROM audit_event "
                 "WHERE created_at = %(t)s",
        "needs": "SELECT id, status, escalation_level, next_chase_at, match_reason, notified_at, closed_at "
                 "FROM need",
        "conversations": "SELECT phone, group_id, person_id, state::text FROM conversation",
    }
    with psycopg.connect(dataset.libpq_url(url)) as conn:
        return {key: sorted(conn.execute(sql, {"t": when}).fetchall(), key=repr) for key, sql in queries.items()}


def compare(a: dict, b: dict) -> dict:
    """Per table: rows in one outcome and not the other."""
    diff = {}
    for key in a:
        left, right = list(a[key]), list(b[key])
        for row in list(left):
            if row in right:
                right.remove(row)
                left.remove(row)
        diff[key] = {"rows": len(a[key]), "only_old": len(left), "only_new": len(right)}
    return diff


def main(argv=None) -> int:
    """Compare old and new on the small instance, time the new one on the large one."""
    import _common

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--compare-needs", type=int, default=5_000)
    parser.add_argument("--volunteers", type=int, default=20_000)
    args = parser.parse_args(argv)
    when = datetime.now(timezone.utc).replace(microsecond=0)
    made, results = [], {"load": os.getloadavg()}
    try:
        small, small_url, due = build(args.database_url, args.compare_needs, args.volunteers, when)
        made.append(small)
        copy, copy_url = copy_of(args.database_url, small)
        made.append(copy)
        old = results["old"] = run_pass(small_url, when, old=True)
        new = results["new_small"] = run_pass(copy_url, when, old=False)
        diff = results["compare"] = compare(outcome(small_url, when), outcome(copy_url, when))
        same = all(d["only_old"] == 0 and d["only_new"] == 0 for d in diff.values())
        print(f"\n{due:,} open needs due at once (PostgreSQL, {args.volunteers:,} volunteers):")
        for label, r in (("old pass", old), ("new pass", new)):
            print(f"  {label}: {r['seconds']} s, {r['needs_per_second']:,} needs/s, "
                  f"{r['statements_per_need']} statements/need, {r['left_due']} left due")
        print(f"  same outcome: {'PASS' if same else 'FAIL'} "
              + "; ".join(f"{k} {d['rows']:,} rows, {d['only_old']}/{d['only_new']} differ" for k, d in diff.items()))
        big = new
        if args.needs > args.compare_needs:
            name, url, due = build(args.database_url, args.needs, args.volunteers, when)
            made.append(name)
            big = results["new_large"] = run_pass(url, when, old=False)
            print(f"\n{due:,} open needs due at once: new pass {big['seconds']} s, {big['needs_per_second']:,} "
                  f"needs/s, {big['statements_per_need']} statements/need, {big['left_due']} left due "
                  f"(the old pass would take about {round(big['moved'] / old['needs_per_second'] / 60, 1)} min "
                  f"at its rate above)")
        fast = big["seconds"] * 100_000 / max(big["moved"], 1) < TARGET_SECONDS_PER_100K
        lean = big["statements_per_need"] <= TARGET_STATEMENTS
        print(f"  time per 100,000 needs under {TARGET_SECONDS_PER_100K} s: {'PASS' if fast else 'FAIL'}; "
              f"at most {TARGET_STATEMENTS} statements per need: {'PASS' if lean else 'FAIL'}")
        print(f"  load average at start: {results['load']}")
        RESULTS.mkdir(parents=True, exist_ok=True)
        out = RESULTS / f"chase-backlog-{when:%Y%m%dT%H%M%SZ}.json"
        out.write_text(json.dumps(results, indent=2, default=str))
        print(f"results: {out.relative_to(ROOT)}")
        return 0 if same and fast and lean else 1
    finally:
        for name in reversed(made):
            _common.drop_database(args.database_url, name)


if __name__ == "__main__":
    raise SystemExit(main())
