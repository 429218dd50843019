"""The coordinators' dashboard first page with 1,000,000 needs (100,000 open), on SQLite and PostgreSQL.

    .venv/bin/python bench/dashboard.py [--needs 1000000] [--open-needs 100000] [--requests 40]

Builds bench/dataset.py's synthetic London on each backend, logs in as one of its coordinators through
the real login form, and times GET /coordinator/ (the unmet list, its counts and the side lists) in
process with Flask's test client: server render time, without network. Target: p50 under 300 ms.
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

PAGES = ("/coordinator/", "/coordinator/?urgency=&category=groceries", "/coordinator/figures")


def measure(url: str, requests: int) -> dict:
    """Log in as a generated coordinator and time the dashboard pages."""
    from mutualaid import create_app
    from tests.builders import csrf_from

    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                      "LOG_LEVEL": "WARNING"})
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    response = client.post("/auth/login", data={"csrf_token": csrf_from(page), "email": "coordinator0@bench.mutualaid.test",
                                                "password": dataset.PASSWORD})
    assert response.status_code == 302, "could not log in as the generated coordinator"
    results = {}
    for path in PAGES:
        for _ in range(3):
            assert client.get(path).status_code == 200, path
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            assert client.get(path).status_code == 200
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        results[path] = {"p50_ms": round(statistics.median(times), 1), "p90_ms": round(times[int(len(times) * .9)], 1),
                         "max_ms": round(times[-1], 1), "requests": requests}
    with app.app_context():
        from mutualaid.extensions import db

        db.engine.dispose()
    return results


def main(argv=None) -> int:
    """Build, measure, report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--needs", type=int, default=1_000_000)
    parser.add_argument("--open-needs", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40)
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
        for backend, url in (("postgresql", pg_url), ("sqlite", sqlite_url)):
            dataset.build(url, needs=args.needs, open_needs=args.open_needs)
            out[backend] = measure(url, args.requests)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        for f in folder.glob("*"):
            f.unlink()
    print(f"\nDashboard with {args.needs:,} needs ({args.open_needs:,} open), in process, {args.requests} requests each:")
    for backend, pages in out.items():
        for path, r in pages.items():
            print(f"  {backend:<10} {path:<45} p50 {r['p50_ms']:>7} ms  p90 {r['p90_ms']:>7} ms  max {r['max_ms']:>7} ms")
        passed = pages["/coordinator/"]["p50_ms"] < 300
        ok &= passed
        print(f"  [{'PASS' if passed else 'FAIL'}] {backend}: first page p50 under 300 ms")
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"dashboard-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json").write_text(json.dumps(out, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
