"""Benchmark POST /sms/inbound (the Twilio webhook) against a bare Flask ceiling, in one run.

    .venv/bin/python bench/sms_inbound.py [--workers 3] [--duration 24] [--rounds 6] [--rate 100] [--burst 2000]

Creates a throwaway PostgreSQL database, migrates it, creates a group, starts the app and
bench/bare_app.py under the same gunicorn settings, then drives both with the same generator of
signed, Twilio-shaped messages: (a) closed-loop max throughput, (b) latency at a fixed open-loop
rate, (c) a burst with replays, checked against the database. In (a) a third server,
bench/floor_app.py (bare plus the one durable INSERT), shows how much of the gap is the write
itself. Prints a table and PASS/FAIL for the targets, writes
bench/results/sms_inbound-<timestamp>.json, and drops the database.
Exit status: 0 all targets met, 1 a target failed, 2 the bench itself failed.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_THROUGHPUT_RATIO = 0.5
TARGET_P99_MS = 100.0
REPLAY_FRACTION = 0.05
MAX_REQUESTS = 200_000  # per generator thread and round (bounds every loop; SIDs of rounds never overlap)
PHASES = {"sanity": 1, "warmup": 2, "throughput": 4, "rate": 6, "burst": 8}  # + the server's offset (SID space)
OFFSETS = {"app": 0, "bare": 1, "floor": 16}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers per server (default 3)")
    parser.add_argument("--duration", type=float, default=24.0, help="seconds for (a) and (b) (default 24)")
    parser.add_argument("--rounds", type=int, default=6,
                        help="alternating app/bare/floor rounds that share --duration in (a) (default 6)")
    parser.add_argument("--rate", type=float, default=100.0, help="open-loop messages/s for (b) (default 100)")
    parser.add_argument("--burst", type=int, default=2000, help="distinct messages in (c) (default 2000)")
    parser.add_argument("--connections", type=int, default=8, help="C: concurrent connections for (a), (c)")
    parser.add_argument("--open-senders", type=int, default=32,
                        help="most requests in flight in (b) before sends start late (default 32)")
    parser.add_argument("--numbers", type=int, default=2000,
                        help="distinct texters per phase (default 2000: under the per-number cap at ~2,500 msg/s)")
    parser.add_argument("--generator-processes", type=int, default=2,
                        help="load generator processes (threads are spread over them; default 2)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of unrecorded warm-up per server")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="an existing database to connect to for CREATE/DROP DATABASE")
    parser.add_argument("--no-floor", dest="floor", action="store_false",
                        help="leave out the floor server (bare + one durable INSERT) from (a)")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(argv)
    if min(args.rounds, args.workers, args.connections, args.open_senders, args.generator_processes, args.numbers) < 1 \
            or args.duration <= 0 or args.rate <= 0 or args.burst < 1:
        parser.error("counts, --duration and --rate must be positive")
    if args.numbers < args.connections:
        parser.error("--numbers must be at least --connections (each connection owns some texters)")
    return args


class Bench:
    """One run: owns the database, the two servers and the generator processes, and cleans them up."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.run_tag = secrets.randbits(32)
        self.token = "bench-" + secrets.token_hex(16)
        self.rng = random.Random(args.seed)
        self.db_name = self.db_url = None
        self.servers: dict[str, c.Gunicorn] = {}
        self.pool: ProcessPoolExecutor | None = None
        self.tmp = Path(tempfile.mkdtemp(prefix="mutualaid-bench-"))
        self.results: dict = {}

    # -- setup and teardown -------------------------------------------------------------------------

    def setup(self) -> None:
        a = self.args
        self.db_name, self.db_url = c.create_database(a.database_url)
        print(f"database {self.db_name} created", flush=True)
        app_port, bare_port = c.free_port(), c.free_port()
        while bare_port == app_port:
            bare_port = c.free_port()
        self.public_url = f"http://127.0.0.1:{app_port}"
        # Only this run's settings: nothing inherited that could point the app elsewhere (e.g. online geocoding).
        inherited = ("FLASK_", "MUTUALAID_", "TWILIO_", "SMS_", "GEOCODER", "RATELIMIT_", "DATABASE_URL",
                     "SECRET_KEY", "PUBLIC_BASE_URL", "TRUSTED_PROXIES", "LOG_LEVEL", "DEFAULT_REGION")
        env = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
        env.update(MUTUALAID_ENV="production", SECRET_KEY=secrets.token_hex(32), DATABASE_URL=self.db_url,
                   SMS_BACKEND="console", TWILIO_AUTH_TOKEN=self.token, PUBLIC_BASE_URL=self.public_url,
                   LOG_LEVEL="WARNING", GEOCODER="offline", PYTHONUNBUFFERED="1")  # the limiter on, as deployed
        self.env = env
        c.run_cli(["db", "upgrade"], env)
        print(c.run_cli(["groups", "create", "--slug", "bench", "--name", "Bench", "--postcode", "E8 1",
                         "--phone", c.GROUP_NUMBER], env), flush=True)
        self.servers["app"] = c.Gunicorn("app", "wsgi:app", app_port, a.workers, env, self.tmp / "app.log")
        self.servers["bare"] = c.Gunicorn("bare", "bench.bare_app:app", bare_port, a.workers, env,
                                          self.tmp / "bare.log")
        if a.floor:
            self.query("CREATE TABLE bench_floor (LIKE message INCLUDING ALL)")
            self.servers["floor"] = c.Gunicorn("floor", "bench.floor_app:app", c.free_port(), a.workers, env,
                                               self.tmp / "floor.log")
        for server in self.servers.values():
            server.start()
        for server in self.servers.values():
            server.wait_ready()
        print(", ".join(f"{name} on :{server.port}" for name, server in self.servers.items())
              + f", {a.workers} sync workers each", flush=True)
        self.pool = ProcessPoolExecutor(max_workers=a.generator_processes, mp_context=get_context("spawn"),
                                        initializer=c.child_init)
        list(self.pool.map(time.sleep, [0.5] * a.generator_processes))  # all start before anything is timed
        numbers = c.uk_mobiles(5 * a.numbers, a.seed)
        self.pools = {name: numbers[i * a.numbers:(i + 1) * a.numbers]
                      for i, name in enumerate(("warmup", "throughput", "rate", "burst", "spare"))}

    def teardown(self) -> None:
        if self.pool is not None:
            processes = list(getattr(self.pool, "_processes", {}).values())
            self.pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:  # only the generator processes this bench started
                process.join(timeout=5)
                if process.is_alive():
                    process.kill()
        for server in self.servers.values():
            try:
                server.stop()
            except Exception as exc:  # noqa: BLE001 - keep cleaning up
                print(f"stopping {server.name}: {exc}", file=sys.stderr)
        if self.db_name:
            try:
                c.drop_database(self.args.database_url, self.db_name)
                print(f"database {self.db_name} dropped", flush=True)
            except Exception as exc:  # noqa: BLE001
                print(f"could not drop database {self.db_name}: {exc}", file=sys.stderr)

    # -- helpers ------------------------------------------------------------------------------------

    def job(self, server: str, phase: str, **extra) -> dict:
        return {"port": self.servers[server].port, "token": self.token, "url": self.public_url + c.INBOUND_PATH,
                "run_tag": self.run_tag, "phase": PHASES[phase] + OFFSETS[server], "seed": self.args.seed, **extra}

    def run_jobs(self, func, jobs: list[dict], server: str) -> tuple[c.Tally, dict]:
        """Run one job per generator process; returns the merged tally and CPU seconds spent."""
        meter = c.CpuMeter({
            "server": lambda: self.servers[server].pids(),
            "postgres": lambda: c.postgres_pids(self.db_name),
            "generator": lambda: [os.getpid(), *[p.pid for p in self.pool._processes.values()]],
        })
        meter.start()
        total = c.Tally()
        for tally in self.pool.map(func, jobs):
            total.merge(tally)
        return total, meter.stop()

    def start_at(self) -> float:
        return time.monotonic() + 0.3

    def closed_jobs(self, server: str, phase: str, duration: float, seq0: int = 0) -> list[dict]:
        a, pool = self.args, self.pools[phase]
        threads = [(g, pool[g::a.connections]) for g in range(a.connections)]
        start_at = self.start_at()
        return [self.job(server, phase, threads=part, start_at=start_at, duration=duration, max_requests=MAX_REQUESTS,
                         seq0=seq0) for part in c.chunk(threads, a.generator_processes) if part]

    def sanity(self) -> None:
        """One good message must be accepted and stored, one with a wrong signature refused."""
        signer = c.Signer(self.token, self.public_url + c.INBOUND_PATH)
        sid = c.message_sid(self.run_tag, PHASES["sanity"], 0, 0)
        body, headers = signer.request(sid, self.pools["spare"][0], "HELP")
        client = c.Client(self.servers["app"].port)
        status, response_headers, answer = client.exchange(body, headers)
        self.sanity_info = {"content_type": response_headers.get("Content-Type"), "body": answer.decode(errors="replace"),
                            "sets_cookie": response_headers.get("Set-Cookie") is not None}
        bad_sid = c.message_sid(self.run_tag, PHASES["sanity"], 0, 1)
        bad_body, bad_headers = signer.request(bad_sid, self.pools["spare"][0], "HELP")
        bad_headers["X-Twilio-Signature"] = "AAAA" + bad_headers["X-Twilio-Signature"][4:]
        bad_status = client.post(bad_body, bad_headers)
        client.close()
        stored = self.query("SELECT count(*) FROM message WHERE provider_sid = ANY(%s)", [[sid, bad_sid]])[0][0]
        if status != 200 or bad_status != 403 or stored != 1:
            raise RuntimeError(f"sanity check failed: signed -> {status}, bad signature -> {bad_status}, "
                               f"rows stored {stored} (want 200, 403, 1)\n{self.servers['app'].log_tail()}")
        if "floor" in self.servers:
            client = c.Client(self.servers["floor"].port)
            status = client.post(body, headers)
            client.close()
            stored = self.query("SELECT count(*) FROM bench_floor WHERE provider_sid = %s", [sid])[0][0]
            if status != 200 or stored != 1:
                raise RuntimeError(f"floor sanity check failed: {status}, rows stored {stored} (want 200, 1)\n"
                                   f"{self.servers['floor'].log_tail()}")

    def query(self, sql: str, params=None) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.db_url) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    # -- the three measurements ---------------------------------------------------------------------

    def measured(self) -> tuple[str, ...]:
        """The servers (a) measures: the app, bare and, unless --no-floor, the floor."""
        return tuple(name for name in ("app", "bare", "floor") if name in self.servers)

    def warmup(self, server: str) -> None:
        if self.args.warmup > 0:
            self.run_jobs(c.closed_loop, self.closed_jobs(server, "warmup", self.args.warmup), server)

    def throughput(self) -> dict:
        """a. The closed loop in alternating rounds (app, bare[, floor], app, bare ...), --duration split between them.

        A shared machine drifts (other tenants, caches, the database growing); alternating lets any
        slow spell fall on every server instead of on whichever ran first.
        """
        a = self.args
        rounds = {server: [] for server in self.measured()}
        for n in range(a.rounds):
            for server in rounds:
                print(f"measuring throughput on {server}, round {n + 1} of {a.rounds} ...", flush=True)
                jobs = self.closed_jobs(server, "throughput", a.duration / a.rounds, seq0=n * MAX_REQUESTS)
                rounds[server].append(self.run_jobs(c.closed_loop, jobs, server))
                time.sleep(0.5)
        return {server: combine_rounds(parts) for server, parts in rounds.items()}

    def rate(self, server: str) -> dict:
        a = self.args
        count = int(a.rate * a.duration)
        processes = a.generator_processes
        start_at = self.start_at()
        senders = max(1, math.ceil(a.open_senders / processes))
        jobs = [self.job(server, "rate", numbers=self.pools["rate"], offset=p, stride=processes, count=count,
                         rate=a.rate, start_at=start_at, duration=a.duration, grace=10.0, senders=senders)
                for p in range(processes)]
        tally, cpu = self.run_jobs(c.open_loop, jobs, server)
        result = c.summary(tally)
        result["scheduled"] = count
        # Achieved: completions over the time from the first scheduled send to the last answer.
        result["achieved_per_second"] = result.pop("per_second")
        result["cpu_s"] = cpu
        result["cpu_ms_per_request"] = per_request(cpu, result["requests"])
        return result

    def burst_plan(self, server: str) -> tuple[list[list], list[str], int]:
        """Per-connection lists: originals, and ~5% replays placed right after their original on the next
        connection (so some race the original while it is in flight)."""
        a = self.args
        conns, phase = a.connections, PHASES["burst"] + (0 if server == "app" else 1)
        signer = c.Signer(self.token, self.public_url + c.INBOUND_PATH)
        numbers = self.pools["burst"]
        texters = c.Texters(numbers, a.seed + phase)
        keyed: list[list] = [[] for _ in range(conns)]
        originals = []
        for g in range(conns):
            own = numbers[g::conns]
            for k in range(a.burst // conns + (1 if g < a.burst % conns else 0)):
                sid = c.message_sid(self.run_tag, phase, g, k)
                sender = own[k % len(own)]
                body, headers = signer.request(sid, sender, texters.next_body(sender))
                keyed[g].append((float(k), (sid, False, body, headers)))
                originals.append((g, k, (sid, True, body, headers)))
        replays = self.rng.sample(originals, max(1, round(len(originals) * REPLAY_FRACTION)))
        for g, k, item in replays:
            keyed[(g + 1) % conns].append((k + 0.5, item))
        lists = [[item for _, item in sorted(entries, key=lambda e: e[0])] for entries in keyed]
        return lists, [o[2][0] for o in originals], len(replays)

    def burst(self, server: str) -> dict:
        a = self.args
        lists, sids, replays = self.burst_plan(server)
        start_at = self.start_at()
        jobs = [self.job(server, "burst", lists=part, start_at=start_at)
                for part in c.chunk(lists, a.generator_processes) if part]
        tally, cpu = self.run_jobs(c.burst, jobs, server)
        result = c.summary(tally)
        result["cpu_s"] = cpu
        result["cpu_ms_per_request"] = per_request(cpu, result["requests"])
        result["originals"] = len(sids)
        result["replays"] = replays
        result["replays_200"] = sum(1 for _, is_replay, status in tally.replies if is_replay and status == 200)
        result["originals_200"] = sum(1 for _, is_replay, status in tally.replies if not is_replay and status == 200)
        if server == "app":
            result.update(self.check_burst(sids))
        return result

    def check_burst(self, sids: list[str]) -> dict:
        """What the database holds for the burst's MessageSids."""
        time.sleep(0.2)
        rows, distinct = self.query(
            "SELECT count(*), count(DISTINCT provider_sid) FROM message WHERE direction = 'in' "
            "AND provider_sid = ANY(%s)", [sids])[0]
        statuses = dict(self.query(
            "SELECT status, count(*) FROM message WHERE direction = 'in' AND provider_sid = ANY(%s) "
            "GROUP BY status ORDER BY status", [sids]))
        queued = self.query(
            "SELECT count(*) FROM message WHERE direction = 'out' AND status = 'queued' AND to_number = ANY(%s)",
            [self.pools["burst"]])[0][0]
        return {"inbound_rows": rows, "distinct_sids": distinct, "duplicates": rows - distinct,
                "lost": len(set(sids)) - distinct, "inbound_statuses": statuses, "replies_queued": queued}

    def process_burst(self) -> dict:
        """d. Run the `process_inbound` job (as the scheduler would, every second) until nothing is left waiting.

        The webhook only stores; this shows that every stored text of the run is then answered, and how fast.
        """
        started, runs = time.monotonic(), 0
        while runs < 200 and self.query("SELECT count(*) FROM message WHERE direction = 'in' AND status = 'received'")[0][0]:
            c.run_cli(["jobs", "run", "process_inbound"], self.env, timeout=3600)  # one run answers all that waits
            runs += 1
        elapsed = time.monotonic() - started
        statuses = dict(self.query("SELECT status, count(*) FROM message WHERE direction = 'in' GROUP BY status"))
        replies = self.query("SELECT count(*) FROM message WHERE direction = 'out'")[0][0]
        handled = sum(v for k, v in statuses.items() if k != "received")
        return {"elapsed_s": round(elapsed, 1), "job_runs": runs, "inbound_statuses": statuses,
                "left_waiting": statuses.get("received", 0), "handled": handled, "replies_queued": replies,
                "handled_per_second": round(handled / elapsed, 1) if elapsed else None}

    # -- the run ------------------------------------------------------------------------------------

    def run(self) -> dict:
        a = self.args
        self.setup()
        self.sanity()
        for server in self.measured():
            self.warmup(server)
        out = {"throughput": self.throughput(), "rate": {}, "burst": {}}
        for name, measure in (("rate", self.rate), ("burst", self.burst)):
            for server in ("app", "bare"):
                print(f"measuring {name} on {server} ...", flush=True)
                out[name][server] = measure(server)
                time.sleep(0.5)
        print("answering the burst (process_inbound job) ...", flush=True)
        out["processing"] = self.process_burst()
        out["app_inbound_statuses"] = dict(self.query(
            "SELECT status, count(*) FROM message WHERE direction = 'in' GROUP BY status ORDER BY status"))
        out["app_server_log_tail"] = self.servers["app"].log_tail(10)
        out["app_webhook_response"] = self.sanity_info
        return out


def combine_rounds(parts: list[tuple[c.Tally, dict]]) -> dict:
    """One server's rounds of (a) as one result: 200s over the rounds' summed time, latencies pooled."""
    summaries = [c.summary(tally) for tally, _ in parts]
    merged = c.Tally()
    for tally, _ in parts:
        merged.merge(tally)
    result = c.summary(merged)  # its elapsed time spans the other server's rounds too: replaced below
    elapsed = sum(s["elapsed_s"] for s in summaries)
    result["elapsed_s"] = round(elapsed, 3)
    result["per_second"] = round(result["ok"] / elapsed, 1) if elapsed > 0 else 0.0
    result["rounds_per_second"] = [s["per_second"] for s in summaries]
    cpu = {key: round(sum(part[1][key] for part in parts), 3) for key in parts[0][1]}
    result["cpu_s"] = cpu
    result["cpu_ms_per_request"] = per_request(cpu, result["requests"])
    return result


def per_request(cpu: dict, requests: int) -> dict:
    """CPU milliseconds per request for each process group; "other" is the rest of the machine."""
    return {k: round(v * 1000.0 / requests, 2) if requests else None for k, v in cpu.items()
            if k in ("server", "postgres", "generator", "other")}


# ---------------------------------------------------------------------------------------------------
# Report


def background(cpu: dict) -> float | None:
    """Cores used by processes outside the bench during a measurement (noise; ideally ~0)."""
    return round(cpu["other"] / cpu["wall_s"], 2) if cpu.get("wall_s") else None


def ratio(a: dict, b: dict) -> float:
    """a's requests/s over b's (0 when b answered nothing)."""
    return a["per_second"] / b["per_second"] if b["per_second"] else 0.0


def fmt(value, spec: str = "") -> str:
    if value is None:
        return "-"
    return format(value, spec) if spec else str(value)


def targets(out: dict, args) -> list[tuple[str, bool, str]]:
    tp_app, tp_bare = out["throughput"]["app"]["per_second"], out["throughput"]["bare"]["per_second"]
    ratio = tp_app / tp_bare if tp_bare else 0.0
    rate = out["rate"]["app"]
    burst = out["burst"]["app"]
    p99 = rate["p99_ms"]
    return [
        (f"app throughput >= {TARGET_THROUGHPUT_RATIO:.0%} of bare", ratio >= TARGET_THROUGHPUT_RATIO,
         f"{tp_app:.1f} vs {tp_bare:.1f} req/s = {ratio:.0%}"),
        (f"p99 < {TARGET_P99_MS:.0f} ms at {args.rate:g} msg/s", p99 is not None and p99 < TARGET_P99_MS
         and rate["errors"] == 0, f"p99 {fmt(p99)} ms, {rate['errors']} errors"),
        ("zero lost or duplicated in the burst", burst["lost"] == 0 and burst["duplicates"] == 0
         and burst["replays_200"] == burst["replays"],
         f"lost {burst['lost']}, duplicates {burst['duplicates']}, "
         f"replays answered 200: {burst['replays_200']}/{burst['replays']}"),
        ("every stored text then handled by the job", out["processing"]["left_waiting"] == 0
         and out["processing"]["handled"] > 0,
         f"{out['processing']['handled']} handled, {out['processing']['left_waiting']} left waiting, "
         f"{out['processing']['replies_queued']} replies queued"),
    ]


def report(out: dict, args) -> str:
    a, lines = args, []
    width = 44

    def row(label, app, bare=None):
        lines.append(f"  {label:<{width}}{fmt(app):>12}{fmt(bare):>12}")

    def cpu_row(section):
        app, bare = section["app"]["cpu_ms_per_request"], section["bare"]["cpu_ms_per_request"]
        for part, label in (("server", "gunicorn workers"), ("postgres", "postgres (bench db)"),
                            ("generator", "load generator")):
            row(f"CPU ms/request: {label}", app[part], bare[part])
        row("other processes on the machine, cores", *(background(section[s]["cpu_s"]) for s in ("app", "bare")))

    lines.append(f"{'':<{width + 2}}{'app':>12}{'bare':>12}")
    t = out["throughput"]
    lines.append(f"a. max throughput: closed loop, {a.connections} connections, {a.duration:g} s "
                 f"in {a.rounds} alternating rounds")
    row("requests/s", t["app"]["per_second"], t["bare"]["per_second"])
    if a.rounds > 1:
        for n, (x, y) in enumerate(zip(t["app"]["rounds_per_second"], t["bare"]["rounds_per_second"]), 1):
            row(f"  round {n}: requests/s (app/bare {x / y:.0%})" if y else f"  round {n}: requests/s", x, y)
    row("requests", t["app"]["requests"], t["bare"]["requests"])
    row("p50 ms", t["app"]["p50_ms"], t["bare"]["p50_ms"])
    row("p99 ms", t["app"]["p99_ms"], t["bare"]["p99_ms"])
    row("errors", t["app"]["errors"], t["bare"]["errors"])
    cpu_row(t)
    if "floor" in t:
        f = t["floor"]
        lines.append("  floor: bare + one durable INSERT, no signature, no app (bench/floor_app.py)")
        row("  requests/s (floor/bare, app/floor)", f["per_second"],
            f"{ratio(f, t['bare']):.0%}, {ratio(t['app'], f):.0%}")
        row("  errors", f["errors"])
        row("  CPU ms/request: workers, postgres", f["cpu_ms_per_request"]["server"],
            f["cpu_ms_per_request"]["postgres"])
    r = out["rate"]
    lines.append(f"b. open loop at {a.rate:g} msg/s for {a.duration:g} s (latency from the scheduled send time)")
    row("achieved msg/s", r["app"]["achieved_per_second"], r["bare"]["achieved_per_second"])
    row("p50 ms", r["app"]["p50_ms"], r["bare"]["p50_ms"])
    row("p99 ms", r["app"]["p99_ms"], r["bare"]["p99_ms"])
    row("max ms", r["app"]["max_ms"], r["bare"]["max_ms"])
    row("errors", r["app"]["errors"], r["bare"]["errors"])
    row("  of which not sent by the end + 10 s", r["app"]["not_sent"], r["bare"]["not_sent"])
    cpu_row(r)
    b = out["burst"]
    lines.append(f"c. burst: {a.burst} distinct + {b['app']['replays']} replays, {a.connections} connections")
    row("elapsed s", b["app"]["elapsed_s"], b["bare"]["elapsed_s"])
    row("requests/s", b["app"]["per_second"], b["bare"]["per_second"])
    row("p50 ms", b["app"]["p50_ms"], b["bare"]["p50_ms"])
    row("p99 ms", b["app"]["p99_ms"], b["bare"]["p99_ms"])
    row("errors", b["app"]["errors"], b["bare"]["errors"])
    cpu_row(b)
    row("replays answered 200", f"{b['app']['replays_200']}/{b['app']['replays']}",
        f"{b['bare']['replays_200']}/{b['bare']['replays']}")
    row("inbound rows stored", b["app"]["inbound_rows"])
    row("distinct MessageSids", b["app"]["distinct_sids"])
    row("duplicates (must be 0)", b["app"]["duplicates"])
    row("lost (must be 0)", b["app"]["lost"])
    row("replies queued in the outbox", b["app"]["replies_queued"])
    row("inbound rows by status", ", ".join(f"{k} {v}" for k, v in b["app"]["inbound_statuses"].items()))
    d = out["processing"]
    lines.append("d. answering every stored text of the run (`flask jobs run process_inbound` until none waits)")
    row("texts handled", d["handled"])
    row("left waiting (must be 0)", d["left_waiting"])
    row("replies queued in the outbox", d["replies_queued"])
    row("elapsed s (incl. CLI start-ups)", d["elapsed_s"])
    row("texts handled per second", d["handled_per_second"])
    row("inbound rows by status", ", ".join(f"{k} {v}" for k, v in sorted(d["inbound_statuses"].items())))
    lines.append("")
    lines.append("Targets")
    for name, ok, detail in targets(out, a):
        lines.append(f"  {'PASS' if ok else 'FAIL'}  {name:<40} {detail}")
    noise = max(background(out[m][s]["cpu_s"]) or 0.0 for m in ("throughput", "rate", "burst") for s in ("app", "bare"))
    if noise > 0.25:
        lines.append(f"  note: other processes used up to {noise:.2f} of the {os.cpu_count()} cores during the run; "
                     "the numbers are pessimistic, repeat on a quiet machine")
    if out["app_webhook_response"]["sets_cookie"]:
        lines.append("  note: the app's webhook answer carries a Set-Cookie (a session was written)")
    limited = out["app_inbound_statuses"].get("rate_limited", 0)
    if limited:
        lines.append(f"  note: {limited} inbound rows were rate limited (cheaper path); raise --numbers")
    return "\n".join(lines)


def interrupted(signum, frame):
    """SIGTERM cleans up like Ctrl-C."""
    raise KeyboardInterrupt


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, interrupted)
    bench = Bench(args)
    started = datetime.now(timezone.utc)
    try:
        out = bench.run()
    except KeyboardInterrupt:
        print("\ninterrupted; cleaning up", file=sys.stderr)
        return 2
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        print("bench failed", file=sys.stderr)
        return 2
    finally:
        bench.teardown()
    text = report(out, args)
    print()
    print(text)
    checks = targets(out, args)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"sms_inbound-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    document = {
        "started": started.isoformat(), "finished": datetime.now(timezone.utc).isoformat(),
        "settings": {k.replace("_", "-"): v for k, v in vars(args).items()},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "commit": git_commit(),
        "results": out,
        "targets": [{"name": n, "pass": ok, "detail": d} for n, ok, d in checks],
        "table": text,
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    print(f"\nresults written to {path.relative_to(c.REPO)}")
    return 0 if all(ok for _, ok, _ in checks) else 1


def git_commit() -> dict:
    """The commit measured, and whether the working tree had uncommitted changes to app code."""
    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=c.REPO, capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return ""
    changed = [line[3:] for line in git("status", "--porcelain").splitlines() if not line[3:].startswith("bench/")]
    return {"head": git("rev-parse", "HEAD").strip() or None, "uncommitted_paths": len(changed)}


if __name__ == "__main__":
    sys.exit(main())
