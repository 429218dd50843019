"""Benchmark the matcher on a synthetic London: our matcher vs greedy vs the exact reference.

Each method runs in its own subprocess (fresh interpreter, so peak memory is its own), under
a time limit and a memory cap. Run:  .venv/bin/python bench/matching.py [--sizes 20000,100000]
"""
from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mutualaid.matching import NeedArrays, VolunteerArrays, match_all, match_exact, match_greedy  # noqa: E402
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


def worker(method: str, size: int, seed: int, k: int | None) -> dict:
    """Run one method on one city in this (fresh) process; report time, peak RSS and quality."""
    needs, vols = make_city(size, size, seed)
    rss_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    kwargs = {} if method == "exact" else {"k": k}
    started = time.perf_counter()
    result = METHODS[method](needs, vols, **kwargs)
    seconds = time.perf_counter() - started
    stats = {key: value for key, value in result.stats.items() if isinstance(value, (int, float, str))}
    return {"status": "ok", "method": method, "size": size, "k": k, "seconds": seconds,
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "rss_after_data_bytes": rss_data, "matched": result.matched, "total_cost": stats["total_cost"],
            "mean_distance_km": stats["mean_distance_km"], "stats": stats}


def run_child(method: str, size: int, seed: int, k: int | None, limit: float, mem_cap: int) -> dict:
    """Run `worker` in a subprocess under a time limit and an address-space cap."""
    def cap() -> None:
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
    if row["status"] != "ok":
        return row["status"] if key == "seconds" else "-"
    value = row[key]
    return {"seconds": f"{value:8.2f}", "peak_rss_bytes": f"{value / 2**20:8.0f}", "matched": f"{value:8d}",
            "mean_distance_km": f"{value:6.3f}", "total_cost": f"{value:12.1f}"}[key]


def table(rows: list[dict]) -> str:
    """Results side by side: one line per (size, method)."""
    head = f"{'size':>8} {'method':<8} {'K':>3} {'seconds':>18} {'peak MiB':>8} {'matched':>8} {'mean km':>7} {'total cost':>12}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['size']:>8} {r['method']:<8} {r['k'] or '-':>3} {cell(r, 'seconds'):>18} "
                     f"{cell(r, 'peak_rss_bytes'):>8} {cell(r, 'matched'):>8} {cell(r, 'mean_distance_km'):>7} "
                     f"{cell(r, 'total_cost'):>12}")
    return "\n".join(lines)


def verdicts(rows: list[dict]) -> list[tuple[str, bool]]:
    """The targets, each with PASS/FAIL."""
    get = {(r["size"], r["method"]): r for r in rows if r["method"] in METHODS and r.get("sweep") is not True}
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
        if ours["status"] == "ok" and exact["status"] == "ok":
            out.append((f"{size:,}: ours matched >= exact within 0.5 % ({ours['matched']} vs {exact['matched']})",
                        ours["matched"] >= exact["matched"] * (1 - EXACT_TOLERANCE)))
        if ours["status"] == "ok" and greedy["status"] == "ok":
            out.append((f"{size:,}: ours matched clearly more than greedy ({ours['matched']} vs {greedy['matched']})",
                        ours["matched"] > greedy["matched"]))
    return out


def main() -> int:
    """Parse options; either be a worker or run every method at every size and report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="20000,100000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--k", type=int, default=None, help="K for ours/greedy (default: the library's)")
    parser.add_argument("--k-sweep", default="1,2,4,8,16", help="K values tried at the smallest size")
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--mem-cap-gb", type=float, default=16.0)
    parser.add_argument("--worker", choices=sorted(METHODS))
    parser.add_argument("--size", type=int)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.size, args.seed, args.k or None)))
        return 0
    from mutualaid.matching import DEFAULT_K
    k, cap = args.k or DEFAULT_K, int(args.mem_cap_gb * 2**30)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for size in sizes:
        for method in ("ours", "greedy", "exact"):
            rows.append(run_child(method, size, args.seed, None if method == "exact" else k, args.time_limit, cap))
            print(f"  {size:>7} {method:<7} {rows[-1]['status']}", file=sys.stderr, flush=True)
    sweep = []
    for kk in [int(x) for x in args.k_sweep.split(",") if x]:
        sweep.append(run_child("ours", sizes[0], args.seed, kk, args.time_limit, cap) | {"sweep": True})
    print(f"Synthetic London (sectors within {CITY_KM:.0f} km, scatter {SCATTER_KM * 1000:.0f} m), seed {args.seed}, "
          f"needs = volunteers = size; time limit {args.time_limit:.0f} s, memory cap {args.mem_cap_gb:.0f} GiB\n")
    print(table(rows))
    if sweep:
        exact = next((r for r in rows if r["size"] == sizes[0] and r["method"] == "exact"), None)
        print(f"\nEffect of K (ours at {sizes[0]:,}; exact: "
              f"{exact['matched'] if exact and exact['status'] == 'ok' else 'n/a'} matched, total cost "
              f"{exact['total_cost'] if exact and exact['status'] == 'ok' else float('nan'):.1f})\n")
        print(table(sweep))
    print(f"\nTargets (time and memory of one child process running one method; data generation included in RSS)")
    checks = verdicts(rows)
    for text, ok in checks:
        print(f"  [{'PASS' if ok else 'FAIL'}] {text}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"matching-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({"seed": args.seed, "k": k, "rows": rows, "k_sweep": sweep,
                                "targets": [{"target": t, "pass": ok} for t, ok in checks]}, indent=2))
    print(f"\nJSON: {path.relative_to(ROOT)}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
