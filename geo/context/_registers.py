"""Loading registers of vulnerable places (schools, care locations) with the accounting
incidents have (docs/rates.md, "Vulnerable places").

Every row of the file is loaded, or kept with a one-line reason naming the file, the row and
the problem: ``rows read = loaded + outside + quarantined``, where *outside* rows are good
rows of places beyond Kent and Medway (a national GIAS file holds every school in England:
they are kept with their reason, and are not errors). A file that cannot be read at all (not
found, empty, not in the encoding given, a header without the layout's columns) is refused
with one line and changes nothing. The same file again changes nothing; another file of the
same register replaces it, in one store transaction, so a failed load leaves the store as it
was.

A place's point is its own (GIAS Easting/Northing converted from British National Grid with
pyproj; CQC latitude/longitude), else its postcode's centroid in the newest Code-Point Open
release loaded (``located_by`` says which); it is placed in the loaded districts and divisions
by point-in-polygon, as incidents are.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pyproj import Transformer

from geo.context._areas import loaded_areas
from geo.context._register_formats import LAYOUTS, READERS, REGISTERS, Place, RowError, header_map
from geo.errors import InputError, ValidationError
from geo.store import Store
from geo.store.queries.rates import postcode_points, register_batches

_RAW_CHARS = 1000
_NAME_DATE = (
    re.compile(r"(\d{4})(\d{2})(\d{2})"),  # edubasealldata20240129.csv
    re.compile(r"(\d{1,2})_([A-Za-z]+)_(\d{4})"),  # 01_October_2026_HSCA_Active_Locations
)
_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1)}  # fmt: skip
OUTSIDE = "outside Kent and Medway"


@dataclass
class RegisterReport:
    register: str
    file: str
    rows_read: int = 0
    loaded: int = 0
    outside: int = 0
    quarantined: int = 0
    unchanged: bool = False
    by_kind: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # the first quarantine lines
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_register(
    store: Store,
    register: str,
    path: str | Path,
    *,
    encoding: str = "utf-8",
    vintage: str | None = None,
    force: bool = False,
) -> RegisterReport:
    """Load ``path`` as the ``register`` (schools or care), replacing the one loaded."""
    if register not in REGISTERS:
        raise ValidationError(f"register {register!r}: expected one of {', '.join(REGISTERS)}")
    path = Path(path)
    report = RegisterReport(register, str(path))
    data = _read_bytes(path)
    checksum = hashlib.sha256(data + f"|{register}|{encoding}".encode()).hexdigest()
    stored = register_batches(store)
    if not force and not stored.empty:
        same = stored[(stored["register"] == register) & (stored["checksum"] == checksum)]
        if len(same):
            report.unchanged = True
            report.notes.append("this file is loaded already; nothing changed (--force reloads)")
            return report
    rows = _rows(_decode(data, path, encoding), path)
    header, records = rows[0][1], rows[1:]
    layout = LAYOUTS[register]
    columns, missing = header_map(header, layout)
    if missing:
        raise InputError(
            path, f"not the {layout.title} layout: no column {', '.join(missing)}", row=1
        )
    places, bad, outside = _parse(records, len(header), columns, register, path)
    places, more_bad, more_outside = _locate(store, places, path)
    bad += more_bad
    outside += more_outside
    report.rows_read = len(records)
    report.loaded, report.outside, report.quarantined = len(places), len(outside), len(bad)
    assert report.rows_read == report.loaded + report.outside + report.quarantined
    report.by_kind = places["kind"].value_counts().sort_index().to_dict() if len(places) else {}
    report.problems = [f"{path}: row {r}: {reason}" for r, reason, _ in sorted(bad)[:20]]
    when = vintage or _vintage(path)
    _write(store, report, places, bad, outside, checksum, when)
    return report


def remove_register(store: Store, register: str) -> bool:
    """Remove a loaded register; False when it was not loaded."""
    stored = register_batches(store)
    if stored.empty or register not in set(stored["register"]):
        return False
    with store.writing() as con:
        for table in ("register_places", "register_quarantine", "register_batches"):
            con.execute(f"DELETE FROM {table} WHERE register = ?", [register])
    return True


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise InputError(path, "file not found")
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, "is empty")
    return data


def _decode(data: bytes, path: Path, encoding: str) -> str:
    try:
        return data.decode(
            "utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding
        )
    except LookupError:
        raise ValidationError(f"encoding {encoding!r} is not one Python knows") from None
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        hint = " (GIAS and CQC downloads are often Windows-1252: try --encoding cp1252)"
        raise InputError(path, f"is not {encoding} text{hint}", row=row) from None


def _rows(text: str, path: Path) -> list[tuple[int, list[str]]]:
    """(row number, fields) for the header and every non-blank record."""
    out = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for number, fields in enumerate(reader, start=1):
            if fields and any(f.strip() for f in fields):
                out.append((number, fields))
    except csv.Error as exc:
        raise InputError(path, f"is not a readable CSV ({exc})", row=reader.line_num) from None
    if not out:
        raise InputError(path, "is empty")
    if len(out) == 1:
        raise InputError(path, "has a header but no rows")
    return out


def _parse(records, width, columns, register, path):
    places, bad, outside, seen = [], [], [], {}
    for number, fields in records:
        raw = ",".join(fields)[:_RAW_CHARS]
        if len(fields) != width:
            bad.append((number, f"has {len(fields)} fields where the header has {width}", raw))
            continue

        def get(column, fields=fields):
            i = columns.get(column)
            return fields[i].strip() if i is not None else ""

        try:
            place = READERS[register](get)
        except RowError as exc:
            bad.append((number, str(exc), raw))
            continue
        if place.place_id in seen:
            what = "URN" if register == "schools" else "Location ID"
            reason = f"{what} {place.place_id} repeats row {seen[place.place_id]}"
            bad.append((number, reason, raw))
            continue
        seen[place.place_id] = number
        places.append((number, place, raw))
    return places, bad, outside


def _locate(store: Store, places: list[tuple[int, Place, str]], path: Path):
    """Points (own, else the postcode's) and districts; rows that cannot be placed."""
    areas = loaded_areas(store)
    if not len(areas["district"].codes):
        raise ValidationError("no district boundaries are loaded: `socmap boundaries fetch`")
    bad, outside = [], []
    lon = np.full(len(places), np.nan)
    lat = np.full(len(places), np.nan)
    how = np.array(["coordinates"] * len(places), dtype=object)
    bng = [i for i, (_, p, _) in enumerate(places) if p.bng and p.x is not None]
    if bng:
        to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
        x = np.array([places[i][1].x for i in bng])
        y = np.array([places[i][1].y for i in bng])
        lon[bng], lat[bng] = to_wgs84.transform(x, y)
    for i, (_, p, _) in enumerate(places):
        if not p.bng and p.x is not None:
            lon[i], lat[i] = p.x, p.y
    need = [i for i, (_, p, _) in enumerate(places) if p.x is None]
    if need:
        postcodes = postcode_points(store)
        found = postcodes.set_index("search_key")
        release = postcodes["vintage"].iloc[0] if len(postcodes) else None
        for i in need:
            key = places[i][1].postcode.replace(" ", "")
            if key and key in found.index:
                lon[i], lat[i] = found.at[key, "longitude"], found.at[key, "latitude"]
                how[i] = "postcode"
    district, _ = areas["district"].locate(lon, lat)
    division, _ = areas["division"].locate(lon, lat)
    rows = []
    for i, (number, p, raw) in enumerate(places):
        if np.isnan(lon[i]):
            where = f"Code-Point Open {release}" if need and release else "no postcodes loaded"
            reason = (
                f"no coordinates, and postcode {p.postcode or '(blank)'!r} is not found ({where})"
            )
            bad.append((number, reason, raw))
        elif district[i] < 0:
            reason = f"{OUTSIDE}: the point lies in no loaded district ({p.local_authority})"
            outside.append((number, reason, raw))
        else:
            rows.append({
                **{k: v for k, v in asdict(p).items() if k not in ("x", "y", "bng")},
                "longitude": float(lon[i]), "latitude": float(lat[i]), "located_by": how[i],
                "district": str(areas["district"].codes[district[i]]),
                "division": str(areas["division"].codes[division[i]]) if division[i] >= 0 else None,
            })  # fmt: skip
    return pd.DataFrame(rows), bad, outside


def _vintage(path: Path) -> str:
    for i, pattern in enumerate(_NAME_DATE):
        found = pattern.search(path.name)
        if found:
            try:
                if i == 0:
                    return date(*(int(v) for v in found.groups())).isoformat()
                day, month, year = found.groups()
                return date(int(year), _MONTHS[month.lower()], int(day)).isoformat()
            except (ValueError, KeyError):
                continue
    dated = datetime.fromtimestamp(path.stat().st_mtime, UTC).date().isoformat()
    return f"file dated {dated}"


def _write(store, report, places: pd.DataFrame, bad, outside, checksum: str, vintage: str) -> None:
    layout = LAYOUTS[report.register]
    kept = [(n, r, raw, False) for n, r, raw in bad] + [(n, r, raw, True) for n, r, raw in outside]
    quarantine = pa.table({
        "register": [report.register] * len(kept), "file": [report.file] * len(kept),
        "row_number": pa.array([k[0] for k in kept], pa.int64()),
        "reason": [k[1] for k in kept], "raw": [k[2] for k in kept],
        "outside": pa.array([k[3] for k in kept], pa.bool_()),
    })  # fmt: skip
    with store.writing() as con:
        for table in ("register_places", "register_quarantine", "register_batches"):
            con.execute(f"DELETE FROM {table} WHERE register = ?", [report.register])
        if len(places):
            arrow = pa.Table.from_pandas(
                places.assign(register=report.register), preserve_index=False
            )
            columns = ", ".join(arrow.column_names)
            con.register("register_rows", arrow)
            try:
                con.execute(
                    f"INSERT INTO register_places ({columns}) SELECT {columns} FROM register_rows"
                )
            finally:
                con.unregister("register_rows")
        if kept:
            con.register("register_kept", quarantine)
            try:
                con.execute("INSERT INTO register_quarantine SELECT * FROM register_kept")
            finally:
                con.unregister("register_kept")
        con.execute(
            "INSERT INTO register_batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [report.register, layout.title, layout.publisher, report.file, checksum, vintage,
             report.rows_read, report.loaded, report.outside, report.quarantined,
             datetime.now(UTC)],
        )  # fmt: skip
