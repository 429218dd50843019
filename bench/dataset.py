"""A reproducible, city-scale synthetic data set for benchmarks: London, two years of mutual aid.

    from dataset import build
    summary = build("postgresql://postgres@127.0.0.1:5432/mydb")        # or "sqlite:////tmp/x.sqlite3"

or from the shell (the database must exist and be empty; a SQLite file is created):

    .venv/bin/python bench/dataset.py DATABASE_URL [--needs 1000000] [--open-needs 100000] [--volunteers 20000]

`build` migrates the database (`flask --app wsgi db upgrade`, MUTUALAID_ENV=development), then bulk-loads:

- 2 groups (north and south London, 26 km service radius each), 3 coordinators per group;
- needs scattered around real GB postcode-sector centroids (mutualaid/geo/data/gb_sectors.csv) within
  25 km of Charing Cross, weighted by the sector's number of postcodes, Gaussian scatter ~300 m;
  public points snapped with the app's own `approximate_point`; location statuses mixed
  (located 90 %, approximate 6 %, unknown/not found/ambiguous 4 %, the last without points);
- exactly `open_needs` open needs (young: within their urgency's expiry), the rest claimed (2 %),
  fulfilled (66 %), expired (18 %) or cancelled (14 %) with timestamps over the last two years that
  follow the app's escalation ladders (levels, next_chase_at, claim reminders, follow-ups);
- requesters as people (about 0.4 per need, heavy-tailed: many ask more than once, always from the
  same home); needs' categories, urgencies, sources and languages mixed (needs and people are en/es
  only, as the app's intake normalises languages to its LANGUAGES; volunteers speak more);
- volunteers with profiles (85 % approved; home points snapped like the app does at sign-up; radius
  1-3 km on foot, 3-10 km with a car; categories, languages, capacity, availability);
- claims: a completed one for every fulfilled need, an active one for every claimed need (a nearby
  approved volunteer of the same group, within capacity), and released ones before some needs;
- a few thousand offers.

References use the app's alphabet and length (mutualaid.domain.refs: 30 symbols, 5 characters,
24.3 M possibilities). About 20,000 of 1,000,000 random draws collide, so draws are de-duplicated
with a set (as `new_ref` + retry does in the app), from a seeded generator so that a seed always
gives the same data. Everything but `now` (the build time, which anchors "the last two years") is
determined by the seed.

Loading is fast because it bypasses the ORM: COPY (psycopg) on PostgreSQL with FK triggers off for
the session (`session_replication_role = replica`; the generator keeps references consistent), and
executemany in one transaction with journal_mode=OFF/synchronous=OFF on SQLite. Secondary indexes
are dropped before the load and re-created after it, from the migrations' own definitions. The
load ends with VACUUM (FREEZE, ANALYZE) on PostgreSQL and ANALYZE + WAL on SQLite, so the planner
has statistics and the first queries do not pay for hint bits.

Not generated (yet): audit events, messages, conversations, notifications, proposals.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from mutualaid.chase.ladder import DEFAULT_LADDERS  # noqa: E402
from mutualaid.domain.privacy import approximate_point, contact_secrets, redact_details  # noqa: E402
from mutualaid.domain.refs import ALPHABET, REF_LENGTH  # noqa: E402

SECTORS = REPO / "mutualaid" / "geo" / "data" / "gb_sectors.csv"
CENTRE = (51.5074, -0.1278)
CITY_KM = 25.0
SCATTER_KM = 0.3
KM_PER_DEG = 111.32
DEFAULT_SEED = 20261122
PASSWORD = "bench-password-123"
TOKEN_EMAIL = "volunteer00000@bench.mutualaid.test"
GROUPS = (  # slug, name, centre, phone
    ("north-london", "North London Mutual Aid", (51.5600, -0.1200), "+442071230001"),
    ("south-london", "South London Mutual Aid", (51.4500, -0.1100), "+442071230002"),
)
GROUP_RADIUS_KM = 26.0
# Needs whose public details are written as intake writes them (the ones lists and the API show);
# the rest keep none, as if never saved through intake, and are redacted when read.
PUBLIC_DETAILS_STATUSES = ("open", "claimed")
COORDINATORS_PER_GROUP = 3

CATEGORIES = {  # share of needs, chance a volunteer offers it
    "groceries": (0.28, 0.70), "medicine": (0.15, 0.50), "transport": (0.10, 0.30), "errand": (0.10, 0.45),
    "company": (0.10, 0.40), "childcare": (0.04, 0.10), "household": (0.06, 0.20), "paperwork": (0.07, 0.20),
    "pets": (0.05, 0.25), "other": (0.05, 0.30)}
VOLUNTEER_LANGUAGES = {"en": 0.97, "es": 0.10, "pl": 0.03, "bn": 0.02, "ur": 0.02, "ar": 0.015, "pt": 0.02}
URGENCIES = {"today": 0.25, "soon": 0.45, "this_week": 0.30}
SOURCES = {"web": 0.50, "sms": 0.30, "phone": 0.12, "api": 0.08}
CLOSED_STATUSES = {"claimed": 0.02, "fulfilled": 0.66, "expired": 0.18, "cancelled": 0.14}
LOCATION = {"located": 0.90, "approximate": 0.06, "unknown": 0.025, "not_found": 0.01, "ambiguous": 0.005}
VETTING = {"approved": 0.85, "pending": 0.08, "paused": 0.04, "rejected": 0.03}
DAY, HOUR = 86400.0, 3600.0

FIRST = ("Mary", "John", "Aisha", "Mohammed", "Olivia", "James", "Fatima", "David", "Grace", "Tom", "Priya",
         "Luis", "Marta", "Kofi", "Amara", "Sam", "Zainab", "Peter", "Joan", "Ahmed", "Rosa", "Wojciech",
         "Nadia", "George", "Ellen", "Samuel", "Ines", "Patrick", "Chen", "Yusuf")
LAST = ("Smith", "Jones", "Khan", "Williams", "Brown", "Taylor", "Ahmed", "Patel", "Garcia", "Okafor",
        "Reilly", "Mensah", "Ruiz", "Nowak", "Begum", "Evans", "Wilson", "Hussain", "Thomas", "Roberts",
        "Walker", "Wright", "Ali", "Clarke", "Murphy", "Lopez", "Silva", "Hall", "Green", "Wood")
STREETS = ("High Street", "Church Road", "Station Road", "Mare Street", "Victoria Road", "Park Lane",
           "Green Lanes", "Queens Road", "Kings Road", "Mill Lane", "Albion Road", "Grove Road", "Manor Way",
           "Chatsworth Road", "Cedar Close", "Elm Grove", "London Road", "New Road", "Hill Street")
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
DETAILS = {
    "en": {
        "groceries": ("Weekly shop please: bread, milk, fruit and tea. I can pay on delivery.",
                      "Could someone pick up a few groceries? I'm not able to get out this week.",
                      "Need a food parcel for {n} adults and a child."),
        "medicine": ("Prescription ready at the chemist on {street}, needs collecting.",
                     "Could someone collect my repeat prescription? I'm shielding."),
        "transport": ("Lift to the hospital for an appointment on Thursday morning.",
                      "Need a ride to the GP surgery, about 2 miles."),
        "errand": ("Parcel to post at the post office, it's already paid.",
                   "Could someone pick up a parcel from the depot for me?"),
        "company": ("I'd love a phone call now and then, I live alone.",
                    "Would anyone visit for a cup of tea and a chat? Lonely since my husband passed."),
        "childcare": ("School run help needed on Monday and Wednesday.",
                      "Need someone to mind the kids for two hours on Saturday."),
        "household": ("Looking for a cot for a newborn.", "Our heater broke, does anyone have a spare one?",
                      "Need some warm blankets and winter clothes for {n} children."),
        "paperwork": ("Help filling in a housing benefit form.", "Could someone help me read a letter from the council?"),
        "pets": ("Dog walking needed, I've hurt my ankle.", "Cat needs feeding while I'm in hospital for {n} days."),
        "other": ("Not sure who to ask, need a hand moving a wardrobe.", "Need help setting up my new phone."),
    },
    "es": {
        "groceries": ("Necesito compras de la semana: pan, leche y fruta.", "Necesito comida para {n} adultos."),
        "medicine": ("Mi receta está lista en la farmacia de {street}.", "¿Alguien puede recoger mis medicinas?"),
        "transport": ("Necesito transporte al hospital para una cita el jueves.",),
        "errand": ("Tengo un paquete para enviar en correos.",),
        "company": ("Me gustaría una llamada de vez en cuando, vivo sola.",),
        "childcare": ("Necesito ayuda para cuidar a los niños el sábado.",),
        "household": ("Busco una cuna para mi bebé.", "Necesito ropa de invierno para {n} niños."),
        "paperwork": ("Necesito ayuda con un formulario del ayuntamiento.",),
        "pets": ("Necesito que alguien pasee a mi perro.",),
        "other": ("Necesito ayuda para mover un mueble.",),
    },
}
EXTRAS = ("", "", "", "", " Please call me on {mobile}.", " My name is {first}, ring the bell at {number}.",
          " I'm at {postcode}.", " Thank you so much!", " Any time after 2pm is fine.")
OUTCOMES = ("Done, dropped off at the door.", "Delivered, all good.", "Collected and delivered.",
            "Had a lovely chat.", "Done. They were very grateful.", "Drove them there and back.")
RELEASES = ("Sorry, something came up at work.", "I'm ill this week.", "Too far for me after all.",
            "Couldn't reach them.", "Car broke down.")
AVAILABILITY = ("", "Weekday evenings", "Weekends", "Mornings", "Any time", "Tuesdays and Thursdays")


# ---------------------------------------------------------------------------------------------------
# Small helpers


def log(message: str) -> None:
    print(f"  [dataset {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def pick(rng: np.random.Generator, table: dict, n: int) -> np.ndarray:
    """n draws from the keys of {key: probability}."""
    keys = list(table)
    p = np.array([table[k] if not isinstance(table[k], tuple) else table[k][0] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance (vectorised; the same formula and radius as the app's)."""
    rlat1, rlat2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = rlat2 - rlat1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dlat / 2) ** 2 + np.cos(rlat1) * np.cos(rlat2) * np.sin(dlon / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def city_sectors() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(name, lat, lon, probability) of postcode sectors within CITY_KM of central London."""
    with SECTORS.open(newline="") as f:
        rows = list(csv.DictReader(f))
    name = np.array([r["sector"] for r in rows], dtype=object)
    lat, lon = (np.array([float(r[c]) for r in rows]) for c in ("lat", "lon"))
    weight = np.array([float(r["postcodes"]) for r in rows])
    near = haversine_km(*CENTRE, lat, lon) <= CITY_KM
    return name[near], lat[near], lon[near], weight[near] / weight[near].sum()


def snap(lat: np.ndarray, lon: np.ndarray) -> tuple[list, list]:
    """The app's approximate_point for every point (None stays None)."""
    out_lat, out_lon = [], []
    for a, b in zip(lat.tolist(), lon.tolist()):
        if a != a:  # NaN
            out_lat.append(None)
            out_lon.append(None)
        else:
            p = approximate_point(a, b)
            out_lat.append(p[0])
            out_lon.append(p[1])
    return out_lat, out_lon


def unique_refs(rng: np.random.Generator, n: int, taken: set | None = None) -> list[str]:
    """n distinct references in the app's alphabet and length (seeded; collisions re-drawn)."""
    alphabet = np.array(list(ALPHABET))
    seen = set(taken or ())
    out: list[str] = []
    while len(out) < n:
        draw = alphabet[rng.integers(0, len(ALPHABET), size=(int((n - len(out)) * 1.05) + 16, REF_LENGTH))]
        for ref in map("".join, draw.tolist()):
            if ref not in seen:
                seen.add(ref)
                out.append(ref)
                if len(out) == n:
                    break
    return out


def nullable(values: np.ndarray, mask: np.ndarray) -> list:
    """values as Python objects, None where mask is True."""
    out = values.tolist()
    for i in np.flatnonzero(mask).tolist():
        out[i] = None
    return out


class Clock:
    """Timestamps as float seconds since the epoch -> the text each backend stores."""

    def __init__(self, sqlite: bool):
        self.suffix = "" if sqlite else "+00:00"

    def text(self, seconds: np.ndarray) -> list:
        seconds = np.asarray(seconds, dtype=float)
        missing = np.isnan(seconds)
        micro = np.where(missing, 0, np.round(seconds * 1e6)).astype("int64")
        text = np.datetime_as_string(micro.astype("datetime64[us]"), unit="us")
        text = np.char.add(np.char.replace(text, "T", " "), self.suffix)
        return nullable(text.astype(object), missing)

    def dates(self, seconds: np.ndarray) -> list:
        seconds = np.asarray(seconds, dtype=float)
        missing = np.isnan(seconds)
        days = np.where(missing, 0, seconds // DAY).astype("int64").astype("datetime64[D]")
        return nullable(np.datetime_as_string(days).astype(object), missing)


def ladder_arrays(urgency: np.ndarray) -> dict[str, np.ndarray]:
    """Per-need ladder timings in seconds (the app's DEFAULT_LADDERS), keyed by Ladder field."""
    fields = ("second_ring", "coordinators", "requester", "last_message", "expire", "claim_due",
              "claim_reminder", "followup")
    out = {}
    for field in fields:
        values = {u: getattr(DEFAULT_LADDERS[u], field).total_seconds() for u in DEFAULT_LADDERS}
        out[field] = np.vectorize(values.get, otypes=[float])(urgency)
    out["steps"] = np.stack([np.zeros(len(urgency)), out["second_ring"], out["coordinators"],
                             out["requester"], out["last_message"], out["expire"]], axis=1)
    return out


def level_after(elapsed: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Escalation level reached `elapsed` seconds after opening (steps whose offset has passed)."""
    return (steps <= elapsed[:, None]).sum(axis=1)


def near_pick(rng, need_lat, need_lon, need_group, vol_lat, vol_lon, vol_group, eligible, cell_km=2.0):
    """For each need, a random eligible volunteer of its group in the same ~2 km cell (else any of the group)."""
    dlat = cell_km / KM_PER_DEG
    dlon = cell_km / (KM_PER_DEG * math.cos(math.radians(CENTRE[0])))

    def key(lat, lon, group):
        cy = np.floor(np.nan_to_num(lat, nan=0.0) / dlat).astype(np.int64) + 10_000
        cx = np.floor(np.nan_to_num(lon, nan=0.0) / dlon).astype(np.int64) + 10_000
        return (group.astype(np.int64) * 100_000 + cy) * 100_000 + cx

    candidates = np.flatnonzero(eligible)
    vkey = key(vol_lat[candidates], vol_lon[candidates], vol_group[candidates])
    order = np.argsort(vkey, kind="stable")
    candidates, vkey = candidates[order], vkey[order]
    uniq, starts, counts = np.unique(vkey, return_index=True, return_counts=True)
    nkey = key(need_lat, need_lon, need_group)
    pos = np.clip(np.searchsorted(uniq, nkey), 0, len(uniq) - 1)
    hit = (uniq[pos] == nkey) & ~np.isnan(need_lat)
    chosen = candidates[starts[pos] + (rng.random(len(nkey)) * counts[pos]).astype(np.int64)]
    for g in np.unique(need_group):  # no volunteer in the cell (or no point): anyone of the group
        pool = candidates[vol_group[candidates] == g]
        miss = np.flatnonzero(~hit & (need_group == g))
        chosen[miss] = pool[rng.integers(0, len(pool), size=len(miss))]
    return chosen


# ---------------------------------------------------------------------------------------------------
# The city


def generate(needs: int, open_needs: int, volunteers: int, seed: int, requesters: int | None,
             offers: int, now: datetime) -> dict:
    """Every table's rows as column arrays (timestamps as epoch seconds, NaN for NULL)."""
    if not 0 <= open_needs <= needs:
        raise ValueError("open_needs must be between 0 and needs")
    rng = np.random.default_rng(seed)
    T = now.timestamp()
    s_name, s_lat, s_lon, s_p = city_sectors()
    g_lat = np.array([g[2][0] for g in GROUPS])
    g_lon = np.array([g[2][1] for g in GROUPS])

    def scatter(n):
        i = rng.choice(len(s_p), size=n, p=s_p)
        lat = s_lat[i] + rng.normal(0, SCATTER_KM / KM_PER_DEG, n)
        lon = s_lon[i] + rng.normal(0, SCATTER_KM / (KM_PER_DEG * np.cos(np.radians(s_lat[i]))), n)
        return i, lat, lon

    def nearest_group(lat, lon):
        d = np.stack([haversine_km(lat, lon, g_lat[k], g_lon[k]) for k in range(len(GROUPS))], axis=1)
        return np.argmin(np.nan_to_num(d, nan=0.0), axis=1)  # 0-based

    # People: coordinators, volunteers, requesters (ids in that order).
    n_coord = COORDINATORS_PER_GROUP * len(GROUPS)
    n_req = requesters if requesters is not None else max(1, min(needs, int(needs * 0.4)))
    vol_base, req_base = n_coord + 1, n_coord + volunteers + 1
    coord_group = np.repeat(np.arange(len(GROUPS)), COORDINATORS_PER_GROUP)

    # Requesters: a home each; needs come from homes; every requester asks at least once.
    r_sector, r_lat, r_lon = scatter(n_req)
    r_group = nearest_group(r_lat, r_lon)
    activity = np.minimum(rng.pareto(1.2, n_req) + 1.0, 120.0)  # a few ask weekly for two years
    asker = np.concatenate([np.arange(n_req), rng.choice(n_req, size=max(0, needs - n_req), p=activity / activity.sum())])
    asker = rng.permutation(asker)[:needs]

    # Needs: status, urgency, timeline.
    status = np.empty(needs, dtype=object)
    status[:open_needs] = "open"
    status[open_needs:] = pick(rng, CLOSED_STATUSES, needs - open_needs)
    status = rng.permutation(status)
    urgency = pick(rng, URGENCIES, needs)
    ladder = ladder_arrays(urgency)
    is_open, is_claimed = status == "open", status == "claimed"
    fulfilled, expired, cancelled = status == "fulfilled", status == "expired", status == "cancelled"
    # Each need's events as offsets from its creation, then a creation time that puts them in the past.
    speed = {"today": (1.5 * HOUR, 5 * HOUR), "soon": (8 * HOUR, 30 * HOUR), "this_week": (24 * HOUR, 72 * HOUR)}
    claim_mean = np.vectorize(lambda x: speed[x][0], otypes=[float])(urgency)
    finish_mean = np.vectorize(lambda x: speed[x][1], otypes=[float])(urgency)
    to_claim = np.minimum(rng.exponential(claim_mean) + 120, np.minimum(ladder["expire"] * 0.9, 10 * DAY))
    to_finish = np.minimum(rng.exponential(finish_mean) + 600, ladder["claim_due"] * 1.5)
    cancelled_after = np.minimum(rng.exponential(2 * DAY, needs) + 300, ladder["expire"] * 0.95)
    # Some needs were claimed and released once before (then reopened, and the chase restarted).
    had_release = rng.random(needs) < np.where(cancelled, 0.20, np.where(is_open, 0.01, 0.08))
    had_release &= ~expired
    rel_release_start = to_claim * 0.4
    rel_opened = np.where(had_release, to_claim * 0.9, 0.0)
    rel_claimed = rel_opened + to_claim
    rel_closed = np.full(needs, np.nan)
    rel_closed[fulfilled] = rel_claimed[fulfilled] + to_finish[fulfilled]
    rel_closed[expired] = rel_opened[expired] + ladder["expire"][expired] + rng.uniform(0, 900, expired.sum())
    rel_closed[cancelled] = rel_opened[cancelled] + cancelled_after[cancelled]
    created = np.empty(needs)
    open_age = 60 + rng.random(needs) * (ladder["expire"] * 0.98 - 60)  # since (re)opening
    created[is_open] = T - rel_opened[is_open] - open_age[is_open]
    claim_age = 300 + rng.random(needs) * ladder["claim_due"] * 1.3  # since claiming
    created[is_claimed] = T - rel_claimed[is_claimed] - claim_age[is_claimed]
    closed_kind = ~(is_open | is_claimed)
    busier_lately = T - 730 * DAY * (1 - np.sqrt(rng.random(needs)))
    created[closed_kind] = np.minimum(busier_lately, T - 60 - rel_closed)[closed_kind]
    created = np.round(created, 6)
    opened = created + rel_opened
    claimed_at = created + rel_claimed
    closed = created + rel_closed
    release_start, release_end = created + rel_release_start, opened
    elapsed = np.where(is_open, T - opened, np.where(is_claimed | fulfilled, to_claim, cancelled_after))
    level = np.where(expired, 6, level_after(elapsed, ladder["steps"]))
    next_offset = np.take_along_axis(ladder["steps"], np.minimum(level, 5)[:, None], axis=1)[:, 0]
    next_chase = np.where(is_open & (level < 6), opened + next_offset, np.nan)
    notified = opened + rng.uniform(5, 50, needs)
    followup = np.where(fulfilled, closed + ladder["followup"], np.nan)
    followup_sent = np.where(fulfilled & (followup < T), followup, np.nan)
    fb = rng.random(needs)
    feedback = np.where(~np.isnan(followup_sent) & (fb < 0.55), "yes",
                        np.where(~np.isnan(followup_sent) & (fb < 0.60), "no", None))
    updated = np.nanmax(np.stack([notified, np.where(is_claimed, claimed_at, np.nan), closed, followup_sent]), axis=0)

    # Sort needs by creation time: ids grow with time, as in a real table.
    order = np.argsort(created, kind="stable")
    cols = dict(asker=asker, status=status, urgency=urgency, created=created, opened=opened, claimed_at=claimed_at,
                closed=closed, level=level, next_chase=next_chase, notified=notified, followup=followup,
                followup_sent=followup_sent, feedback=feedback, updated=updated, had_release=had_release,
                release_start=release_start, release_end=release_end, to_finish=to_finish,
                claim_due=ladder["claim_due"], claim_reminder=ladder["claim_reminder"])
    cols = {k: v[order] for k, v in cols.items()}

    # Requester ids in order of their first need.
    first_seen = np.unique(cols["asker"], return_index=True)[1]
    by_first = np.argsort(first_seen, kind="stable")  # requester index -> rank
    rank = np.empty(n_req, dtype=np.int64)
    rank[by_first] = np.arange(n_req)
    asker = cols["asker"]
    requester_id = req_base + rank[asker]
    first_need_time = cols["created"][first_seen]

    loc = pick(rng, LOCATION, needs)
    has_point = (loc == "located") | (loc == "approximate")
    sector_i = r_sector[asker]
    exact_lat = np.where(loc == "located", r_lat[asker], np.where(loc == "approximate", s_lat[sector_i], np.nan))
    exact_lon = np.where(loc == "located", r_lon[asker], np.where(loc == "approximate", s_lon[sector_i], np.nan))
    need_group = np.where(has_point, nearest_group(exact_lat, exact_lon), r_group[asker])
    category = pick(rng, CATEGORIES, needs)
    language_of_req = np.where(rng.random(n_req) < 0.12, "es", "en")
    language = language_of_req[asker]
    source = pick(rng, SOURCES, needs)

    # Volunteers.
    v_sector, v_lat, v_lon = scatter(volunteers)
    v_group = nearest_group(v_lat, v_lon)
    v_snap_lat, v_snap_lon = snap(v_lat, v_lon)
    vetting = pick(rng, VETTING, volunteers)
    if volunteers:
        vetting[0] = "approved"  # the account the API benchmark issues a token for
    has_car = rng.random(volunteers) < 0.30
    radius = np.round(np.where(has_car, rng.uniform(3, 10, volunteers), rng.uniform(1, 3, volunteers)), 1)
    capacity = rng.choice([1, 2, 3], volunteers, p=[0.5, 0.3, 0.2])
    offers_cat = {c: rng.random(volunteers) < CATEGORIES[c][1] for c in CATEGORIES}
    offers_cat["groceries"] |= ~np.any(list(offers_cat.values()), axis=0)
    speaks = {x: rng.random(volunteers) < p for x, p in VOLUNTEER_LANGUAGES.items()}
    speaks["en"] |= ~np.any(list(speaks.values()), axis=0)
    v_created = T - 730 * DAY * (1 - np.sqrt(rng.random(volunteers))) - DAY

    # Claims: completed (fulfilled), active (claimed), released (before some needs).
    n_lat = np.where(has_point, exact_lat, np.nan)
    n_lon = np.where(has_point, exact_lon, np.nan)
    approved = vetting == "approved"
    historic = approved | (vetting == "paused")
    st = cols["status"]
    claims = []
    done_ix = np.flatnonzero(st == "fulfilled")
    if len(done_ix):
        vol = near_pick(rng, n_lat[done_ix], n_lon[done_ix], need_group[done_ix], v_lat, v_lon, v_group, historic)
        claims.append(("completed", done_ix, vol, cols["claimed_at"][done_ix], cols["closed"][done_ix]))
    active_ix = np.flatnonzero(st == "claimed")
    if len(active_ix):
        vol = near_pick(rng, n_lat[active_ix], n_lon[active_ix], need_group[active_ix], v_lat, v_lon, v_group,
                        approved)
        load = np.zeros(volunteers, dtype=np.int64)
        pools = {g: np.flatnonzero(approved & (v_group == g)) for g in range(len(GROUPS))}
        for j, v in enumerate(vol.tolist()):  # respect capacity: else any approved of the group with room
            if load[v] >= capacity[v]:
                pool = pools[int(need_group[active_ix[j]])]
                room = pool[load[pool] < capacity[pool]]
                v = int(rng.choice(room)) if len(room) else v
                vol[j] = v
            load[v] += 1
        claims.append(("active", active_ix, vol, cols["claimed_at"][active_ix], np.full(len(active_ix), np.nan)))
    rel_ix = np.flatnonzero(cols["had_release"])
    if len(rel_ix):
        vol = near_pick(rng, n_lat[rel_ix], n_lon[rel_ix], need_group[rel_ix], v_lat, v_lon, v_group, historic)
        claims.append(("released", rel_ix, vol, cols["release_start"][rel_ix], cols["release_end"][rel_ix]))
    c_status = np.concatenate([np.full(len(ix), s, dtype=object) for s, ix, *_ in claims]) if claims else np.array([], object)
    c_need = np.concatenate([ix for _, ix, *_ in claims]) if claims else np.array([], np.int64)
    c_vol = np.concatenate([v for _, _, v, *_ in claims]) if claims else np.array([], np.int64)
    c_at = np.concatenate([a for *_, a, _ in claims]) if claims else np.array([])
    c_end = np.concatenate([e for *_, e in claims]) if claims else np.array([])
    c_order = np.argsort(c_at, kind="stable")
    c_status, c_need, c_vol, c_at, c_end = (a[c_order] for a in (c_status, c_need, c_vol, c_at, c_end))
    c_due = c_at + cols["claim_due"][c_need]
    c_remind = c_due - cols["claim_reminder"][c_need]
    c_last = np.where(np.isnan(c_end), T, c_end)
    c_reminded = np.where(c_last > c_remind, c_remind + 60, np.nan)
    c_confirmed = np.where((rng.random(len(c_at)) < 0.5) & (c_last > c_at + 1800), c_at + 1800, np.nan)

    # Offers: from some of the requesters, at their homes.
    o_person = rng.integers(0, n_req, size=offers)
    o_status = pick(rng, {"open": 0.40, "reserved": 0.05, "given": 0.35, "withdrawn": 0.10, "expired": 0.10}, offers)
    o_created = np.where(o_status == "open", T - rng.uniform(0, 60 * DAY, offers),
                         T - 730 * DAY * (1 - np.sqrt(rng.random(offers))) - 2 * DAY)
    o_created = np.sort(o_created)

    return dict(rng=rng, T=T, now=now, n_coord=n_coord, coord_group=coord_group, n_req=n_req,
                vol_base=vol_base, req_base=req_base, sectors=(s_name, s_lat, s_lon),
                r=dict(sector=r_sector, lat=r_lat, lon=r_lon, group=r_group, rank=rank, language=language_of_req,
                       first=first_need_time),
                n=dict(cols, requester_id=requester_id, loc=loc, has_point=has_point, exact_lat=exact_lat,
                       exact_lon=exact_lon, group=need_group, category=category, language=language, source=source,
                       sector=sector_i),
                v=dict(sector=v_sector, lat=v_lat, lon=v_lon, snap_lat=v_snap_lat, snap_lon=v_snap_lon, group=v_group,
                       vetting=vetting, has_car=has_car, radius=radius, capacity=capacity, offers=offers_cat,
                       speaks=speaks, created=v_created),
                c=dict(status=c_status, need=c_need, vol=c_vol, at=c_at, end=c_end, due=c_due, remind=c_remind,
                       reminded=c_reminded, confirmed=c_confirmed),
                o=dict(person=o_person, status=o_status, created=o_created))


# ---------------------------------------------------------------------------------------------------
# Rows per table (generators of column dicts, chunked)


def group_rows(city: dict, clock: Clock):
    created = clock.text(np.full(len(GROUPS), city["T"] - 800 * DAY))
    rows = []
    for i, (slug, name, (lat, lon), phone) in enumerate(GROUPS):
        rows.append(dict(id=i + 1, slug=slug, name=name, description=f"{name}: neighbours helping neighbours.",
                         centre_lat=lat, centre_lon=lon, radius_km=GROUP_RADIUS_KM, country="GB",
                         phone_number=phone, contact_text="Call or text us.", timezone="Europe/London",
                         settings="{}", created_at=created[i]))
    yield rows


def person_rows(city: dict, clock: Clock, password_hash: str, chunk: int = 100_000):
    rng, T = city["rng"], city["T"]
    # Coordinators.
    rows = []
    created = clock.text(np.full(city["n_coord"], T - 790 * DAY))
    for i in range(city["n_coord"]):
        g = int(city["coord_group"][i])
        rows.append(dict(id=i + 1, group_id=g + 1, name=f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}",
                         phone=f"+447700900{i:03d}", email=f"coordinator{i}@bench.mutualaid.test",
                         password_hash=password_hash, role="coordinator", on_call=i % COORDINATORS_PER_GROUP == 0,
                         language="en", sms_consent=True, opted_out=False, opted_out_at=None, phone_status="ok",
                         simulated=False, quiet_start=None, quiet_end=None, session_token=f"{i:032x}",
                         api_token_hash=None, created_at=created[i], last_seen_at=created[i], erased_at=None))
    yield rows
    # Volunteers.
    v = city["v"]
    n = len(v["lat"])
    created = clock.text(v["created"])
    seen = clock.text(np.where(rng.random(n) < 0.7, T - rng.uniform(0, 30 * DAY, n), np.nan))
    quiet = rng.random(n) < 0.2
    first, last = rng.integers(0, len(FIRST), n), rng.integers(0, len(LAST), n)
    lang = np.where(v["speaks"]["es"] & (rng.random(n) < 0.5), "es", "en")
    for start in range(0, n, chunk):
        rows = []
        for i in range(start, min(n, start + chunk)):
            rows.append(dict(id=city["vol_base"] + i, group_id=int(v["group"][i]) + 1,
                             name=f"{FIRST[first[i]]} {LAST[last[i]]}", phone=f"+447500{i:06d}",
                             email=f"volunteer{i:05d}@bench.mutualaid.test", password_hash=password_hash,
                             role="volunteer", on_call=False, language=str(lang[i]), sms_consent=True, opted_out=False,
                             opted_out_at=None, phone_status="ok", simulated=False,
                             quiet_start=22 if quiet[i] else None, quiet_end=8 if quiet[i] else None,
                             session_token=f"{rng.integers(0, 2**62):032x}", api_token_hash=None,
                             created_at=created[i], last_seen_at=seen[i], erased_at=None))
        yield rows
    # Requesters, in order of their first need.
    r = city["r"]
    n = city["n_req"]
    by_rank = np.argsort(r["rank"])
    created = clock.text(r["first"][by_rank])
    first, last = rng.integers(0, len(FIRST), n), rng.integers(0, len(LAST), n)
    email_only = rng.random(n) < 0.08
    opted_out = rng.random(n) < 0.01
    out_at = clock.text(np.where(opted_out, T - rng.uniform(0, 300 * DAY, n), np.nan))
    contact = city["requester_contact"] = {}  # id -> (name, phone, email), for need_rows' public details
    for start in range(0, n, chunk):
        rows = []
        for k in range(start, min(n, start + chunk)):
            i = int(by_rank[k])
            contact[city["req_base"] + k] = (f"{FIRST[first[k]]} {LAST[last[k]]}",
                                             None if email_only[k] else f"+4474{k:08d}",
                                             f"neighbour{k}@example.org" if email_only[k] else None)
            rows.append(dict(id=city["req_base"] + k, group_id=int(r["group"][i]) + 1,
                             name=f"{FIRST[first[k]]} {LAST[last[k]]}",
                             phone=None if email_only[k] else f"+4474{k:08d}",
                             email=f"neighbour{k}@example.org" if email_only[k] else None, password_hash=None,
                             role="neighbour", on_call=False, language=str(r["language"][i]),
                             sms_consent=not email_only[k], opted_out=bool(opted_out[k]), opted_out_at=out_at[k],
                             phone_status="ok", simulated=False, quiet_start=None, quiet_end=None, session_token="",
                             api_token_hash=None, created_at=created[k], last_seen_at=None, erased_at=None))
        yield rows


def volunteer_profile_rows(city: dict, clock: Clock, chunk: int = 100_000):
    rng, T, v = city["rng"], city["T"], city["v"]
    s_name = city["sectors"][0]
    n = len(v["lat"])
    created = clock.text(v["created"])
    vetted = clock.text(np.where(v["vetting"] != "pending", v["created"] + rng.exponential(3 * DAY, n) + HOUR, np.nan))
    away = clock.dates(np.where(rng.random(n) < 0.04, T + rng.uniform(DAY, 30 * DAY, n), np.nan))
    avail = rng.integers(0, len(AVAILABILITY), n)
    channel = np.where(rng.random(n) < 0.7, "sms", "email")
    cats = list(CATEGORIES)
    for start in range(0, n, chunk):
        rows = []
        for i in range(start, min(n, start + chunk)):
            g = int(v["group"][i])
            rows.append(dict(id=i + 1, person_id=city["vol_base"] + i, home_label=str(s_name[v["sector"][i]]),
                             home_lat=v["snap_lat"][i], home_lon=v["snap_lon"][i], radius_km=float(v["radius"][i]),
                             categories=json.dumps([c for c in cats if v["offers"][c][i]]),
                             languages=json.dumps([x for x in VOLUNTEER_LANGUAGES if v["speaks"][x][i]]),
                             capacity=int(v["capacity"][i]), has_car=bool(v["has_car"][i]),
                             availability=AVAILABILITY[avail[i]], away_until=away[i], channel=str(channel[i]),
                             vetting_status=str(v["vetting"][i]),
                             vetted_by_id=None if v["vetting"][i] == "pending" else g * COORDINATORS_PER_GROUP + 1,
                             vetted_at=vetted[i], created_at=created[i]))
        yield rows


def need_rows(city: dict, clock: Clock, chunk: int = 100_000):
    rng, n_ = city["rng"], city["n"]
    s_name = city["sectors"][0].tolist()
    n = len(n_["status"])
    refs = unique_refs(rng, n)
    public_lat, public_lon = snap(np.where(n_["has_point"], n_["exact_lat"], np.nan),
                                  np.where(n_["has_point"], n_["exact_lon"], np.nan))
    texts = {k: clock.text(n_[k]) for k in ("created", "updated", "opened", "closed", "next_chase", "notified",
                                            "followup", "followup_sent")}
    L = {k: n_[k].tolist() for k in ("loc", "sector", "group", "language", "category", "source", "status",
                                     "requester_id", "level", "feedback", "exact_lat", "exact_lon", "urgency",
                                     "has_point")}
    house, street, extra, variant, people, first = (
        rng.integers(lo, hi, n).tolist() for lo, hi in ((1, 240), (0, len(STREETS)), (0, len(EXTRAS)), (0, 10),
                                                        (1, 5), (0, len(FIRST))))
    unit = rng.integers(0, len(UNIT_LETTERS), (n, 2)).tolist()
    group_names = [g[1] for g in GROUPS]
    coords = COORDINATORS_PER_GROUP
    for start in range(0, n, chunk):
        rows = []
        for i in range(start, min(n, start + chunk)):
            loc, g, status, source = L["loc"][i], L["group"][i], L["status"][i], L["source"][i]
            sector = s_name[L["sector"][i]]
            located = L["has_point"][i]
            postcode = f"{sector}{UNIT_LETTERS[unit[i][0]]}{UNIT_LETTERS[unit[i][1]]}" if loc == "located" else None
            if loc == "located":
                address = f"{house[i]} {STREETS[street[i]]}, London, {postcode}"
            elif loc == "approximate":
                address = f"near the shops, {sector}"
            elif loc == "unknown":
                address = ""
            else:
                address = STREETS[street[i]] if loc == "ambiguous" else "behind the old cinema"
            lang, cat = L["language"][i], L["category"][i]
            options = DETAILS[lang][cat]
            details = options[variant[i] % len(options)].format(n=people[i], street=STREETS[street[i]])
            details += EXTRAS[extra[i]].format(mobile=f"07{(i * 7919) % 10**9:09d}", first=FIRST[first[i]],
                                               number=house[i], postcode=postcode or sector)
            level = L["level"][i]
            public = None
            if status in PUBLIC_DETAILS_STATUSES:  # as intake writes it, with the requester's contact values
                name, phone, email = city["requester_contact"].get(L["requester_id"][i], (None, None, None))
                public = redact_details(details, secrets=contact_secrets(
                    name=name or "", address=address or "", phone=phone or "", email=email or ""))
            rows.append(dict(
                id=i + 1, ref=refs[i], group_id=g + 1, requester_id=L["requester_id"][i],
                entered_by_id=g * coords + 1 + (i % coords) if source == "phone" else None,
                category=cat, details=details, public_details=public, urgency=L["urgency"][i], language=lang,
                status=status,
                source=source, submission_key=None, escalation_level=level,
                match_reason=("location_unknown" if not located else "nobody_free")
                if status == "open" and level >= 3 else None,
                notified_at=texts["notified"][i], followup_at=texts["followup"][i],
                followup_sent_at=texts["followup_sent"][i], feedback=L["feedback"][i], referred_from_id=None,
                referred_to_group_id=None, next_chase_at=texts["next_chase"][i], created_at=texts["created"][i],
                updated_at=texts["updated"][i], opened_at=texts["opened"][i], closed_at=texts["closed"][i],
                address_text=address, postcode=postcode, location_status=loc,
                exact_lat=L["exact_lat"][i] if located else None, exact_lon=L["exact_lon"][i] if located else None,
                public_lat=public_lat[i], public_lon=public_lon[i],
                public_label=sector if located else group_names[g]))
        yield rows


def claim_rows(city: dict, clock: Clock, chunk: int = 100_000):
    rng, c = city["rng"], city["c"]
    n = len(c["at"])
    texts = {k: clock.text(c[k]) for k in ("at", "end", "due", "remind", "reminded", "confirmed")}
    status, need, vol = c["status"].tolist(), c["need"].tolist(), c["vol"].tolist()
    outcome = rng.integers(0, len(OUTCOMES), n).tolist()
    reason = rng.integers(0, len(RELEASES), n).tolist()
    base = city["vol_base"]
    for start in range(0, n, chunk):
        rows = []
        for i in range(start, min(n, start + chunk)):
            rows.append(dict(id=i + 1, need_id=need[i] + 1, volunteer_id=base + vol[i], status=status[i],
                             claimed_at=texts["at"][i], ended_at=texts["end"][i],
                             release_reason=RELEASES[reason[i]] if status[i] == "released" else "",
                             outcome_note=OUTCOMES[outcome[i]] if status[i] == "completed" else "",
                             remind_at=texts["remind"][i], due_at=texts["due"][i], reminded_at=texts["reminded"][i],
                             confirmed_at=texts["confirmed"][i]))
        yield rows


def offer_rows(city: dict, clock: Clock):
    rng, T, o, r = city["rng"], city["T"], city["o"], city["r"]
    s_name = city["sectors"][0]
    n = len(o["person"])
    refs = unique_refs(rng, n)
    lat, lon = r["lat"][o["person"]], r["lon"][o["person"]]
    plat, plon = snap(lat, lon)
    created = clock.text(o["created"])
    until = clock.dates(np.where(rng.random(n) < 0.5, o["created"] + rng.uniform(7 * DAY, 90 * DAY, n), np.nan))
    cats = pick(rng, CATEGORIES, n)
    kind = np.where(rng.random(n) < 0.6, "item", "service")
    rows = []
    g_lat = np.array([g[2][0] for g in GROUPS])
    g_lon = np.array([g[2][1] for g in GROUPS])
    for i in range(n):
        p = int(o["person"][i])
        sector = str(s_name[r["sector"][p]])
        g = int(np.argmin(haversine_km(lat[i], lon[i], g_lat, g_lon)))
        rows.append(dict(id=i + 1, ref=refs[i], group_id=g + 1, person_id=city["req_base"] + int(r["rank"][p]),
                         kind=str(kind[i]), category=str(cats[i]),
                         details=("Happy to help with " if kind[i] == "service" else "Spare ") + str(cats[i]) + ".",
                         quantity=int(rng.integers(1, 10)) if kind[i] == "item" else 1, available_until=until[i],
                         status=str(o["status"][i]), source="web", submission_key=None, created_at=created[i],
                         updated_at=created[i], address_text=f"{sector}", postcode=None, location_status="approximate",
                         exact_lat=float(lat[i]), exact_lon=float(lon[i]), public_lat=plat[i], public_lon=plon[i],
                         public_label=sector))
    yield rows


# ---------------------------------------------------------------------------------------------------
# Backends


class PostgresSink:
    """COPY into PostgreSQL, FK triggers off for this session, secondary indexes rebuilt after."""

    def __init__(self, url: str):
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        self.conn.execute("SET session_replication_role = replica")
        self.conn.execute("SET maintenance_work_mem = '512MB'")
        self.conn.execute("SET synchronous_commit = off")

    def columns(self, table: str) -> dict[str, bool]:
        """{column: needs a value (NOT NULL without default)}"""
        rows = self.conn.execute(
            "SELECT column_name, is_nullable = 'NO' AND column_default IS NULL FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s", (table,)).fetchall()
        return dict(rows)

    def count(self, table: str) -> int:
        return self.conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]

    def drop_indexes(self, tables: list[str]) -> list[str]:
        rows = self.conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
            "AND i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            (tables,)).fetchall()
        for name, _ in rows:
            self.conn.execute(f'DROP INDEX "{name}"')
        return [ddl for _, ddl in rows]

    def load(self, table: str, columns: list[str], rows) -> None:
        cols = ", ".join(f'"{c}"' for c in columns)
        with self.conn.cursor() as cur, cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)

    def finish(self, tables: list[str], indexes: list[str]) -> None:
        for ddl in indexes:
            self.conn.execute(ddl)
        for table in tables:
            self.conn.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                              f"(SELECT coalesce(max(id), 0) + 1 FROM \"{table}\"), false)")
        self.conn.execute("SET session_replication_role = origin")
        for table in tables:
            self.conn.execute(f'VACUUM (FREEZE, ANALYZE) "{table}"')
        self.conn.close()


