"""The coordinators' dashboard first page with 1,000,000 needs (100,000 open), on SQLite and PostgreSQL.

    .venv/bin/python bench/dashboard.py [--needs 1000000] [--open-needs 100000] [--requests 40]

Builds bench/dataset.py's synthetic London on each backend, logs in as one of its coordinators through
the real login form, and times GET /coordinator/ (the unmet list, its counts and the side lists) in
process with Flask's test client: server render time, without network. Target: p50 under 300 ms.
Also times a filtered first page, and the figures page and the group's public page, both with each
worker's cache emptied before each request ("cold": the figures the refresh_figures job counted are
read from the database) and when kept ("kept"); and, for comparison in the same run, counting those
figures as a visit did before the job (target for the public page: p50 under 50 ms, cold).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import create_engine, text  # noqa: E402

import dataset  # noqa: E402

PAGES = ("/coordinator/", "/coordinator/?category=groceries&language=es", "/coordinator/figures", "{public}")
COLD = ("/coordinator/figures", "{public}")  # pages whose figures are cached: also timed with the cache emptied


def summary(times: list[float]) -> dict:
    """p50, p90 and max of some timings in ms."""
    times = sorted(times)
    return {"p50_ms": round(statistics.median(times), 1), "p90_ms": round(times[int(len(times) * .9)], 1),
            "max_ms": round(times[-1], 1), "requests": len(times)}


def measure(url: str, requests: int) -> dict:
    """Log in as a generated coordinator and time the dashboard pages."""
    from mutualaid import create_app
    from tests.builders import csrf_from

    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                      "FIGURES_CACHE_SECONDS": 300, "CACHE_TYPE": "SimpleCache",
                      "LOG_LEVEL": "WARNING"})
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    response = client.post("/auth/login", data={"csrf_token": csrf_from(page), "email": "coordinator0@bench.mutualaid.test",
                                                "password": dataset.PASSWORD})
    assert response.status_code == 302, "could not log in as the generated coordinator"
    from mutualaid.extensions import cache, db

    from mutualaid.coordination import dashboard, public_figures
    from mutualaid.coordination.actions import refresh_figures
    from mutualaid.models import Group

    with app.app_context():
        slug = db.session.execute(text('SELECT slug FROM "group" ORDER BY id LIMIT 1')).scalar_one()
        group = db.session.execute(db.select(Group).where(Group.slug == slug)).scalar_one()
        # As before the figures job: counted on the visit whose cache had expired (the same counting).
        counted_public, counted_figures = [], []
        for _ in range(max(3, requests // 8)):
            started = time.perf_counter()
            public_figures.count_figures(group, datetime.now(timezone.utc))
            counted_public.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            dashboard.count_figures(group.id, datetime.now(timezone.utc))
            counted_figures.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        refresh_figures(datetime.now(timezone.utc))  # what the scheduler does every FIGURES_CACHE_SECONDS
        job_ms = (time.perf_counter() - started) * 1000

    def timed(path: str, count: int, cold: bool) -> dict:
        times = []
        for _ in range(count):
            if cold:
                with app.app_context():
                    cache.clear()
            started = time.perf_counter()
            assert client.get(path).status_code == 200, path
            times.append((time.perf_counter() - started) * 1000)
        return summary(times)

    results = {"counting the public figures (before: on a visit)": summary(counted_public),
               "counting the coordinators' figures (before: on a visit)": summary(counted_figures),
               "refresh_figures job, every group (now: in the scheduler)": summary([job_ms])}
    for template in PAGES:
        path = template.format(public=f"/groups/{slug}")
        for _ in range(3):
            assert client.get(path).status_code == 200, path
        if template in COLD:
            results[f"{path} (cold)"] = timed(path, max(3, requests // 8), cold=True)
            results[f"{path} (kept)"] = timed(path, requests, cold=False)
        else:
            results[path] = timed(path, requests, cold=False)
    with app.app_context():
        db.engine.dispose()
    return results


def main(argv=None) -> int:
    """Build, measure, report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--needs", type=int, default=1_000_000)
    parser.add_argument("--open-needs", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--reuse-sqlite", metavar="URL", help="measure this existing data set instead of building one")
    parser.add_argument("--reuse-postgres", metavar="URL", help="measure this existing data set instead of building one")
    args = parser.parse_args(argv)
    out, ok = {}, True
    folder = Path(tempfile.mkdtemp())
    sqlite_url = f"sqlite:///{folder}/dashboard.sqlite3"
    name = f"bench_dashboard_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.database_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    pg_url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        for backend, url, reuse in (("postgresql", pg_url, args.reuse_postgres),
                                    ("sqlite", sqlite_url, args.reuse_sqlite)):
            if not reuse:
                dataset.build(url, needs=args.needs, open_needs=args.open_needs)
            out[backend] = measure(reuse or url, args.requests)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        for f in folder.glob("*"):
            f.unlink()
    print(f"\nDashboard with {args.needs:,} needs ({args.open_needs:,} open), in process, {args.requests} requests each:")
    for backend, pages in out.items():
        for path, r in pages.items():
            print(f"  {backend:<10} {path:<52} p50 {r['p50_ms']:>7} ms  p90 {r['p90_ms']:>7} ms  max {r['max_ms']:>7} ms")
        passed = pages["/coordinator/"]["p50_ms"] < 300
        ok &= passed
        print(f"  [{'PASS' if passed else 'FAIL'}] {backend}: first page p50 under 300 ms")
        public = next(r for path, r in pages.items() if path.startswith("/groups/") and path.endswith("(cold)"))
        passed = public["p50_ms"] < 50
        ok &= passed
        print(f"  [{'PASS' if passed else 'FAIL'}] {backend}: public page p50 under 50 ms with its process cache empty")
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"dashboard-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json").write_text(json.dumps(out, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
