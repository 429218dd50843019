"""Benchmark "open needs near me" (GET /api/v1/needs, the nearest 50 within 5 km) on SQLite and
PostgreSQL at city scale, against PostGIS as the reference.

    .venv/bin/python bench/needs_near.py          # ~30 min at full size on 2 cores with today's slow search; ~10 once fast

For each backend it builds the synthetic London of bench/dataset.py (1,000,000 needs, 100,000 open,
20,000 volunteers) in a new database (SQLite: a file under /tmp; PostgreSQL: mutualaid_bench_<random>,
dropped at the end), issues an API token for an approved volunteer (`flask users token`), starts the
app under gunicorn (production settings, rate limits off) and times
`GET /api/v1/needs?lat=..&lon=..&radius_km=5&limit=50` from random approved volunteers' home points:
a warm-up, then N requests one at a time, then N more from C concurrent clients.

Then, on the PostgreSQL copy only, it adds a PostGIS geography(Point,4326) column (generated from the
public point, so PostGIS sees exactly the approximate points the app computes distances on) with a
GiST index, and times the same search:
  - as SQL through psycopg, in the form the brief gave (ST_DWithin + ORDER BY <-> + LIMIT) and in the
    index-ordered KNN form (ORDER BY <-> LIMIT in a subquery, then the radius), with the same points;
  - behind a tiny Flask endpoint under the same gunicorn settings (token lookup, KNN query, JSON of the
    same public fields; no redaction), so the HTTP comparison includes the same HTTP/WSGI overhead.
Correctness: for a sample of points, the refs our API returned (on each backend) must be PostGIS's
nearest 50 within the radius, allowing any choice among needs at exactly the 50th distance.

Then it runs our app on each backend and the wrapper at once and asks them in turns (25 requests to
each, the order turned every round), so that all meet the same minutes of a machine whose speed drifts.

Targets (PASS/FAIL): p99 of our HTTP request under 50 ms, sequential, on both backends; p50 within 2x
of the PostGIS HTTP wrapper's, in turns, on both backends; and correct results. Exit status 0 when all pass, 1 when a target fails, 2 when the bench itself fails.
Results: bench/results/needs_near-<timestamp>.json (git-ignored).

Experiments: --app MODULE:VAR and --pythonpath DIR run gunicorn on a patched copy (e.g. a module that
replaces mutualaid.needs.reads.needs_near before importing wsgi); --keep keeps the data sets and
--reuse-sqlite/--reuse-postgres use them again instead of building; --baseline DIR adds another
checkout's app (the code before a change) to the in-turns phase.
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import platform
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import _common as c  # noqa: E402

RESULTS = BENCH / "results"
TARGET_P99_MS = 50.0
TARGET_P50_RATIO = 2.0  # our p50 at most this many times the PostGIS wrapper's, asked in turns
TURN_BLOCK = 25  # requests to one server before the next one's turn
REQUEST_TIMEOUT = 60.0
TIE_EPS_M = 0.001  # distances within 1 mm count as equal (PostGIS's sphere vs the app's haversine)
PATH = "/api/v1/needs"

# The reference, in the form the brief gave, and the form that makes PostgreSQL walk the GiST index
# in distance order (true KNN); the second filters the radius on the sphere distance it ordered by.
POSTGIS_SQL = ("SELECT id FROM need WHERE status = 'open' AND group_id = %(group_id)s AND ST_DWithin(geog, ST_MakePoint(%(lon)s, %(lat)s)::geography, "
               "%(metres)s) ORDER BY geog <-> ST_MakePoint(%(lon)s, %(lat)s)::geography LIMIT %(limit)s")
POSTGIS_KNN_SQL = ("SELECT id FROM (SELECT id, geog <-> ST_MakePoint(%(lon)s, %(lat)s)::geography AS d FROM need "
                   "WHERE status = 'open' AND group_id = %(group_id)s ORDER BY geog <-> ST_MakePoint(%(lon)s, %(lat)s)::geography "
                   "LIMIT %(limit)s) nearest WHERE d <= %(metres)s")
POSTGIS_SETUP = (
    "CREATE EXTENSION IF NOT EXISTS postgis",
    # Generated from the public point: a table rewrite (no dead tuples), and PostGIS sees exactly the
    # approximate points the app measures from. Benchmark database only, never the app's migrations.
    "ALTER TABLE need ADD COLUMN IF NOT EXISTS geog geography(Point, 4326) "
    "GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(public_lon, public_lat), 4326)::geography) STORED",
    "CREATE INDEX IF NOT EXISTS bench_need_geog_gist ON need USING gist (geog)",
    "VACUUM (ANALYZE) need",
)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql")
    parser.add_argument("--needs", type=int, default=1_000_000)
    parser.add_argument("--open-needs", type=int, default=100_000)
    parser.add_argument("--volunteers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=None, help="data set seed (default: dataset.py's)")
    parser.add_argument("--requests", type=int, default=500, help="N: timed requests per phase (default 500)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed requests first (default 50)")
    parser.add_argument("--concurrency", type=int, default=4, help="C: clients in the concurrent phase (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--radius-km", type=float, default=5.0)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--sample", type=int, default=50, help="points checked against PostGIS (default 50)")
    parser.add_argument("--phase-timeout", type=float, default=900.0,
                        help="seconds before a phase stops sending (default 900); partial phases are flagged")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="an existing database to connect to for CREATE/DROP DATABASE")
    parser.add_argument("--sqlite-dir", default=None, help="where the SQLite file goes (default: a new /tmp dir)")
    parser.add_argument("--app", default="wsgi:app", help="gunicorn target for our app (default wsgi:app)")
    parser.add_argument("--pythonpath", default=None, help="extra directory for gunicorn's --pythonpath")
    parser.add_argument("--keep", action="store_true", help="keep the data sets (prints their URLs)")
    parser.add_argument("--reuse-sqlite", default=None, metavar="URL", help="use this data set instead of building")
    parser.add_argument("--reuse-postgres", default=None, metavar="URL", help="use this data set instead of building")
    parser.add_argument("--no-postgis", action="store_true", help="skip the PostGIS reference and the check")
    parser.add_argument("--baseline", default=None, metavar="DIR",
                        help="another checkout (e.g. a git worktree of the code before a change): its app joins "
                             "the in-turns phase on each backend, as 'before <backend>'")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if not args.backends or set(args.backends) - {"sqlite", "postgresql"}:
        parser.error("--backends takes sqlite and/or postgresql")
    if min(args.requests, args.concurrency, args.workers, args.limit) < 1 or args.warmup < 0 or args.sample < 0:
        parser.error("counts must be positive")
    return args


# ---------------------------------------------------------------------------------------------------
# HTTP


def get(port: int, path: str, token: str | None) -> tuple[int | None, bytes, str | None]:
    """One GET on a new connection (gunicorn's sync workers close it after each answer)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
        response = conn.getresponse()
        return response.status, response.read(), None
    except Exception as exc:  # noqa: BLE001 - counted, never fatal
        return None, b"", type(exc).__name__
    finally:
        conn.close()


def query_path(lat: float, lon: float, radius_km: float, limit: int) -> str:
    return PATH + "?" + urlencode({"lat": repr(lat), "lon": repr(lon), "radius_km": radius_km, "limit": limit})


def run_phase(call, points: list, concurrency: int, timeout: float) -> dict:
    """Run call(point) -> (status, n_items, error) for every point from `concurrency` threads; summary."""
    work = iter(enumerate(points))
    lock = threading.Lock()
    records: list = []
    deadline = time.monotonic() + timeout

    def worker() -> None:
        while True:
            with lock:
                item = next(work, None)
            if item is None or time.monotonic() > deadline:
                return
            start = time.monotonic()
            status, items, error = call(item[1])
            end = time.monotonic()
            with lock:
                records.append((start, end, status, items, error))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summarise(records, len(points), concurrency)


def summarise(records: list, planned: int, concurrency: int) -> dict:
    latencies = [(end - start) * 1000 for start, end, *_ in records]
    ok = [r for r in records if r[2] == 200]
    statuses: dict = {}
    errors: dict = {}
    for *_, status, _items, error in records:
        if status is None:
            errors[error] = errors.get(error, 0) + 1
        else:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
    elapsed = (max(r[1] for r in records) - min(r[0] for r in records)) if records else 0.0
    items = [r[3] for r in ok if r[3] is not None]
    return {
        "concurrency": concurrency, "planned": planned, "requests": len(records), "ok": len(ok),
        "complete": len(records) == planned, "elapsed_s": round(elapsed, 3),
        "per_second": round(len(ok) / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": _round(c.percentile(latencies, 50)), "p90_ms": _round(c.percentile(latencies, 90)),
        "p99_ms": _round(c.percentile(latencies, 99)), "max_ms": _round(max(latencies) if latencies else None),
        "mean_items": round(sum(items) / len(items), 1) if items else None,
        "errors": len(records) - len(ok), "statuses": statuses, "exceptions": errors,
    }


def _round(value):
    return None if value is None else round(value, 2)


def http_call(port: int, token: str, radius_km: float, limit: int):
    def call(point):
        status, body, error = get(port, query_path(point[0], point[1], radius_km, limit), token)
        items = None
        if status == 200:
            try:
                items = len(json.loads(body)["needs"])
            except (ValueError, KeyError, TypeError):
                return None, None, "bad JSON"
        return status, items, error
    return call


# ---------------------------------------------------------------------------------------------------
# The PostGIS wrapper endpoint (gunicorn imports this module as `needs_near:postgis_app`)

_POSTGIS_APP = None


def postgis_app(environ, start_response):
    """WSGI entry for the wrapper; the Flask app and its connection are made in each worker."""
    global _POSTGIS_APP
    if _POSTGIS_APP is None:
        _POSTGIS_APP = _make_postgis_app()
    return _POSTGIS_APP(environ, start_response)


def _make_postgis_app():
    import psycopg
    from flask import Flask, jsonify, request

    app = Flask("postgis_wrapper")
    state: dict = {}

    def conn():
        if state.get("conn") is None or state["conn"].closed:
            state["conn"] = psycopg.connect(os.environ["POSTGIS_DATABASE_URL"], autocommit=True)
        return state["conn"]

    @app.route("/healthz")
    def healthz():
        conn().execute("SELECT 1")
        return jsonify(status="ok")

    @app.route(PATH)
    def nearest():
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.startswith("Bearer ") else ""
        digest = hashlib.sha256(token.encode()).hexdigest()
        holder = conn().execute("SELECT group_id FROM person WHERE api_token_hash = %s", (digest,)).fetchone()
        if not token or holder is None:
            return jsonify(error={"status": 401}), 401
        lat, lon = float(request.args["lat"]), float(request.args["lon"])
        metres = float(request.args.get("radius_km", 5)) * 1000
        limit = int(request.args.get("limit", 50))
        rows = conn().execute(
            "SELECT ref, category, details, status, created_at, urgency, public_lat, public_lon, public_label, d "
            "FROM (SELECT *, geog <-> ST_MakePoint(%(lon)s, %(lat)s)::geography AS d FROM need WHERE status = 'open' "
            "AND group_id = %(group_id)s ORDER BY geog <-> ST_MakePoint(%(lon)s, %(lat)s)::geography LIMIT %(limit)s) "
            "nearest WHERE d <= %(metres)s",
            {"lat": lat, "lon": lon, "metres": metres, "limit": limit, "group_id": holder[0]}).fetchall()
        now = datetime.now(timezone.utc)
        return jsonify(needs=[{
            "ref": r[0], "type": "need", "category": r[1], "details": r[2], "status": r[3],
            "created_at": r[4].isoformat(), "age_hours": round((now - r[4]).total_seconds() / 3600, 1),
            "location": {"status": "known", "approximate_lat": r[6], "approximate_lon": r[7], "label": r[8]},
            "urgency": r[5], "distance_km": max(0.5, round(r[9] / 1000 * 2) / 2)} for r in rows])

    return app


class Server(c.Gunicorn):
    """_common.Gunicorn plus an optional --pythonpath."""

    def __init__(self, *args, pythonpath: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.pythonpath = pythonpath

    def start(self) -> None:
        cmd = c.tool("gunicorn") + ["-w", str(self.workers), "-b", f"127.0.0.1:{self.port}"]
        if self.pythonpath:
            cmd += ["--pythonpath", self.pythonpath]
        cmd.append(self.target)
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=c.REPO, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)


# ---------------------------------------------------------------------------------------------------
# Data sets, servers, phases


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def app_env(database_url: str, secret: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "MUTUALAID_"))}
    env.update(MUTUALAID_ENV="production", SECRET_KEY=secret, DATABASE_URL=database_url,
               RATELIMIT_ENABLED="false", LOG_LEVEL="WARNING", SMS_BACKEND="console", EMAIL_BACKEND="console")
    return env


