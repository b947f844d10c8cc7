"""police.uk street-level crime CSVs, exactly as published.

A file of a force whose area the store does not hold (``SOCMAP_FORCES``, Kent Police by
default) is refused whole, with one line naming the force (:mod:`geo.ingest._forces`);
``--force-area NAME`` loads it deliberately, for a store meant to hold several areas.

Every row is kept: rows with coordinates are loaded; rows without are real crimes and are
stored as *unmapped*; rows that cannot be right (a malformed number, swapped coordinates, a
point outside the store's area (:mod:`geo.ingest._area`), an impossible month, a repeated
Crime ID) go to quarantine with the reason. Rows without a Crime ID (anti-social behaviour)
are distinct incidents.

A file whose checksum is already loaded changes nothing. A different edition of a month
replaces that month (for the force in "Reported by") from police.uk, unless it would leave
the month with far fewer rows (:mod:`geo.ingest._refused`).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from geo.errors import InputError
from geo.ingest._area import Area, Located
from geo.ingest._csvstream import read_csv_table
from geo.ingest._files import FileInfo, inspect_text_file
from geo.ingest._forces import refuse_other_forces
from geo.ingest._load import (
    BatchReport,
    Chunk,
    LoadContext,
    LoadSpec,
    already_loaded,
    load_chunks,
)
from geo.ingest._options import LoadOptions, ReplacePolicy
from geo.ingest._points import Points
from geo.ingest._progress import LoadProgress
from geo.ingest._stage import canonical_table, raw_row_sql, select_columns, text_values
from geo.settings import Settings
from geo.store import Store

SOURCE = "police-uk"
HEADER = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
_NAMES = [
    "crime_id",
    "month",
    "reported_by",
    "falls_within",
    "longitude",
    "latitude",
    "location",
    "lsoa_code",
    "lsoa_name",
    "crime_type",
    "outcome",
    "context",
]


def ingest_police_uk(
    store: Store,
    path: str | Path,
    settings: Settings,
    *,
    encoding: str = "utf-8",
    progress: bool | None = None,
    options: LoadOptions | None = None,
) -> BatchReport:
    """Load one police.uk street-level CSV as one batch. ``options`` (default: from
    ``settings``) say which forces the store holds and when a replacement is refused."""
    path = Path(path)
    options = options or LoadOptions.from_settings(settings)
    info = inspect_text_file(path, encoding)
    _check_header(info)
    spec = LoadSpec(
        kind="police-uk",
        source=SOURCE,
        file=str(path),
        checksum=info.checksum,
        replace=ReplacePolicy.MONTHS,
        id_label="Crime ID",
        options=options,
    )
    if (batch := already_loaded(store, spec)) is not None:
        return BatchReport(file=spec.file, kind=spec.kind, source=SOURCE, already_loaded_as=batch)
    with LoadProgress(path.name, progress, total=info.size, unit="B") as bar:
        read = partial(_validated_chunks, info, bar)
        report = load_chunks(store, spec, read, step=bar.step)
    if info.has_bom:
        report.notes.append(f"{path}: starts with a UTF-8 byte-order mark; it was ignored")
    if report.blank_lines:
        report.notes.append(f"{path}: {report.blank_lines} blank lines skipped")
    return report


def _check_header(info: FileInfo) -> None:
    got = tuple(h.strip().lower() for h in info.header)
    want = tuple(h.lower() for h in HEADER)
    if got == want:
        return
    missing = [h for h in HEADER if h.lower() not in got]
    extra = [h for h in info.header if h.strip().lower() not in want]
    detail = []
    if missing:
        detail.append("missing " + ", ".join(repr(m) for m in missing))
    if extra:
        detail.append("unexpected " + ", ".join(repr(e) for e in extra))
    if not detail:
        detail.append("columns in the wrong order")
    raise InputError(
        info.path,
        "header is not police.uk street-level format (" + "; ".join(detail) + ")",
        row=1,
    )


def _validated_chunks(info: FileInfo, bar: LoadProgress, ctx: LoadContext) -> Iterator[Chunk]:
    bar.step("reading")
    part = read_csv_table(info, _NAMES, _DICTIONARY)  # the whole file at once, on every core
    bar.finish_reading()
    refuse_other_forces(info.path, part.table, ctx.options)
    unparsed = [(b.row_number, b.problem, b.text) for b in part.bad_rows]
    bar.step("validating", part.table.num_rows + len(unparsed))
    table, points = _validate(part.table, ctx)
    yield Chunk(table, unparsed, part.blank_lines, points, partial(_raw_text, part.table))


def _raw_text(raw: pa.Table, numbers: np.ndarray) -> pa.Table:
    """The file's text of the rows numbered ``numbers`` (the loader asks for the rows it
    rejects as repeats; every other row's text is built only if validation rejects it)."""
    con = duckdb.connect()
    try:
        con.register("b", raw)
        con.register("wanted", pa.table({"row_number": pa.array(numbers, pa.int64())}))
        return con.sql(
            f"SELECT row_number, {raw_row_sql(_NAMES)} AS raw FROM b "
            "WHERE row_number IN (SELECT row_number FROM wanted)"
        ).to_arrow_table()
    finally:
        con.close()


