"""Importing full-postcode centroids a group downloads (Code-Point Open or the ONS directory)."""
from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from mutualaid.extensions import db
from mutualaid.geo.postcodes import normalise_gb_postcode
from mutualaid.models import PostcodePoint

BATCH = 5000


def _csv_streams(path: Path) -> Iterator[io.TextIOBase]:
    """Every CSV inside a zip (Code-Point Open ships one per postcode area), or the file itself."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in sorted(archive.namelist()):
                if name.lower().endswith(".csv") and "/data/" in f"/{name.lower()}":
                    with archive.open(name) as raw:
                        yield io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    else:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            yield handle


def _rows(stream) -> Iterator[tuple[str, float, float, str]]:
    """(postcode, x, y, kind): kind 'wgs84' for ONS lat/long, 'osgb' for Code-Point eastings/northings."""
    reader = csv.reader(stream)
    first = next(reader, None)
    if first is None:
        return
    header = [h.strip().lower() for h in first]
    if "lat" in header and ("long" in header or "lon" in header):
        pc = header.index("pcds") if "pcds" in header else header.index("pcd") if "pcd" in header else 0
        lat, lon = header.index("lat"), header.index("long" if "long" in header else "lon")
        for row in reader:
            try:
                yield row[pc], float(row[lat]), float(row[lon]), "wgs84"
            except (ValueError, IndexError):
                continue
        return
    for row in [first, *reader]:
        # Code-Point Open: Postcode, Positional_quality_indicator, Eastings, Northings, ...
        try:
            if row[1].strip() == "90":
                continue
            yield row[0], float(row[2]), float(row[3]), "osgb"
        except (ValueError, IndexError):
            continue


def _points(rows: Iterable[tuple[str, float, float, str]]) -> Iterator[tuple[str, float, float]]:
    """Normalised postcodes with WGS84 points; ONS's 99.999999 'no location' rows are skipped."""
    from pyproj import Transformer

    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    for postcode, x, y, kind in rows:
        code = normalise_gb_postcode(postcode)
        if code is None:
            continue
        if kind == "osgb":
            if x == 0 and y == 0:
                continue
            lon, lat = to_wgs84.transform(x, y)
        else:
            lat, lon = x, y
            if not (-90 <= lat <= 90 and -180 <= lon <= 180) or lat > 90 - 1e-6:
                continue
        yield code, round(lat, 6), round(lon, 6)


def import_postcode_file(path: str | Path) -> int:
    """Upsert every postcode in the file; returns how many were stored."""
    count = 0
    batch: list[tuple[str, float, float]] = []

    def flush() -> None:
        for code, lat, lon in batch:
            db.session.merge(PostcodePoint(postcode=code, lat=lat, lon=lon))
        db.session.commit()
        batch.clear()

    for stream in _csv_streams(Path(path)):
        for point in _points(_rows(stream)):
            batch.append(point)
            count += 1
            if len(batch) >= BATCH:
                flush()
    flush()
    return count