def origins(backend: str, url: str, count: int, seed: int) -> list[tuple[float, float]]:
    """`count` home points of random approved volunteers of the token holder's group (with replacement;
    seeded): the API lists the caller's group only, and a volunteer looks near their own home."""
    from dataset import TOKEN_EMAIL

    sql = ("SELECT v.home_lat, v.home_lon FROM volunteer_profile v JOIN person p ON p.id = v.person_id "
           "WHERE v.vetting_status = 'approved' AND v.home_lat IS NOT NULL AND p.group_id = "
           f"(SELECT group_id FROM person WHERE email = '{TOKEN_EMAIL}') ORDER BY v.id")
    if backend == "sqlite":
        import sqlite3

        with sqlite3.connect(url.split(":///", 1)[1]) as conn:
            homes = conn.execute(sql).fetchall()
    else:
        import psycopg

        with psycopg.connect(libpq(url)) as conn:
            homes = conn.execute(sql).fetchall()
    rng = random.Random(seed)
    return [tuple(rng.choice(homes)) for _ in range(count)]


def token_group(url: str) -> int:
    """The group of the bench's token holder (the API lists that group's needs only)."""
    import psycopg

    from dataset import TOKEN_EMAIL

    with psycopg.connect(libpq(url)) as conn:
        return conn.execute("SELECT group_id FROM person WHERE email = %s", (TOKEN_EMAIL,)).fetchone()[0]