class SqliteSink:
    """executemany in one transaction, journal off while loading; secondary indexes rebuilt after."""

    def __init__(self, path: str):
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY",
                       "foreign_keys=OFF"):
            self.conn.execute(f"PRAGMA {pragma}")

    def columns(self, table: str) -> dict[str, bool]:
        rows = self.conn.execute(f'PRAGMA table_info("{table}")').fetchall()
        return {name: bool(notnull) and default is None and not pk for _, name, _, notnull, default, pk in rows}

    def count(self, table: str) -> int:
        return self.conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]

    def drop_indexes(self, tables: list[str]) -> list[str]:
        marks = ",".join("?" * len(tables))
        rows = self.conn.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                                 f"AND tbl_name IN ({marks})", tables).fetchall()
        for name, _ in rows:
            self.conn.execute(f'DROP INDEX "{name}"')
        return [ddl for _, ddl in rows]

    def load(self, table: str, columns: list[str], rows) -> None:
        cols = ", ".join(f'"{c}"' for c in columns)
        self.conn.execute("BEGIN")
        self.conn.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join("?" * len(columns))})', rows)
        self.conn.execute("COMMIT")

    def finish(self, tables: list[str], indexes: list[str]) -> None:
        self.conn.execute("BEGIN")
        for ddl in indexes:
            self.conn.execute(ddl)
        self.conn.execute("COMMIT")
        self.conn.execute("ANALYZE")
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.close()


