"""Benchmark the matcher on a synthetic London: our matcher vs greedy vs the exact reference.

Each method runs in its own subprocess (fresh interpreter, so peak memory is its own), under
a time limit and a memory cap. Run:  .venv/bin/python bench/matching.py [--sizes 20000,100000]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mutualaid.matching import (DEFAULT_K, DEFAULT_WEIGHTS, NeedArrays, VolunteerArrays, match_all,  # noqa: E402
                                match_exact, match_greedy)
from mutualaid.matching import lap  # noqa: E402
from mutualaid.matching.arrays import as_need_arrays, as_volunteer_arrays  # noqa: E402
from mutualaid.matching.candidates import all_edges  # noqa: E402
from mutualaid.matching.geometry import haversine_km  # noqa: E402

SECTORS = ROOT / "mutualaid" / "geo" / "data" / "gb_sectors.csv"
CENTRE, CITY_KM, SCATTER_KM = (51.5074, -0.1278), 25.0, 0.3
CATEGORIES = {  # share of needs, chance a volunteer offers it
    "groceries": (0.28, 0.70), "medicine": (0.15, 0.50), "transport": (0.10, 0.30), "errand": (0.10, 0.45),
    "company": (0.10, 0.40), "childcare": (0.04, 0.10), "household": (0.06, 0.20), "paperwork": (0.07, 0.20),
    "pets": (0.05, 0.25), "other": (0.05, 0.30)}
LANGUAGES = {  # share of needs in it, chance a volunteer speaks it (besides English)
    "en": (0.82, 0.97), "es": (0.07, 0.10), "pl": (0.03, 0.03), "bn": (0.02, 0.02), "ur": (0.02, 0.02),
    "ar": (0.02, 0.015), "pt": (0.02, 0.02)}
TARGET_SECONDS, TARGET_BYTES, TARGET_SIZE, EXACT_TOLERANCE = 10.0, 2 * 1024 ** 3, 100_000, 0.005
METHODS = {"ours": match_all, "greedy": match_greedy, "exact": match_exact}


def city_sectors() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Postcode-sector centroids within CITY_KM of central London, weighted by postcode count."""
    with SECTORS.open(newline="") as f:
        rows = list(csv.DictReader(f))
    lat, lon = (np.array([float(r[c]) for r in rows]) for c in ("lat", "lon"))
    weight = np.array([float(r["postcodes"]) for r in rows])
    near = haversine_km(*CENTRE, lat, lon) <= CITY_KM
    return lat[near], lon[near], weight[near] / weight[near].sum()


def scatter(rng: np.random.Generator, n: int, unknown: float) -> tuple[np.ndarray, np.ndarray]:
    """n points around sector centroids (Gaussian, ~300 m); a share `unknown` left without coordinates."""
    lat0, lon0, p = city_sectors()
    pick = rng.choice(lat0.size, size=n, p=p)
    lat = lat0[pick] + rng.normal(0, SCATTER_KM / 111.32, n)
    lon = lon0[pick] + rng.normal(0, SCATTER_KM / (111.32 * np.cos(np.radians(lat0[pick]))), n)
    lost = rng.random(n) < unknown
    lat[lost], lon[lost] = np.nan, np.nan
    return lat, lon


def make_city(n_needs: int, n_vols: int, seed: int) -> tuple[NeedArrays, VolunteerArrays]:
    """A reproducible city: clustered needs and volunteers with realistic categories, languages and reach."""
    rng = np.random.default_rng(seed)
    lat, lon = scatter(rng, n_needs, 0.02)
    cats, langs = list(CATEGORIES), list(LANGUAGES)
    needs = NeedArrays(
        ids=np.arange(1, n_needs + 1), lat=lat, lon=lon,
        category=rng.choice(cats, n_needs, p=[CATEGORIES[c][0] for c in cats]),
        language=rng.choice(langs, n_needs, p=[LANGUAGES[x][0] for x in langs]),
        urgency=rng.choice(3, n_needs, p=[0.25, 0.45, 0.30]), age_hours=np.minimum(rng.exponential(30, n_needs), 336))
    vlat, vlon = scatter(rng, n_vols, 0.01)
    has_car = rng.random(n_vols) < 0.30
    radius = np.where(has_car, rng.uniform(3, 10, n_vols), rng.uniform(1, 3, n_vols))  # drivers reach further
    capacity = rng.choice([1, 2, 3], n_vols, p=[0.5, 0.3, 0.2])
    offers = {c: rng.random(n_vols) < CATEGORIES[c][1] for c in cats}
    offers["groceries"] |= ~np.any(list(offers.values()), axis=0)  # everyone offers something
    speaks = {x: rng.random(n_vols) < LANGUAGES[x][1] for x in langs}
    speaks["es"] |= ~np.any(list(speaks.values()), axis=0)
    vols = VolunteerArrays(
        ids=np.arange(1, n_vols + 1), lat=vlat, lon=vlon, radius_km=radius, capacity=capacity,
        load=rng.binomial(capacity, 0.25), has_car=has_car, available=rng.random(n_vols) < 0.92,
        vetted=rng.random(n_vols) < 0.93, opted_out=rng.random(n_vols) < 0.01, offers=offers, speaks=speaks)
    return needs, vols