def libpq(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1] if url.startswith(("postgresql+psycopg://", "postgres://")) else url


def measure_app(backend: str, url: str, args, secret: str, points: dict, cleanup: list) -> dict:
    """Token, server, sanity check, warm-up, sequential and concurrent phases, correctness sample."""
    env = app_env(url, secret)
    from dataset import TOKEN_EMAIL

    token = c.run_cli(["users", "token", TOKEN_EMAIL], env).splitlines()[-1].strip()
    port = c.free_port()
    server = Server(f"app-{backend}", args.app, port, args.workers, env, RESULTS / f"needs_near-{backend}.log",
                    pythonpath=args.pythonpath)
    cleanup.append(server.stop)
    server.start()
    server.wait_ready(timeout=120)
    first = points["warmup"][0] if points["warmup"] else points["sequential"][0]
    status, body, error = get(port, query_path(*first, args.radius_km, args.limit), token)
    if status != 200:
        raise RuntimeError(f"sanity request failed: {status} {error} {body[:300]!r}\n{server.log_tail()}")
    if get(port, query_path(*first, args.radius_km, args.limit), None)[0] != 401:
        raise RuntimeError("a request without a token was not refused with 401")
    call = http_call(port, token, args.radius_km, args.limit)
    groups = {"gunicorn": server.pids, "bench": lambda: [os.getpid()]}
    if backend == "postgresql":
        name = url.rsplit("/", 1)[1]
        groups["postgres"] = lambda: c.postgres_pids(name)
    out = {"token_email": TOKEN_EMAIL}
    say(f"{backend}: warm-up ({len(points['warmup'])} requests)")
    run_phase(call, points["warmup"], 1, args.phase_timeout)
    for phase, conc in (("sequential", 1), ("concurrent", args.concurrency)):
        say(f"{backend}: {phase} ({len(points[phase])} requests, {conc} client(s))")
        meter = c.CpuMeter(groups)
        meter.start()
        out[phase] = run_phase(call, points[phase], conc, args.phase_timeout)
        out[phase]["cpu_s"] = meter.stop()
        say(f"{backend}: {phase}: p50 {out[phase]['p50_ms']} ms, p99 {out[phase]['p99_ms']} ms")
    sample = []
    for lat, lon in points["sample"]:
        status, body, error = get(port, query_path(lat, lon, args.radius_km, args.limit), token)
        refs = [n["ref"] for n in json.loads(body)["needs"]] if status == 200 else None
        sample.append({"lat": lat, "lon": lon, "status": status, "refs": refs})
    out["sample"] = sample
    server.stop()
    return out


