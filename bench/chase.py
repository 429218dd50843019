"""How long one chase pass takes over 100,000 open needs, and how many messages a busy day sends.

    .venv/bin/python bench/chase.py [--open-needs 100000] [--volunteers 20000] [--day-needs 300]

Part 1 (PostgreSQL): the synthetic London of bench/dataset.py with every open need due at once
(the worst case: a surge, or the scheduler back after downtime); times `chase_open_needs` until
nothing is due, and reports needs per second and messages queued.

Part 2 (SQLite, in process): a busy group's day — needs arriving through the day, volunteers
taking some after a while, the scheduler's jobs run every simulated minute — then counts the
messages each need and each volunteer received against the caps (10 an hour, 40 a day per number).
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import create_engine, text  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def app_for(url: str):
    """A development app on `url` with console SMS and no rate limits."""
    from mutualaid import create_app

    return create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                       "SMS_BACKEND": "console", "LOG_LEVEL": "WARNING"})


def part_one(admin_url: str, open_needs: int, volunteers: int) -> dict:
    """Time one full chase pass with every open need due."""
    import dataset

    name = f"bench_chase_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        t = time.monotonic()
        dataset.build(url, needs=open_needs * 2, open_needs=open_needs, volunteers=volunteers, offers=500)
        built = time.monotonic() - t
        app = app_for(url)
        from mutualaid.extensions import db
        from mutualaid.models import Message, Need
        from mutualaid.chase.actions import chase_open_needs

        with app.app_context():
            now = datetime.now(timezone.utc)
            # Every open need due for its next step at once.
            db.session.execute(text("UPDATE need SET next_chase_at = :t, escalation_level = 0, opened_at = :t "
                                    "WHERE status = 'open'"), {"t": now - timedelta(minutes=1)})
            db.session.commit()
            due = db.session.execute(text("SELECT count(*) FROM need WHERE status='open'")).scalar_one()
            before = db.session.query(Message).count()
            t = time.monotonic()
            moved = runs = 0
            while True:
                runs += 1
                done = chase_open_needs(now)
                moved += done
                if done == 0:
                    break
            seconds = time.monotonic() - t
            messages = db.session.query(Message).count() - before
            left = db.session.execute(text("SELECT count(*) FROM need WHERE status='open' AND next_chase_at <= :t"),
                                      {"t": now}).scalar_one()
            db.engine.dispose()
        return {"open_needs_due": due, "moved": moved, "left_due": left, "seconds": round(seconds, 1),
                "needs_per_second": round(moved / seconds, 1) if seconds else None, "messages_queued": messages,
                "job_runs": runs, "build_seconds": round(built, 1)}
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def part_two(day_needs: int, volunteers: int, seed: int = 7) -> dict:
    """Simulate a busy day minute by minute and count messages per need and per volunteer."""
    rng = random.Random(seed)
    path = Path(tempfile.mkdtemp()) / "day.sqlite3"
    app = app_for(f"sqlite:///{path}")
    from mutualaid.extensions import db
    from mutualaid.models import Group, Message, Need, NeedNotification, Person, VolunteerProfile
    from mutualaid.chase.actions import chase_open_needs, follow_up_fulfilled, remind_claims
    from mutualaid.claims.actions import claim_need, complete_claim
    from mutualaid.core.errors import ServiceError
    from mutualaid.needs.intake import Contact, NeedInput
    from mutualaid.needs.actions import submit_need
    from mutualaid.messaging.outbox import deliver_outbox

    start = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)  # a Monday, London winter time
    with app.app_context():
        db.create_all()
        group = Group(slug="busy", name="Busy Mutual Aid", centre_lat=51.5431, centre_lon=-0.0600, radius_km=6,
                      phone_number="+442071234567")
        db.session.add(group)
        db.session.flush()
        cats = ["groceries", "medicine", "errand", "company", "transport", "household", "paperwork"]
        people = []
        for i in range(volunteers):
            lat, lon = 51.5431 + rng.gauss(0, 0.02), -0.06 + rng.gauss(0, 0.03)
            person = Person(role="volunteer", group_id=group.id, name=f"V{i}", phone=f"+4479112{i:05d}",
                            session_token="x")
            person.volunteer = VolunteerProfile(home_lat=lat, home_lon=lon, radius_km=rng.choice([2, 3, 5, 8]),
                                                categories=rng.sample(cats, 3), languages=["en"] + (["es"] if rng.random() < .2 else []),
                                                capacity=rng.choice([1, 2, 3]), has_car=rng.random() < .3,
                                                vetting_status="approved")
            db.session.add(person)
            people.append(person)
        db.session.commit()
        arrivals = sorted(start + timedelta(minutes=rng.uniform(7 * 60, 22 * 60)) for _ in range(day_needs))
        takes = {}  # need id -> minute it gets taken (60% are, after 5-180 minutes)
        pending = list(arrivals)
        for minute in range(24 * 60 + 1):
            now = start + timedelta(minutes=minute)
            while pending and pending[0] <= now:
                pending.pop(0)
                sector = rng.choice(["E8 3", "E8 2", "E5 8", "N16 7", "E9 6", "E8 1", "E2 8"])
                need, _ = submit_need(NeedInput(category=rng.choice(cats), details="bench", urgency=rng.choice(
                    ["today", "soon", "soon", "this_week"]), where=sector, contact=Contact(
                    "", f"+4474001{rng.randrange(100000):05d}", "", "es" if rng.random() < .1 else "en", True)), now=now)
                if rng.random() < 0.6:
                    takes[need.id] = now + timedelta(minutes=rng.uniform(5, 180))
            for need_id, when in list(takes.items()):
                if when <= now:
                    del takes[need_id]
                    told = db.session.execute(db.select(NeedNotification.volunteer_id).where(
                        NeedNotification.need_id == need_id)).scalars().all()
                    if told:
                        try:
                            claim = claim_need(db.session.get(Person, rng.choice(told)),
                                               db.session.get(Need, need_id).ref, now=now)[0]
                            if rng.random() < 0.7:
                                complete_claim(claim.volunteer, claim.need.ref, "done",
                                               now=now + timedelta(minutes=30))
                        except ServiceError:
                            db.session.rollback()
            chase_open_needs(now)
            if minute % 5 == 0:
                remind_claims(now)
                follow_up_fulfilled(now)
            deliver_outbox(now=now)
        out = [m for m in db.session.execute(db.select(Message).where(Message.direction == "out")).scalars()]
        by_need, by_volunteer, by_number_hour = {}, {}, {}
        volunteer_numbers = {p.phone for p in people}
        for m in out:
            if m.need_id and m.sent_at:
                by_need[m.need_id] = by_need.get(m.need_id, 0) + 1
            if m.to_number in volunteer_numbers and m.sent_at:
                by_volunteer[m.to_number] = by_volunteer.get(m.to_number, 0) + 1
            if m.sent_at:
                key = (m.to_number, m.sent_at.replace(minute=0, second=0, microsecond=0))
                by_number_hour[key] = by_number_hour.get(key, 0) + 1
        statuses = {}
        for m in out:
            statuses[m.status] = statuses.get(m.status, 0) + 1
        needs_final = {}
        for status in db.session.execute(db.select(Need.status)).scalars():
            needs_final[status] = needs_final.get(status, 0) + 1
        vols = [by_volunteer.get(p.phone, 0) for p in people]
        per_need = [by_need.get(n, 0) for n in db.session.execute(db.select(Need.id)).scalars()]
        result = {
            "needs": day_needs, "volunteers": volunteers, "messages": len(out), "statuses": statuses,
            "needs_final": needs_final,
            "per_need": {"mean": round(statistics.mean(per_need), 2), "max": max(per_need)},
            "per_volunteer": {"mean": round(statistics.mean(vols), 2), "p95": sorted(vols)[int(len(vols) * .95)],
                              "max": max(vols)},
            "max_per_number_per_hour": max(by_number_hour.values(), default=0),
            "caps": {"per_number_per_hour": app.config["SMS_MAX_PER_NUMBER_PER_HOUR"],
                     "per_number_per_day": app.config["SMS_MAX_PER_NUMBER_PER_DAY"]},
        }
        db.engine.dispose()
    return result


def main(argv=None) -> int:
    """Run both parts and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--open-needs", type=int, default=100_000)
    parser.add_argument("--volunteers", type=int, default=20_000)
    parser.add_argument("--day-needs", type=int, default=300)
    parser.add_argument("--day-volunteers", type=int, default=400)
    parser.add_argument("--skip-pass", action="store_true")
    args = parser.parse_args(argv)
    results = {}
    if not args.skip_pass:
        one = results["chase_pass"] = part_one(args.database_url, args.open_needs, args.volunteers)
        print(f"\nChase pass over {one['open_needs_due']:,} open needs, all due at once (PostgreSQL):")
        print(f"  {one['seconds']} s for {one['moved']:,} needs ({one['needs_per_second']}/s) in {one['job_runs']} runs; "
              f"{one['messages_queued']:,} messages queued; {one['left_due']} left due")
    two = results["busy_day"] = part_two(args.day_needs, args.day_volunteers)
    print(f"\nA busy day: {two['needs']} needs, {two['volunteers']} volunteers, {two['messages']} messages")
    print(f"  texts sent per need: mean {two['per_need']['mean']}, max {two['per_need']['max']}")
    print(f"  texts sent per volunteer: mean {two['per_volunteer']['mean']}, p95 {two['per_volunteer']['p95']}, "
          f"max {two['per_volunteer']['max']}")
    print(f"  most texts one number got in one hour: {two['max_per_number_per_hour']} "
          f"(cap {two['caps']['per_number_per_hour']}/hour, {two['caps']['per_number_per_day']}/day)")
    print(f"  message statuses: {two['statuses']}; needs at the end: {two['needs_final']}")
    ok = (two["max_per_number_per_hour"] <= two["caps"]["per_number_per_hour"]
          and two["per_volunteer"]["max"] <= two["caps"]["per_number_per_day"])
    print(f"  caps respected: {'PASS' if ok else 'FAIL'}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"chase-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nresults: {out.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