def max_matched(needs: NeedArrays, vols: VolunteerArrays) -> int:
    """The most needs any assignment can match: one max flow over every candidate pair (no costs)."""
    arrays, volunteers = as_need_arrays(needs), as_volunteer_arrays(vols)
    edges = all_edges(arrays, volunteers, DEFAULT_WEIGHTS)
    used = lap.maximum_matching(edges.need, edges.vol, np.ones(len(edges), dtype=np.int64), len(arrays),
                                len(volunteers), col_capacity=volunteers.spare)
    return int(used.sum())


def worker(method: str, size: int, seed: int, k: int | None) -> dict:
    """Run one method on one city in this (fresh) process; report time, peak RSS and quality."""
    needs, vols = make_city(size, size, seed)
    rss_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    before, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    if method == "count":
        matched, stats = max_matched(needs, vols), {"total_cost": None, "mean_distance_km": None}
    else:
        result = METHODS[method](needs, vols, **({} if method == "exact" else {"k": k}))
        matched, stats = result.matched, {key: v for key, v in result.stats.items() if isinstance(v, (int, float, str))}
    seconds, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"status": "ok", "method": method, "size": size, "k": k, "seconds": seconds, "cpu_seconds": cpu,
            "peak_rss_bytes": after.ru_maxrss * 1024, "rss_after_data_bytes": rss_data, "matched": matched,
            "total_cost": stats["total_cost"], "mean_distance_km": stats["mean_distance_km"], "stats": stats}


def run_child(method: str, size: int, seed: int, k: int | None, limit: float, mem_cap: int) -> dict:
    """Run `worker` in a subprocess under a time limit and an address-space cap."""
    def cap() -> None:
        """Limit the child's address space, so a runaway method fails instead of swapping."""
        resource.setrlimit(resource.RLIMIT_AS, (mem_cap, mem_cap))
    cmd = [sys.executable, __file__, "--worker", method, "--size", str(size), "--seed", str(seed),
           "--k", str(k or 0)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, preexec_fn=cap)
    except subprocess.TimeoutExpired:
        return {"status": f"timed out (>{limit:.0f} s)", "method": method, "size": size, "k": k}
    if done.returncode != 0:
        oom = "MemoryError" in done.stderr or "Unable to allocate" in done.stderr or done.returncode < 0
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        return {"status": "out of memory" if oom else f"failed: {tail[0]}", "method": method, "size": size, "k": k}
    return json.loads(done.stdout.strip().splitlines()[-1])


def cell(row: dict, key: str) -> str:
    """One table cell: the value, or the reason there is none."""
    if row["status"] != "ok" or row.get(key) is None:
        return row["status"] if key == "seconds" and row["status"] != "ok" else "-"
    value = row[key] / 2**20 if key == "peak_rss_bytes" else row[key]
    return format(value, {"seconds": "8.2f", "cpu_seconds": "7.2f", "peak_rss_bytes": "8.0f", "matched": "8d",
                          "mean_distance_km": "6.3f", "total_cost": "12.1f"}[key])


def table(rows: list[dict], exact: dict[int, int]) -> str:
    """Results side by side: one line per (size, method); 'vs exact' where exact finished."""
    head = (f"{'size':>8} {'method':<7} {'K':>3} {'wall s':>18} {'CPU s':>7} {'peak MiB':>8} {'matched':>8} "
            f"{'vs exact':>8} {'mean km':>7} {'total cost':>12}")
    lines = [head, "-" * len(head)]
    for r in rows:
        ok = r["status"] == "ok" and r["size"] in exact
        share = f"{100 * (r['matched'] / exact[r['size']] - 1):+7.2f}%" if ok else "-"
        k = r.get("stats", {}).get("k", r["k"])
        k = "-" if r["method"] in ("exact", "count") else ("all" if k == 0 else k)
        lines.append(f"{r['size']:>8} {r['method']:<7} {k:>3} {cell(r, 'seconds'):>18} "
                     f"{cell(r, 'cpu_seconds'):>7} {cell(r, 'peak_rss_bytes'):>8} {cell(r, 'matched'):>8} "
                     f"{share:>8} {cell(r, 'mean_distance_km'):>7} {cell(r, 'total_cost'):>12}")
    return "\n".join(lines)