def setup_postgis(url: str) -> dict:
    import psycopg

    timings = {}
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        for sql in POSTGIS_SETUP:
            start = time.monotonic()
            conn.execute(sql)
            timings[sql.split(" (")[0][:60]] = round(time.monotonic() - start, 1)
        version = conn.execute("SELECT postgis_lib_version()").fetchone()[0]
    return {"postgis_version": version, "setup_s": timings}


def explain(url: str, sql: str, point, args) -> str:
    import psycopg

    with psycopg.connect(libpq(url), autocommit=True) as conn:
        cur = psycopg.ClientCursor(conn)
        params = {"lat": point[0], "lon": point[1], "metres": args.radius_km * 1000, "limit": args.limit,
                  "group_id": token_group(url)}
        cur.execute(sql, params).fetchall()  # warm
        rows = cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()
    return "\n".join(r[0] for r in rows)


def measure_postgis_sql(url: str, sql: str, args, points: dict, label: str) -> dict:
    """The reference query straight through psycopg: one connection per client thread."""
    import psycopg

    local = threading.local()
    connections = []
    group_id = token_group(url)
    lock = threading.Lock()

    def call(point):
        if not hasattr(local, "conn"):
            local.conn = psycopg.connect(libpq(url), autocommit=True)
            with lock:
                connections.append(local.conn)
        try:
            rows = local.conn.execute(sql, {"lat": point[0], "lon": point[1], "metres": args.radius_km * 1000,
                                            "limit": args.limit, "group_id": group_id}).fetchall()
            return 200, len(rows), None
        except Exception as exc:  # noqa: BLE001
            return None, None, type(exc).__name__

    name = url.rsplit("/", 1)[1]
    groups = {"postgres": lambda: c.postgres_pids(name), "bench": lambda: [os.getpid()]}
    out = {}
    try:
        run_phase(call, points["warmup"], 1, args.phase_timeout)
        for phase, conc in (("sequential", 1), ("concurrent", args.concurrency)):
            say(f"PostGIS {label}: {phase}")
            if phase == "concurrent":  # each client thread warms its own connection first
                run_phase(call, points["warmup"][: conc * 5], conc, args.phase_timeout)
            meter = c.CpuMeter(groups)
            meter.start()
            out[phase] = run_phase(call, points[phase], conc, args.phase_timeout)
            out[phase]["cpu_s"] = meter.stop()
    finally:
        for conn in connections:
            conn.close()
    return out