def _validate(raw: pa.Table, ctx: LoadContext) -> tuple[pa.Table, Points]:
    """The validated rows (in file order) and their points, with places and cells.

    The coordinates are read once (:meth:`Points.from_text`) and placed in the store's area;
    DuckDB then gives each row its problem and month from those numbers, in a worker thread
    (it releases the GIL), while this thread runs h3's Python loop on the points in the area,
    so the two largest costs of a load overlap on two cores. The text columns do not pass
    through DuckDB at all: they are the file's own Arrow columns, trimmed and NULLed in
    place (:func:`text_values`), which spares copying every string twice.
    """
    points = Points.from_text(raw["row_number"], raw["latitude"], raw["longitude"])
    located = points.locate(ctx.area)
    checked_input = raw
    for name, values in _point_columns(points, located, ctx.area).items():
        checked_input = checked_input.append_column(name, values)
    con = duckdb.connect()
    try:
        con.register("b", checked_input)
        params = {"edge": f"{ctx.area.edge_m:g}"}
        checked = points.cells_beside(
            lambda: con.sql(_VALIDATE_SQL, params=params).to_arrow_table(), located.inside
        )
    finally:
        con.close()
    points.require_rows(checked["row_number"])
    columns = {name: checked[name] for name in checked.column_names}
    columns |= {name: text_values(raw[field]) for name, field in _TEXT.items()}
    columns["source"] = _constant(SOURCE, raw.num_rows)
    return canonical_table(columns, raw.num_rows), points


def _point_columns(points: Points, located: Located, area: Area) -> dict[str, pa.Array]:
    """What validation needs of each row's point: the numbers (NULL where there is none),
    whether it is in the area, whether it would be with latitude and longitude swapped
    (tried only for points outside it) and how far beyond the districts it lies."""
    outside = np.flatnonzero(np.isfinite(points.lat) & ~located.inside)
    swapped = np.zeros(len(points), dtype=bool)
    if len(outside):
        swapped[outside] = area.contains(points.lon[outside], points.lat[outside])
    beyond = located.beyond_m
    return {
        "lat": pa.array(points.lat, mask=np.isnan(points.lat)),
        "lon": pa.array(points.lon, mask=np.isnan(points.lon)),
        "in_area": pa.array(located.inside),
        "swap_in_area": pa.array(swapped),
        "beyond_m": pa.array(beyond, mask=~np.isfinite(beyond) | located.inside),
    }


def _constant(value: str, n: int) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array([value]))


# ``lat``/``lon`` are the points as read once (NULL where blank, not a number or infinite);
# ``in_area``, ``swap_in_area`` and ``beyond_m`` say where they lie (_point_columns).
_REASON_SQL = """
    CASE
        WHEN month_s = '' THEN 'Month is empty'
        WHEN month_d IS NULL THEN 'Month ''' || month_s || ''' is not a real month (YYYY-MM)'
        WHEN month_d > current_date THEN 'Month ' || month_s || ' is in the future'
        WHEN year(month_d) < 1990 THEN 'Month ' || month_s || ' is before 1990'
        WHEN crime_type = '' THEN 'Crime type is empty'
        WHEN lat_s = '' AND lon_s = '' THEN NULL
        WHEN lat_s = '' THEN 'Latitude is empty but Longitude is given'
        WHEN lon_s = '' THEN 'Longitude is empty but Latitude is given'
        WHEN lat IS NULL THEN 'Latitude ''' || lat_s || ''' is not a number'
        WHEN lon IS NULL THEN 'Longitude ''' || lon_s || ''' is not a number'
        WHEN in_area THEN NULL
        WHEN swap_in_area
            THEN 'Latitude and Longitude look swapped (Latitude ' || lat_s
                 || ', Longitude ' || lon_s || ')'
        WHEN abs(lat) > 90 OR abs(lon) > 180
            THEN 'coordinates out of range (Latitude ' || lat_s || ', Longitude ' || lon_s || ')'
        ELSE 'point (Latitude ' || lat_s || ', Longitude ' || lon_s
             || ') is outside Kent and Medway' || coalesce(' (' || printf('%.1f', beyond_m / 1000)
             || ' km beyond the loaded district boundaries; points up to ' || $edge
             || ' m beyond are kept)', '')
    END
"""

# The columns DuckDB computes, as expressions over the validated CTE below (the stored
# latitude and longitude come from the points, in the loader).
_COLUMNS = {
    "row_number": "row_number",
    "reason": "reason_s",
    "raw": f"CASE WHEN reason_s IS NOT NULL THEN {raw_row_sql(_NAMES)} END",
    "month": "month_d",
    # Only rows where "Falls within" differs from "Reported by", or with a Context, carry
    # attributes: building JSON for every row would cost a fifth of the whole load.
    "attributes": (
        "CASE WHEN trim(falls_within) <> trim(reported_by) OR trim(context) <> '' "
        "THEN json_object('falls_within', NULLIF(trim(falls_within), ''), "
        "'context', NULLIF(trim(context), '')) END"
    ),
}

# Canonical text columns taken from the file's columns as they are (see _validate).
_TEXT = {
    "incident_id": "crime_id",
    "category": "crime_type",
    "location": "location",
    "lsoa_code": "lsoa_code",
    "lsoa_name": "lsoa_name",
    "outcome": "outcome",
    "reported_by": "reported_by",
}

# Columns with few distinct values, read dictionary-encoded (geo.ingest._csvstream): all but
# the unique Crime ID and the coordinates.
_DICTIONARY = frozenset(_NAMES) - {"crime_id", "longitude", "latitude"}

_VALIDATE_SQL = f"""
WITH t AS (
    SELECT *, trim(month) AS month_s, trim(latitude) AS lat_s, trim(longitude) AS lon_s
    FROM b
), v AS (
    SELECT *,
        CASE WHEN regexp_full_match(month_s, '[0-9]{{4}}-[0-9]{{2}}')
             THEN TRY_CAST(month_s || '-01' AS DATE) END AS month_d
    FROM t
), r AS (
    SELECT *, {_REASON_SQL} AS reason_s FROM v
)
SELECT {select_columns(_COLUMNS)}
FROM r
ORDER BY row_number
"""
