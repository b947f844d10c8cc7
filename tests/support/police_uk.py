"""police.uk street-level CSV rows and files, written as police.uk publishes them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from geo.ingest.police_uk import HEADER

# Real Kent points (Maidstone, Canterbury, Margate) and a point in Devon.
MAIDSTONE = ("0.522700", "51.270400")
CANTERBURY = ("1.078900", "51.280200")
MARGATE = ("1.386200", "51.381300")


def row(
    crime_id="", month="2018-10", lon_lat=MAIDSTONE, crime_type="Drugs", location="On or near X"
) -> list[str]:
    lon, lat = lon_lat
    return [
        crime_id,
        month,
        "Kent Police",
        "Kent Police",
        lon,
        lat,
        location,
        "E01024343",
        "Maidstone 001A",
        crime_type,
        "Under investigation",
        "",
    ]


def write_csv(path: Path, rows: list[list[str]], header=HEADER, *, bom=False, encoding="utf-8"):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buf.getvalue().encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path