def measure_postgis_http(url: str, args, points: dict, token: str, cleanup: list) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "MUTUALAID_"))}
    env["POSTGIS_DATABASE_URL"] = libpq(url)
    port = c.free_port()
    server = Server("postgis-http", "needs_near:postgis_app", port, args.workers, env,
                    RESULTS / "needs_near-postgis-http.log", pythonpath=str(BENCH))
    cleanup.append(server.stop)
    server.start()
    server.wait_ready(timeout=60)
    call = http_call(port, token, args.radius_km, args.limit)
    name = url.rsplit("/", 1)[1]
    groups = {"gunicorn": server.pids, "postgres": lambda: c.postgres_pids(name), "bench": lambda: [os.getpid()]}
    out = {}
    run_phase(call, points["warmup"], 1, args.phase_timeout)
    for phase, conc in (("sequential", 1), ("concurrent", args.concurrency)):
        say(f"PostGIS HTTP wrapper: {phase}")
        meter = c.CpuMeter(groups)
        meter.start()
        out[phase] = run_phase(call, points[phase], conc, args.phase_timeout)
        out[phase]["cpu_s"] = meter.stop()
    server.stop()
    return out


def measure_interleaved(urls: dict, args, secret: str, points: dict, cleanup: list) -> dict:
    """Our app on each backend and the PostGIS wrapper, all running at once, asked in turn: rounds of
    BLOCK sequential requests per server, the same points for each, the order turned every round. The
    phases above run minutes apart, and a shared machine's speed drifts over minutes by more than the
    2x the p50 target allows (the wrapper's own p50 moved from 5.0 to 5.8 ms between two runs); taken
    in turn, every server meets the same minutes. The p50 ratio target is judged on these figures."""
    from dataset import TOKEN_EMAIL

    servers = {}
    for backend in args.backends:
        env = app_env(urls[backend], secret)
        token = c.run_cli(["users", "token", TOKEN_EMAIL], env).splitlines()[-1].strip()
        servers[f"ours {backend}"] = (Server(f"turns-{backend}", args.app, c.free_port(), args.workers, env,
                                             RESULTS / f"needs_near-turns-{backend}.log",
                                             pythonpath=args.pythonpath), token)
        if args.baseline:  # the same database and token, the other checkout's code
            servers[f"before {backend}"] = (Server(f"turns-before-{backend}", "wsgi:app", c.free_port(), args.workers,
                                                   env, RESULTS / f"needs_near-turns-before-{backend}.log",
                                                   pythonpath=args.baseline), token)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "MUTUALAID_"))}
    env["POSTGIS_DATABASE_URL"] = libpq(urls["postgresql"])
    servers["PostGIS HTTP wrapper"] = (Server("turns-postgis", "needs_near:postgis_app", c.free_port(), args.workers,
                                              env, RESULTS / "needs_near-turns-postgis.log",
                                              pythonpath=str(BENCH)), servers["ours postgresql"][1])
    calls = {}
    for label, (server, token) in servers.items():
        cleanup.append(server.stop)
        server.start()
        server.wait_ready(timeout=120)
        calls[label] = http_call(server.port, token, args.radius_km, args.limit)
        run_phase(calls[label], points["warmup"], 1, args.phase_timeout)
    records: dict = {label: [] for label in calls}
    order = list(calls)
    todo = points["sequential"]
    say(f"in turns: {len(todo)} requests to each of {', '.join(order)}, {TURN_BLOCK} at a time")
    for turn, first in enumerate(range(0, len(todo), TURN_BLOCK)):
        block = todo[first:first + TURN_BLOCK]
        for label in order[turn % len(order):] + order[:turn % len(order)]:
            for point in block:
                start = time.monotonic()
                status, items, error = calls[label](point)
                records[label].append((start, time.monotonic(), status, items, error))
    for server, _token in servers.values():
        server.stop()
    return {label: summarise(recs, len(todo), 1) for label, recs in records.items()}


