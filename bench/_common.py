"""Shared pieces for the bench scripts: a throwaway database, gunicorn servers, Twilio-shaped traffic,
a lean load generator (processes x threads, one http.client connection per thread) and statistics.

Everything here listens on or talks to 127.0.0.1 only, and every loop is bounded in count and time.
The generator functions (`closed_loop`, `open_loop`, `burst`) run in child processes, so this module
imports nothing heavy at the top.
"""
from __future__ import annotations

import http.client
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
INBOUND_PATH = "/sms/inbound"
GROUP_NUMBER = "+442071234567"
ACCOUNT_SID = "AC" + "b" * 32
MESSAGING_SERVICE_SID = "MG" + "b" * 32
REQUEST_TIMEOUT = 15.0  # seconds; a request slower than this counts as an error

# What neighbours text: one-shot requests, dialogues (opener, what, where, how soon), keywords.
ONE_SHOTS = (
    "need groceries E8 3RH today",
    "Could someone collect my prescription from the chemist? N16 7TX tomorrow",
    "need a food parcel for 2 adults E5 0LL this week",
    "dog walking needed, I've hurt my ankle. E9 6AA no rush",
    "please can someone help with shopping E8 1DY today",
)
DIALOGUES = (
    ("hello", "need someone to pick up some shopping", "E8 3RH", "2"),
    ("hi", "my fridge broke, need help getting food in", "E5 0LL", "1"),
    ("Hello", "prescription collection please", "N16 7TX", "3"),
)
KEYWORDS = (("HELP",), ("STATUS",))
SCRIPTS = [(s if isinstance(s, tuple) else (s,)) for s in ONE_SHOTS] + list(DIALOGUES) + list(KEYWORDS)
WEIGHTS = [0.45 / len(ONE_SHOTS)] * len(ONE_SHOTS) + [0.30 / len(DIALOGUES)] * len(DIALOGUES) \
    + [0.25 / len(KEYWORDS)] * len(KEYWORDS)


# ---------------------------------------------------------------------------------------------------
# Processes, ports, CPU accounting


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tool(name: str) -> list[str]:
    """The command for a console script of this virtualenv (e.g. gunicorn, flask)."""
    path = BIN / name
    return [str(path)] if path.exists() else [sys.executable, "-m", name]


_CLK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (0 when it is gone)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / _CLK if fields else 0.0


def children(pid: int) -> list[int]:
    """Direct children of `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) and fields[1] == str(pid):
            found.append(int(entry))
    return found


def postgres_pids(database: str) -> list[int]:
    """PostgreSQL backends serving `database` (other databases on the server are someone else's load)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                title = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres:") and f" {database} " in title:
                pids.append(int(entry))
    return pids


def machine_cpu() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the whole machine since boot, from /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = \
        (int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9])
    return (user + nice + system + irq + softirq) / _CLK, steal / _CLK


class CpuMeter:
    """CPU seconds spent by groups of processes between `start()` and `stop()` (10 ms ticks, approximate),
    plus what the rest of the machine used meanwhile ("other": processes outside the bench)."""

    def __init__(self, groups: dict):
        self.groups = groups  # name -> callable returning pids
        self.before: dict = {}

    def snapshot(self) -> dict:
        return {name: {pid: cpu_seconds(pid) for pid in pids()} for name, pids in self.groups.items()}

    def start(self) -> None:
        self.machine, self.wall = machine_cpu(), time.monotonic()
        self.before = self.snapshot()

    def stop(self) -> dict:
        after = self.snapshot()
        (busy, steal), wall = machine_cpu(), time.monotonic() - self.wall
        used = {name: sum(max(0.0, cpu - self.before[name].get(pid, 0.0)) for pid, cpu in after[name].items())
                for name in after}
        used["other"] = max(0.0, busy - self.machine[0] - sum(used.values()))
        used = {name: round(v, 3) for name, v in used.items()}
        used["wall_s"] = round(wall, 3)
        used["steal_s"] = round(steal - self.machine[1], 3)
        return used


# ---------------------------------------------------------------------------------------------------
# The throwaway database