def verdicts(rows: list[dict]) -> list[tuple[str, bool]]:
    """The targets, each with PASS/FAIL."""
    get = {(r["size"], r["method"]): r for r in rows}
    out = []
    big = get.get((TARGET_SIZE, "ours"))
    if big:
        ok = big["status"] == "ok"
        out.append((f"ours at {TARGET_SIZE:,} x {TARGET_SIZE:,}: under {TARGET_SECONDS:.0f} s",
                    ok and big["seconds"] < TARGET_SECONDS))
        out.append((f"ours at {TARGET_SIZE:,} x {TARGET_SIZE:,}: peak RSS under 2 GiB",
                    ok and big["peak_rss_bytes"] < TARGET_BYTES))
    for size in sorted({r["size"] for r in rows}):
        ours, greedy, exact = (get.get((size, m), {"status": "missing"}) for m in ("ours", "greedy", "exact"))
        exact = exact if exact["status"] == "ok" else get.get((size, "count"), exact)
        if ours["status"] == "ok" and exact["status"] == "ok":
            out.append((f"{size:,}: ours matched >= exact within 0.5 % ({ours['matched']} vs {exact['matched']}"
                        f"{' by max-flow count' if exact['method'] == 'count' else ''})",
                        ours["matched"] >= exact["matched"] * (1 - EXACT_TOLERANCE)))
        if ours["status"] == "ok" and greedy["status"] == "ok":
            out.append((f"{size:,}: ours matched clearly (>= 2 %) more than greedy "
                        f"({ours['matched']} vs {greedy['matched']})", ours["matched"] >= greedy["matched"] * 1.02))
    return out


def parse() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="20000,100000", help="needs = volunteers, comma-separated")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--k", type=int, default=None, help="K for ours/greedy (default: the library's)")
    parser.add_argument("--k-sweep", default="4,8,12,16,24", help="K values tried at the smallest size")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per method and size")
    parser.add_argument("--mem-cap-gb", type=float, default=12.0, help="address-space cap per child")
    parser.add_argument("--exact-count", action="store_true",
                        help="where exact fails, also count the most needs any assignment can match (one max flow "
                             "over every candidate pair; ~15 GiB and ~2 min at 100,000)")
    parser.add_argument("--count-mem-cap-gb", type=float, default=20.0)
    parser.add_argument("--worker", choices=sorted(METHODS) + ["count"], help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


def report(args: argparse.Namespace, k: int, rows: list[dict], sweep: list[dict], load_start: float) -> bool:
    """Print the tables and the targets; write the JSON; say whether every target passed."""
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"Synthetic London (sectors within {CITY_KM:.0f} km, scatter {SCATTER_KM * 1000:.0f} m), seed {args.seed}, "
          f"needs = volunteers = size; K = {k}; limits {args.time_limit:.0f} s and {args.mem_cap_gb:.0f} GiB per run")
    print(f"Load average (1 min) at start {load_start:.2f}, at end {os.getloadavg()[0]:.2f}, on {os.cpu_count()} "
          "cores; 'vs exact' = needs matched relative to exact, where exact finished\n")
    exact = {r["size"]: r["matched"] for r in rows if r["method"] in ("exact", "count") and r["status"] == "ok"}
    print(table(rows, exact))
    if any(r["method"] == "count" for r in rows):
        print("(count: the most needs any assignment can match, by one max flow over every candidate pair, no costs)")
    if sweep:
        reference = next((r for r in rows if r["size"] == sizes[0] and r["method"] == "exact"), None)
        cost = f"{reference['total_cost']:.1f}" if reference and reference["status"] == "ok" else "n/a"
        print(f"\nEffect of K (ours at {sizes[0]:,}; exact's total cost {cost})\n")
        print(table(sweep, exact))
    print("\nTargets (wall time and peak RSS of the child process running one method; RSS includes the data)")
    checks = verdicts(rows)
    for text, ok in checks:
        print(f"  [{'PASS' if ok else 'FAIL'}] {text}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"matching-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({"seed": args.seed, "k": k, "load_start": load_start, "rows": rows,
                                "k_sweep": sweep, "targets": [{"target": t, "pass": ok} for t, ok in checks]},
                               indent=2))
    print(f"\nJSON: {path.relative_to(ROOT)}")
    return all(ok for _, ok in checks)


def main() -> int:
    """Either be a worker, or run every method at every size (each in its own process) and report."""
    args = parse()
    if args.worker:
        print(json.dumps(worker(args.worker, args.size, args.seed, args.k or None)))
        return 0
    k, cap = args.k or DEFAULT_K, int(args.mem_cap_gb * 2**30)
    load_start, rows, sweep = os.getloadavg()[0], [], []
    for size in [int(s) for s in args.sizes.split(",")]:
        for method in ("ours", "greedy", "exact"):
            rows.append(run_child(method, size, args.seed, None if method == "exact" else k, args.time_limit, cap))
            print(f"  {size:>7} {method:<7} {rows[-1]['status']}", file=sys.stderr, flush=True)
        if args.exact_count and rows[-1]["status"] != "ok":
            rows.append(run_child("count", size, args.seed, None, args.time_limit, int(args.count_mem_cap_gb * 2**30)))
            print(f"  {size:>7} count   {rows[-1]['status']}", file=sys.stderr, flush=True)
    for kk in [int(x) for x in args.k_sweep.split(",") if x]:
        smallest = int(args.sizes.split(",")[0])
        sweep.append(run_child("ours", smallest, args.seed, kk, args.time_limit, cap) | {"sweep": True})
        print(f"  {smallest:>7} ours K={kk:<3} {sweep[-1]['status']}", file=sys.stderr, flush=True)
    return 0 if report(args, k, rows, sweep, load_start) else 1


if __name__ == "__main__":
    sys.exit(main())