def check_sample(url: str, sample: list, args) -> dict:
    """Each sampled answer must be PostGIS's nearest `limit` within the radius, up to ties at the last distance."""
    import psycopg

    metres, checked, failures = args.radius_km * 1000, 0, []
    group_id = token_group(url)
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        for item in sample:
            if item["refs"] is None:
                failures.append({**item, "why": f"HTTP {item['status']}"})
                continue
            point = {"lat": item["lat"], "lon": item["lon"], "metres": metres, "limit": args.limit, "group_id": group_id}
            top = conn.execute(
                "SELECT ref, ST_Distance(geog, ST_MakePoint(%(lon)s, %(lat)s)::geography, false) FROM need "
                "WHERE status = 'open' AND group_id = %(group_id)s "
                "AND ST_DWithin(geog, ST_MakePoint(%(lon)s, %(lat)s)::geography, %(metres)s, false) "
                "ORDER BY geog <-> ST_MakePoint(%(lon)s, %(lat)s)::geography LIMIT %(limit)s", point).fetchall()
            last = top[-1][1] if top else 0.0
            full = len(top) == args.limit
            # Everything up to the last distance (plus a hair), so ties at the boundary are all known.
            reach = min(metres, last + TIE_EPS_M) if full else metres
            near = dict(conn.execute(
                "SELECT ref, ST_Distance(geog, ST_MakePoint(%(lon)s, %(lat)s)::geography, false) FROM need "
                "WHERE status = 'open' AND group_id = %(group_id)s "
                "AND ST_DWithin(geog, ST_MakePoint(%(lon)s, %(lat)s)::geography, %(reach)s, false)",
                {**point, "reach": reach}).fetchall())
            must = {ref for ref, d in near.items() if d < last - TIE_EPS_M} if full else set(near)
            ours = item["refs"]
            problems = []
            if len(ours) != len(top):
                problems.append(f"{len(ours)} results, PostGIS {len(top)}")
            if len(set(ours)) != len(ours):
                problems.append("duplicate refs")
            missing = sorted(must - set(ours))
            extra = sorted(set(ours) - set(near))
            if missing:
                problems.append(f"missing {missing[:5]}")
            if extra:
                info = conn.execute(
                    "SELECT ref, status, ST_Distance(geog, ST_MakePoint(%(lon)s, %(lat)s)::geography, false) "
                    "FROM need WHERE ref = ANY(%(refs)s)", {**point, "refs": extra[:5]}).fetchall()
                problems.append(f"not in PostGIS's set {info}")
            dist = [near.get(ref) for ref in ours]
            if all(d is not None for d in dist) and any(b < a - TIE_EPS_M for a, b in zip(dist, dist[1:])):
                problems.append("not in distance order")
            checked += 1
            if problems:
                failures.append({"lat": item["lat"], "lon": item["lon"], "why": "; ".join(problems),
                                 "postgis_last_m": round(last, 3), "postgis_count": len(top),
                                 "missing_distances_m": sorted(round(near[r], 3) for r in missing)[:10]})
    return {"checked": checked, "failures": failures}


# ---------------------------------------------------------------------------------------------------
# Report


def row(label: str, s: dict | None) -> str:
    if not s:
        return f"  {label:<40} {'(not run)':>10}"
    flag = "" if s["complete"] else "  (partial: phase timeout)"
    cpu = s.get("cpu_s", {})
    other = cpu.get("other", 0.0) / cpu["wall_s"] if cpu.get("wall_s") else 0.0
    return (f"  {label:<40} {s['requests']:>6} {s['errors']:>5} {fmt(s['p50_ms']):>9} {fmt(s['p90_ms']):>9} "
            f"{fmt(s['p99_ms']):>9} {fmt(s['max_ms']):>9} {s['per_second']:>8.1f} {fmt(s['mean_items']):>6} "
            f"{other:>6.2f}{flag}")


def fmt(value) -> str:
    return "-" if value is None else f"{value:.1f}"


def ratio(a, b) -> str:
    return "-" if not a or not b else f"{a / b:,.1f}x"