def database_url(admin_url: str, name: str) -> str:
    """`admin_url` pointing at database `name` instead."""
    parts = urlsplit(admin_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def create_database(admin_url: str) -> tuple[str, str]:
    """Create mutualaid_bench_<random>; returns (name, url)."""
    import psycopg

    name = f"mutualaid_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, database_url(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    """Drop the bench database, disconnecting anyone still on it."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_cli(args: list[str], env: dict, timeout: float = 300) -> str:
    """Run `flask --app wsgi <args>` in the repository; raise with its output when it fails."""
    done = subprocess.run(tool("flask") + ["--app", "wsgi", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout.strip()


# ---------------------------------------------------------------------------------------------------
# gunicorn


class Gunicorn:
    """One gunicorn master (sync workers) on 127.0.0.1:port, in its own session; stopped by its pid."""

    def __init__(self, name: str, target: str, port: int, workers: int, env: dict, log_path: Path):
        self.name, self.target, self.port, self.workers = name, target, port, workers
        self.env, self.log_path = env, log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        cmd = tool("gunicorn") + ["-w", str(self.workers), "-b", f"127.0.0.1:{self.port}", self.target]
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until /healthz answers 200 and every worker has booted."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} server exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                status = conn.getresponse().status
                conn.close()
                if status == 200 and len(children(self.proc.pid)) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} server not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def pids(self) -> list[int]:
        if self.proc is None or self.proc.poll() is not None:
            return []
        return [self.proc.pid, *children(self.proc.pid)]

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the session this bench started
                self.proc.wait(timeout=5)
        self.log.close()


# ---------------------------------------------------------------------------------------------------
# Twilio-shaped traffic


def uk_mobiles(count: int, seed: int) -> list[str]:
    """`count` distinct +447911xxxxxx numbers that the phonenumbers library calls valid."""
    import phonenumbers

    rng, numbers, seen = random.Random(seed), [], set()
    for _ in range(count * 50):
        number = f"+447911{rng.randrange(10 ** 6):06d}"
        if number not in seen and phonenumbers.is_valid_number(phonenumbers.parse(number)):
            seen.add(number)
            numbers.append(number)
            if len(numbers) == count:
                return numbers
    raise RuntimeError("could not find enough valid numbers")


class Texters:
    """Each number walks through scripts (one-shot, dialogue, keyword), one message at a time."""

    def __init__(self, numbers: list[str], seed: int):
        self.rng = random.Random(seed)
        self.pending = {n: deque() for n in numbers}
        self.lock = threading.Lock()

    def next_body(self, number: str) -> str:
        with self.lock:
            queue = self.pending[number]
            if not queue:
                queue.extend(self.rng.choices(SCRIPTS, WEIGHTS)[0])
            return queue.popleft()


class Signer:
    """Builds the POST Twilio would send: its fields, form-encoded, with X-Twilio-Signature."""

    def __init__(self, token: str, url: str):
        from twilio.request_validator import RequestValidator

        self.validator = RequestValidator(token)
        self.url = url  # exactly what the app verifies: PUBLIC_BASE_URL + /sms/inbound

    def request(self, sid: str, sender: str, body: str) -> tuple[bytes, dict]:
        form = {
            "ToCountry": "GB", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "",
            "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received", "FromCity": "",
            "Body": body, "FromCountry": "GB", "To": GROUP_NUMBER, "MessagingServiceSid": MESSAGING_SERVICE_SID,
            "ToZip": "", "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": sid,
            "AccountSid": ACCOUNT_SID, "From": sender, "ApiVersion": "2010-04-01",
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": self.validator.compute_signature(self.url, form),
            "I-Twilio-Idempotency-Token": sid[2:10] + "-" + sid[10:],
            "User-Agent": "TwilioProxy/1.1",
            "Accept": "*/*",
        }
        return urlencode(form).encode(), headers


def message_sid(run_tag: int, phase: int, thread: int, seq: int) -> str:
    """A MessageSid unique to this run, phase, generator thread and sequence number (SM + 32 hex)."""
    return f"SM{run_tag:08x}{phase:02x}{thread:06x}{seq:016x}"


class Client:
    """One persistent http.client connection (it reconnects when the server closes, as sync gunicorn does)."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)

    def post(self, body: bytes, headers: dict) -> int:
        return self.exchange(body, headers)[0]

    def exchange(self, body: bytes, headers: dict) -> tuple[int, http.client.HTTPMessage, bytes]:
        """POST to /sms/inbound: (status, response headers, response body)."""
        try:
            self.conn.request("POST", INBOUND_PATH, body, headers)
            response = self.conn.getresponse()
            return response.status, response.headers, response.read()
        except Exception:
            self.conn.close()
            raise

    def close(self) -> None:
        self.conn.close()


@dataclass
class Tally:
    """What one generator thread saw."""

    latencies: list = field(default_factory=list)  # ms
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    first: float = float("inf")  # monotonic time of the first send (or scheduled send)
    last: float = 0.0  # monotonic time of the last completion
    not_sent: int = 0
    replies: list = field(default_factory=list)  # (sid, is_replay, status) in the burst

    def record(self, start: float, end: float, status: int | None, error: str | None = None) -> None:
        self.latencies.append((end - start) * 1000.0)
        self.first, self.last = min(self.first, start), max(self.last, end)
        if status is None:
            self.errors[error] += 1
        else:
            self.statuses[status] += 1

    def merge(self, other: "Tally") -> None:
        self.latencies += other.latencies
        self.statuses += other.statuses
        self.errors += other.errors
        self.first, self.last = min(self.first, other.first), max(self.last, other.last)
        self.not_sent += other.not_sent
        self.replies += other.replies


def _send(client: Client, body: bytes, headers: dict) -> tuple[int | None, str | None]:
    try:
        return client.post(body, headers), None
    except Exception as exc:  # noqa: BLE001 - every failure is counted, none stops the bench
        return None, type(exc).__name__


def _run_threads(target, count: int) -> None:
    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def child_init() -> None:
    """Generator processes: Ctrl-C is the parent's to handle; switch threads promptly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.setswitchinterval(0.0005)


def closed_loop(job: dict) -> Tally:
    """Each thread sends, waits for the answer, sends again, until the deadline (or max_requests)."""
    signer = Signer(job["token"], job["url"])
    total, lock = Tally(), threading.Lock()
    deadline = job["start_at"] + job["duration"]

    def worker(i: int) -> None:
        thread_id, numbers = job["threads"][i]
        texters, client, tally = Texters(numbers, job["seed"] + thread_id), Client(job["port"]), Tally()
        _sleep_until(job["start_at"])
        for seq in range(job["max_requests"]):
            number = numbers[seq % len(numbers)]
            body, headers = signer.request(message_sid(job["run_tag"], job["phase"], thread_id,
                                                       job.get("seq0", 0) + seq), number,
                                           texters.next_body(number))
            start = time.monotonic()
            if start >= deadline:
                break
            status, error = _send(client, body, headers)
            tally.record(start, time.monotonic(), status, error)
        client.close()
        with lock:
            total.merge(tally)

    _run_threads(worker, len(job["threads"]))
    return total


def open_loop(job: dict) -> Tally:
    """Send message i at start_at + i/rate whatever happened before; latency counts from that time.

    This process takes every `stride`-th message from `offset`; its threads are senders, each taking
    the next message of the timetable (if all are busy, sends start late and the lateness is counted).
    Messages not sent by start_at + duration + grace are counted as not sent.
    """
    signer = Signer(job["token"], job["url"])
    numbers = job["numbers"]
    texters = Texters(numbers, job["seed"] + job["offset"])
    schedule = iter(range(job["offset"], job["count"], job["stride"]))
    take = threading.Lock()
    total, lock = Tally(), threading.Lock()
    cutoff = job["start_at"] + job["duration"] + job["grace"]

    def worker(i: int) -> None:
        client, tally = Client(job["port"]), Tally()
        while True:
            with take:
                index = next(schedule, None)
            if index is None:
                break
            due = job["start_at"] + index / job["rate"]
            number = numbers[index % len(numbers)]
            body, headers = signer.request(message_sid(job["run_tag"], job["phase"], 0, index), number,
                                           texters.next_body(number))
            _sleep_until(due)
            if time.monotonic() > cutoff:
                tally.not_sent += 1
                continue
            status, error = _send(client, body, headers)
            tally.record(due, time.monotonic(), status, error)
        client.close()
        with lock:
            total.merge(tally)

    _run_threads(worker, job["senders"])
    return total


def burst(job: dict) -> Tally:
    """Each thread sends its prepared list (originals and replays) back to back."""
    total, lock = Tally(), threading.Lock()

    def worker(i: int) -> None:
        client, tally = Client(job["port"]), Tally()
        _sleep_until(job["start_at"])
        for sid, is_replay, body, headers in job["lists"][i]:
            start = time.monotonic()
            status, error = _send(client, body, headers)
            tally.record(start, time.monotonic(), status, error)
            tally.replies.append((sid, is_replay, status))
        client.close()
        with lock:
            total.merge(tally)

    _run_threads(worker, len(job["lists"]))
    return total


# ---------------------------------------------------------------------------------------------------
# Statistics


def percentile(values: list, q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of `values`, or None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def summary(tally: Tally, ok_status: int = 200) -> dict:
    """Counts and latency percentiles (ms) of a merged tally."""
    ok = tally.statuses.get(ok_status, 0)
    bad_status = sum(n for code, n in tally.statuses.items() if code != ok_status)
    elapsed = tally.last - tally.first if tally.latencies else 0.0
    return {
        "requests": len(tally.latencies),
        "ok": ok,
        "elapsed_s": round(elapsed, 3),
        "per_second": round(ok / elapsed, 1) if elapsed > 0 else 0.0,  # answered 200, per second
        "p50_ms": _round(percentile(tally.latencies, 50)),
        "p90_ms": _round(percentile(tally.latencies, 90)),
        "p99_ms": _round(percentile(tally.latencies, 99)),
        "max_ms": _round(max(tally.latencies) if tally.latencies else None),
        "errors": bad_status + sum(tally.errors.values()) + tally.not_sent,
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "exceptions": dict(tally.errors),
        "not_sent": tally.not_sent,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def chunk(items: list, parts: int) -> list[list]:
    """Split `items` round-robin into `parts` lists."""
    return [items[i::parts] for i in range(parts)]
