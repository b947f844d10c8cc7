"""Small builders for partner files, shared by the partner-ingest tests."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from socmap.cli import main

HEADER = ("incident_id", "category", "date", "latitude", "longitude")
# Real Kent points (Maidstone, Canterbury) and a point in Devon.
MAIDSTONE = (51.2704, 0.5227)
CANTERBURY = (51.2802, 1.0789)
DEVON = (50.621733, -3.408175)


def write_csv(
    path: Path,
    rows: list[list[object]],
    header=HEADER,
    *,
    bom: bool = False,
    encoding: str = "utf-8",
) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode(encoding))
    return path


def knife(incident_id: str, date: str = "2024-03-05", point=MAIDSTONE) -> list[object]:
    return [incident_id, "knife_crime", date, *point]


def write_geojson(path: Path, features: list[object], **extra: object) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra}))
    return path


def feature(properties: dict, coordinates=None, kind: str = "Point") -> dict:
    geometry = None if coordinates is None else {"type": kind, "coordinates": coordinates}
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def run_cli(db: Path, *args: str) -> int:
    return main(["--db", str(db), *args])


def counts(store) -> tuple[int, int]:
    return (
        store.fetch_rows("SELECT count(*) FROM incidents")[0][0],
        store.fetch_rows("SELECT count(*) FROM quarantine")[0][0],
    )


def one(store, sql: str, params=None):
    rows = store.fetch_rows(sql, params or [])
    assert len(rows) == 1, rows
    return rows[0]