def report(result: dict, args) -> list[tuple[str, bool]]:
    ds = result.get("datasets", {})
    any_ds = next(iter(ds.values()), {})
    print()
    print(f"GET {PATH}?lat=..&lon=..&radius_km={args.radius_km:g}&limit={args.limit}   "
          f"(gunicorn -w {args.workers}, production settings; origins: random approved volunteers' homes)")
    if any_ds:
        print(f"Data: {any_ds['counts']['need']:,} needs ({any_ds['need_statuses'].get('open', 0):,} open, "
              f"{any_ds['open_located']:,} of them located), {any_ds['counts']['volunteer_profile']:,} volunteers, "
              f"{any_ds['counts']['person']:,} people, {any_ds['counts']['claim']:,} claims; seed {any_ds['seed']}")
    for name, d in ds.items():
        print(f"  {name} built in {d['timings']['total_s']:.0f} s  ({json.dumps(d['timings'])})")
    print(f"\n  {'':<40} {'reqs':>6} {'errs':>5} {'p50 ms':>9} {'p90 ms':>9} {'p99 ms':>9} {'max ms':>9} "
          f"{'req/s':>8} {'items':>6} {'other':>6}")
    for backend in ("sqlite", "postgresql"):
        r = result["ours"].get(backend)
        if r:
            print(row(f"ours {backend}, sequential", r.get("sequential")))
            print(row(f"ours {backend}, {args.concurrency} clients", r.get("concurrent")))
    pg = result.get("postgis") or {}
    for key, label in (("sql_as_given", "PostGIS SQL as given"), ("sql_knn", "PostGIS SQL, KNN form"),
                       ("http", "PostGIS HTTP wrapper (KNN)")):
        if key in pg:
            print(row(f"{label}, sequential", pg[key].get("sequential")))
            print(row(f"{label}, {args.concurrency} clients", pg[key].get("concurrent")))
    print("  ('items': needs per answer; 'other': CPU cores used by processes outside the bench meanwhile —"
          " well above 0 means the run was disturbed)")
    if pg:
        print("\nOurs / PostGIS, sequential (p50 ratio, p99 ratio):")
        for backend in ("sqlite", "postgresql"):
            ours = result["ours"].get(backend, {}).get("sequential")
            if not ours:
                continue
            for key, label in (("sql_as_given", "SQL as given"), ("sql_knn", "SQL, KNN form"),
                               ("http", "HTTP wrapper")):
                ref = pg.get(key, {}).get("sequential")
                if ref:
                    print(f"  ours {backend:<10} vs PostGIS {label:<14} {ratio(ours['p50_ms'], ref['p50_ms']):>10} "
                          f"{ratio(ours['p99_ms'], ref['p99_ms']):>10}")
        if pg.get("plans"):
            print("\nPostGIS plans at one central point (EXPLAIN ANALYZE, warm):")
            for key, plan in pg["plans"].items():
                print(f"  -- {key}")
                print("\n".join("     " + line for line in plan.splitlines()))
    turns = result.get("turns") or {}
    reference = turns.get("PostGIS HTTP wrapper")
    checks = []
    if reference:
        print(f"\nIn turns ({TURN_BLOCK} requests to each server in turn, all running at once; the p50 target is judged here):")
        for label, summary in turns.items():
            print(row(label, summary))
        for label, summary in turns.items():
            if label == "PostGIS HTTP wrapper":
                continue
            if not label.startswith("ours "):  # a baseline: compared, not judged
                print(f"  {label:<20} vs PostGIS HTTP wrapper: p50 {ratio(summary['p50_ms'], reference['p50_ms'])}, "
                      f"p99 {ratio(summary['p99_ms'], reference['p99_ms'])}")
                continue
            times = (summary["p50_ms"] / reference["p50_ms"]) if summary["p50_ms"] and reference["p50_ms"] else None
            print(f"  {label:<20} vs PostGIS HTTP wrapper: p50 {ratio(summary['p50_ms'], reference['p50_ms'])}, "
                  f"p99 {ratio(summary['p99_ms'], reference['p99_ms'])}")
            checks.append((f"{label.split()[-1]}: p50 within {TARGET_P50_RATIO:g}x of the PostGIS HTTP wrapper's, in turns "
                           f"({fmt(summary['p50_ms'])} against {fmt(reference['p50_ms'])} ms, {times or 0:.2f}x)",
                           times is not None and summary["errors"] == 0 and times <= TARGET_P50_RATIO))
    print("\nCorrectness (our refs vs PostGIS's nearest, ties at the last distance allowed):")
    if not result.get("correctness"):
        print("  not checked (needs the postgresql backend and PostGIS)")
    for backend, verdict in (result.get("correctness") or {}).items():
        ok = verdict["checked"] == len(result["ours"][backend]["sample"]) and not verdict["failures"]
        print(f"  {backend}: {verdict['checked']} points checked, {len(verdict['failures'])} differ")
        for failure in verdict["failures"][:5]:
            print(f"    {failure}")
        checks.append((f"{backend}: answers equal PostGIS's nearest {args.limit} within {args.radius_km:g} km "
                       f"({len(verdict['failures'])} of {verdict['checked']} differ)", ok))
    print("\nTargets")
    for backend in args.backends:
        s = result["ours"].get(backend, {}).get("sequential")
        ok = bool(s) and s["complete"] and s["errors"] == 0 and s["p99_ms"] is not None and s["p99_ms"] < TARGET_P99_MS
        checks.insert(0 if backend == "sqlite" else 1,
                      (f"{backend}: p99 of our HTTP request under {TARGET_P99_MS:.0f} ms, sequential "
                       f"({fmt(s['p99_ms']) if s else '-'} ms, {s['errors'] if s else '-'} errors)", ok))
    for text, ok in checks:
        print(f"  [{'PASS' if ok else 'FAIL'}] {text}")
    return checks