# ---------------------------------------------------------------------------------------------------
# Build


def flask_env(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "MUTUALAID_"))}
    env.update(DATABASE_URL=database_url, MUTUALAID_ENV="development", LOG_LEVEL="WARNING")
    return env


def flask(args: list[str], database_url: str, timeout: float = 600) -> str:
    """Run `flask --app wsgi <args>` against `database_url` (development settings)."""
    exe = Path(sys.executable).parent / "flask"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "flask"]
    done = subprocess.run(cmd + ["--app", "wsgi", *args], cwd=REPO, env=flask_env(database_url),
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout.strip()


def sqlite_path(database_url: str) -> str | None:
    """The file of a sqlite:/// URL, or None for other databases."""
    if not database_url.startswith("sqlite"):
        return None
    path = database_url.split(":///", 1)[1] if ":///" in database_url else ""
    if not path or path == ":memory:":
        raise ValueError("a SQLite data set needs a file: sqlite:////absolute/path.sqlite3")
    return path


def libpq_url(database_url: str) -> str:
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql://" + database_url[len(prefix):]
    return database_url


TABLES = ("group", "person", "volunteer_profile", "need", "claim", "offer")


def build(database_url: str, needs: int = 1_000_000, open_needs: int = 100_000, volunteers: int = 20_000,
          seed: int = DEFAULT_SEED, *, requesters: int | None = None, offers: int = 5_000,
          now: datetime | None = None) -> dict:
    """Migrate `database_url` and fill it with a synthetic London; returns a summary.

    The database must be new (PostgreSQL: created, empty; SQLite: the file is created, or must be
    empty). The summary has the counts, timings, `token_email` (an approved volunteer's login, for
    `flask users token`) and `password` (every generated account's).
    """
    started = time.monotonic()
    timings = {}
    path = sqlite_path(database_url)
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    flask(["db", "upgrade"], database_url)
    timings["migrate_s"] = round(time.monotonic() - started, 1)
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    t = time.monotonic()
    city = generate(needs, open_needs, volunteers, seed, requesters, offers, now)
    timings["generate_s"] = round(time.monotonic() - t, 1)
    log(f"generated in {timings['generate_s']} s; loading")
    sink = SqliteSink(path) if path else PostgresSink(libpq_url(database_url))
    clock = Clock(sqlite=bool(path))
    for table in TABLES:
        if sink.count(table):
            raise RuntimeError(f"table {table} is not empty: build() needs a fresh database")
    from werkzeug.security import generate_password_hash

    password_hash = generate_password_hash(PASSWORD)
    indexes = sink.drop_indexes(list(TABLES))
    counts = {}
    sources = {"group": group_rows(city, clock), "person": person_rows(city, clock, password_hash),
               "volunteer_profile": volunteer_profile_rows(city, clock), "need": need_rows(city, clock),
               "claim": claim_rows(city, clock), "offer": offer_rows(city, clock)}
    for table in TABLES:
        t = time.monotonic()
        have = sink.columns(table)
        counts[table] = 0
        columns = None
        for batch in sources[table]:
            if not batch:
                continue
            if columns is None:
                columns = list(batch[0])
                unknown = [c for c in columns if c not in have]
                missing = [c for c, required in have.items() if required and c not in columns]
                if unknown or missing:
                    raise RuntimeError(f"{table}: schema drift (unknown columns {unknown}, unfilled {missing})")
            sink.load(table, columns, ([row[c] for c in columns] for row in batch))
            counts[table] += len(batch)
        timings[f"load_{table}_s"] = round(time.monotonic() - t, 1)
        log(f"{table}: {counts[table]:,} rows in {timings[f'load_{table}_s']} s")
    t = time.monotonic()
    sink.finish(list(TABLES), indexes)
    timings["index_and_analyze_s"] = round(time.monotonic() - t, 1)
    timings["total_s"] = round(time.monotonic() - started, 1)
    log(f"indexes + analyze in {timings['index_and_analyze_s']} s; total {timings['total_s']} s")
    statuses = dict(zip(*np.unique(city["n"]["status"].astype(str), return_counts=True)))
    return {"database": "sqlite" if path else "postgresql", "seed": seed, "now": now.isoformat(),
            "counts": counts, "need_statuses": {k: int(v) for k, v in statuses.items()},
            "open_located": int(((city["n"]["status"] == "open") & city["n"]["has_point"]).sum()),
            "token_email": TOKEN_EMAIL, "password": PASSWORD, "ref_alphabet": ALPHABET, "ref_length": REF_LENGTH,
            "timings": timings}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url", help="postgresql://... (existing, empty) or sqlite:////abs/path.sqlite3")
    parser.add_argument("--needs", type=int, default=1_000_000)
    parser.add_argument("--open-needs", type=int, default=100_000)
    parser.add_argument("--volunteers", type=int, default=20_000)
    parser.add_argument("--offers", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    summary = build(args.database_url, args.needs, args.open_needs, args.volunteers, args.seed, offers=args.offers)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
