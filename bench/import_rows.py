"""Importing a 10,000-row volunteers sheet and a 10,000-row needs sheet: the dry run and the import, against a
baseline of the same rows saved one by one, in the same run.

    .venv/bin/python bench/import_rows.py [--rows 10000] [--baseline-rows 1000] [--database-url URL]

Builds a Google Form's CSV export (English headers, UTF-8 with a BOM, a consent column, postcode
sectors of London the shipped offline gazetteer knows) and times `run_import` (the code behind
`flask --app wsgi import` and the coordinators' page): the dry run, the import, and the same file again
(every row found already imported). The baseline, for the first `--baseline-rows` rows: volunteers
added one by one through the ORM with a commit each (Person + VolunteerProfile), and needs sent one
by one through the web form's action (`submit_need`). Rows per second are comparable across the two.
Default: SQLite in a temporary file; `--database-url` takes an empty throwaway database instead.
"""
from __future__ import annotations

import argparse
import csv
import io
import math
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CENTRE = (51.5431, -0.0600)  # Hackney
RADIUS_KM = 12.0
VOLUNTEER_HEADERS = ("Timestamp", "Full name", "Email address", "Phone number", "Postcode",
                     "What can you help with?", "When are you available?", "Do you have a car?",
                     "I agree to be contacted by text")
NEED_HEADERS = ("Timestamp", "Email address", "Full name", "Phone number", "Postcode", "What do you need?",
                "Anything else?", "I agree to be contacted by text")
SKILLS = ("Shopping, Prescriptions", "Dog walking", "Phone calls, Paperwork", "Lifts", "Shopping")
NEEDS = ("Groceries", "Medicine", "A phone call or a visit", "Help with forms or paperwork", "Pet care")


def london_sectors() -> list[str]:
    """Postcode sectors of the shipped table within the group's area."""
    from mutualaid.geo import offline

    table = Path(offline.__file__).resolve().parent / "data" / "gb_sectors.csv"
    with table.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))

    def km(lat, lon):
        dy, dx = (lat - CENTRE[0]) * 111.2, (lon - CENTRE[1]) * 111.2 * math.cos(math.radians(CENTRE[0]))
        return math.hypot(dx, dy)

    return [r["sector"] for r in rows if km(float(r["lat"]), float(r["lon"])) < RADIUS_KM - 2][:400]


def sheet(headers, rows) -> bytes:
    """A CSV as Google Sheets downloads it, with a BOM as Excel likes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def volunteer_rows(n: int, sectors: list[str]):
    """n volunteers, each with their own phone and email."""
    return [("2026/03/01 10:00:00", f"Volunteer {i}", f"vol{i}@bench.mutualaid.test", f"07911 2{i:05d}",
             sectors[i % len(sectors)], SKILLS[i % len(SKILLS)], "Weekday evenings", "Yes" if i % 4 == 0 else "No",
             "Yes" if i % 2 else "") for i in range(n)]


def need_rows(n: int, sectors: list[str]):
    """n needs from n neighbours."""
    return [("2026/03/01 10:00:00", "", f"Neighbour {i}", f"07911 1{i:05d}", sectors[i % len(sectors)],
             NEEDS[i % len(NEEDS)], f"Request number {i}: bread, milk and a prescription", "Yes" if i % 3 else "")
            for i in range(n)]


def timed(fn):
    """(seconds, result)."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def clear(db):
    """Empty every table."""
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--baseline-rows", type=int, default=1_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from mutualaid import create_app
    from mutualaid.extensions import db
    from mutualaid.imports.actions import run_import
    from mutualaid.models import Group, Person, VolunteerProfile
    from mutualaid.needs.actions import submit_need
    from mutualaid.needs.intake import Contact, NeedInput

    from config.settings import normalise_database_url

    url = normalise_database_url(args.database_url) if args.database_url else \
        f"sqlite:///{tempfile.mkdtemp()}/import-bench.sqlite3"
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING"})
    with app.app_context():
        db.create_all()
        clear(db)
        sectors = london_sectors()
        files = {"volunteers": sheet(VOLUNTEER_HEADERS, volunteer_rows(args.rows, sectors)),
                 "needs": sheet(NEED_HEADERS, need_rows(args.rows, sectors))}
        print(f"{db.engine.dialect.name}: {args.rows} rows per file, {len(sectors)} postcode sectors, "
              f"volunteers file {len(files['volunteers']) // 1024} KB, needs file {len(files['needs']) // 1024} KB")

        def make_group():
            group = Group(slug="bench", name="Bench Mutual Aid", centre_lat=CENTRE[0], centre_lon=CENTRE[1],
                          radius_km=RADIUS_KM)
            db.session.add(group)
            db.session.commit()
            return group

        for kind in ("volunteers", "needs"):
            clear(db)
            group = make_group()
            dry, report = timed(lambda: run_import(group, kind, files[kind], dry_run=True))
            assert report.imported == args.rows, (kind, report.imported, report.with_words[:3])
            done, report = timed(lambda: run_import(group, kind, files[kind], dry_run=False))
            assert report.imported == args.rows
            again, report = timed(lambda: run_import(group, kind, files[kind], dry_run=False))
            assert report.imported == 0
            print(f"  {kind:<10} dry run {dry:6.1f} s ({args.rows / dry:7.0f} rows/s)   import {done:6.1f} s "
                  f"({args.rows / done:6.0f} rows/s)   same file again {again:6.1f} s ({args.rows / again:7.0f} rows/s)")

        clear(db)
        group = make_group()
        n = args.baseline_rows
        from mutualaid.groups.places import locate

        def volunteers_one_by_one():
            for row in volunteer_rows(n, sectors):
                placement = locate(row[4], allow_online=False)
                person = Person(role="volunteer", name=row[1], email=row[2], phone="+44" + row[3][1:].replace(" ", ""),
                                group_id=group.id, sms_consent=bool(row[8]))
                person.volunteer = VolunteerProfile(home_label=placement.label, home_lat=placement.public[0],
                                                    home_lon=placement.public[1], categories=["groceries"],
                                                    languages=["en"])
                db.session.add(person)
                db.session.commit()

        def needs_one_by_one():
            for row in need_rows(n, sectors):
                submit_need(NeedInput(category="groceries", details=row[6], where=row[4], source="phone",
                                      contact=Contact(row[2], row[3], "", "en", bool(row[7]))))

        base_v, _ = timed(volunteers_one_by_one)
        base_n, _ = timed(needs_one_by_one)
        print(f"  baseline, {n} rows one by one: volunteers through the ORM {base_v:6.1f} s ({n / base_v:6.0f} rows/s)"
              f"   needs through submit_need {base_n:6.1f} s ({n / base_n:6.0f} rows/s)")
        clear(db)


if __name__ == "__main__":
    main()