# ---------------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    import dataset

    seed = args.seed if args.seed is not None else dataset.DEFAULT_SEED
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = datetime.now(timezone.utc)
    result = {"started": started.isoformat(), "args": vars(args), "machine": {
        "platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
        "loadavg_start": os.getloadavg()}, "datasets": {}, "ours": {}}
    cleanup: list = []
    sqlite_dir = None
    pg_name = None
    status = 2
    try:
        urls = {}
        for backend in args.backends:
            if backend == "sqlite":
                if args.reuse_sqlite:
                    urls[backend] = args.reuse_sqlite
                else:
                    sqlite_dir = Path(args.sqlite_dir or tempfile.mkdtemp(prefix="mutualaid_needs_near_"))
                    sqlite_dir.mkdir(parents=True, exist_ok=True)
                    urls[backend] = f"sqlite:///{sqlite_dir / 'needs_near.sqlite3'}"
            elif args.reuse_postgres:
                urls[backend] = args.reuse_postgres
            else:
                pg_name, urls[backend] = c.create_database(args.admin_url)
        points = None
        secret = secrets.token_hex(32)
        for backend in args.backends:
            url = urls[backend]
            reused = (backend == "sqlite" and args.reuse_sqlite) or (backend == "postgresql" and args.reuse_postgres)
            if not reused:
                say(f"{backend}: building the data set in {url}")
                result["datasets"][backend] = dataset.build(url, args.needs, args.open_needs, args.volunteers, seed)
            if points is None:  # the same points on both backends (the same seed gives the same data)
                total = args.warmup + 2 * args.requests + args.sample
                pts = origins(backend, url, total, seed + 2)
                points = {"warmup": pts[:args.warmup],
                          "sequential": pts[args.warmup:args.warmup + args.requests],
                          "concurrent": pts[args.warmup + args.requests:args.warmup + 2 * args.requests],
                          "sample": pts[args.warmup + 2 * args.requests:]}
            result["ours"][backend] = measure_app(backend, url, args, secret, points, cleanup)
        if "postgresql" in args.backends and not args.no_postgis:
            url = urls["postgresql"]
            say("PostGIS: adding the geography column and GiST index (benchmark database only)")
            pg = setup_postgis(url)
            central = (51.5145, -0.1472)
            pg["plans"] = {"as given": explain(url, POSTGIS_SQL, central, args),
                           "KNN form": explain(url, POSTGIS_KNN_SQL, central, args)}
            pg["sql_as_given"] = measure_postgis_sql(url, POSTGIS_SQL, args, points, "SQL as given")
            pg["sql_knn"] = measure_postgis_sql(url, POSTGIS_KNN_SQL, args, points, "SQL, KNN form")
            env = app_env(url, secret)
            token = c.run_cli(["users", "token", dataset.TOKEN_EMAIL], env).splitlines()[-1].strip()
            pg["http"] = measure_postgis_http(url, args, points, token, cleanup)
            result["postgis"] = pg
            result["turns"] = measure_interleaved(urls, args, secret, points, cleanup)
            result["correctness"] = {b: check_sample(url, result["ours"][b]["sample"], args) for b in args.backends}
        result["machine"]["loadavg_end"] = os.getloadavg()
        checks = report(result, args)
        result["targets"] = [{"target": text, "pass": ok} for text, ok in checks]
        status = 0 if all(ok for _, ok in checks) else 1
    except KeyboardInterrupt:
        say("interrupted")
        result["error"] = "interrupted"
    except Exception as exc:  # noqa: BLE001 - reported, then cleaned up
        traceback.print_exc()
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        for stop in reversed(cleanup):
            try:
                stop()
            except Exception:  # noqa: BLE001
                traceback.print_exc()
        if args.keep:
            say(f"kept: {', '.join(urls.values()) if 'urls' in locals() else '-'}")
        else:
            if pg_name:
                c.drop_database(args.admin_url, pg_name)
            if sqlite_dir and not args.sqlite_dir:
                shutil.rmtree(sqlite_dir, ignore_errors=True)
            elif sqlite_dir:
                for suffix in ("", "-wal", "-shm"):
                    Path(str(sqlite_dir / "needs_near.sqlite3") + suffix).unlink(missing_ok=True)
        path = RESULTS / f"needs_near-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
        path.write_text(json.dumps(result, indent=2, default=str))
        print(f"\nResults: {path}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
