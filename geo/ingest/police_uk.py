"""police.uk street-level crime CSVs, exactly as published.

Every row is kept: rows with coordinates are loaded; rows without are real crimes and are
stored as *unmapped*; rows that cannot be right (a malformed number, swapped coordinates, a
point outside Kent and Medway, an impossible month, a repeated Crime ID) go to quarantine with
the reason. Rows without a Crime ID (anti-social behaviour) are distinct incidents.

A file whose checksum is already loaded changes nothing. A different edition of a month
replaces that month (for the force in "Reported by") from police.uk.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from geo.errors import InputError, SocmapError
from geo.grid import incidents_to_cell_columns
from geo.ingest._csvstream import read_csv_table
from geo.ingest._files import FileInfo, inspect_text_file
from geo.ingest._load import BatchReport, Chunk, LoadSpec, already_loaded, load_chunks
from geo.ingest._progress import LoadProgress
from geo.ingest._stage import (
    canonical_table,
    float_values,
    match_stored_points,
    raw_row_sql,
    select_columns,
    text_values,
)
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
) -> BatchReport:
    """Load one police.uk street-level CSV as one batch."""
    path = Path(path)
    info = inspect_text_file(path, encoding)
    _check_header(info)
    spec = LoadSpec(
        kind="police-uk",
        source=SOURCE,
        file=str(path),
        checksum=info.checksum,
        replace="months",
        id_label="Crime ID",
    )
    if (batch := already_loaded(store, spec)) is not None:
        return BatchReport(file=spec.file, kind=spec.kind, source=SOURCE, already_loaded_as=batch)
    with LoadProgress(path.name, progress, total=info.size, unit="B") as bar:
        chunks = _validated_chunks(info, settings, bar)
        report = load_chunks(store, spec, chunks, step=bar.step)
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


def _validated_chunks(info: FileInfo, settings: Settings, bar: LoadProgress) -> Iterator[Chunk]:
    bar.step("reading")
    part = read_csv_table(info, _NAMES, _DICTIONARY)  # the whole file at once, on every core
    bar.finish_reading()
    unparsed = [(b.row_number, b.problem, b.text) for b in part.bad_rows]
    bar.step("validating", part.table.num_rows + len(unparsed))
    table, cells = _validate(part.table, settings)
    yield Chunk(table, unparsed, part.blank_lines, cells, partial(_raw_text, part.table))


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


def _validate(raw: pa.Table, settings: Settings) -> tuple[pa.Table, np.ndarray]:
    """The validated rows (in file order), and the H3 cells of each of them at every
    resolution (one row per resolution; 0 where none).

    DuckDB works out each row's problem, month and coordinates in a worker thread (it
    releases the GIL) while this thread runs h3's Python loop, so the two largest costs of a
    load overlap on two cores. The text columns do not pass through DuckDB at all: they are
    the file's own Arrow columns, trimmed and NULLed in place (:func:`text_values`), which
    spares copying every string twice.
    """
    con = duckdb.connect()
    try:
        con.register("b", raw)
        lat, lon = _coordinates(con, raw)
        with ThreadPoolExecutor(max_workers=1) as pool:
            future = pool.submit(
                lambda: con.sql(_VALIDATE_SQL, params=_bbox_params(settings)).to_arrow_table()
            )
            cells = incidents_to_cell_columns(lat, lon)
            checked = future.result()
    finally:
        con.close()
    _require_file_order(raw, checked["row_number"])
    match_stored_points(cells, lat, lon, checked)
    columns = {name: checked[name] for name in checked.column_names}
    columns |= {name: text_values(raw[field]) for name, field in _TEXT.items()}
    columns["source"] = _constant(SOURCE, raw.num_rows)
    return canonical_table(columns, raw.num_rows), cells


def _coordinates(con: duckdb.DuckDBPyConnection, raw: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude for h3, in file order; NaN where blank or unreadable.

    Arrow parses a usual file (numbers, blanks, padding) in under half DuckDB's time, and h3
    waits for this. Anything Arrow refuses (a word, say) makes DuckDB parse the columns as
    validation does.
    """
    try:
        return _arrow_floats(raw["latitude"]), _arrow_floats(raw["longitude"])
    except pa.ArrowInvalid:
        coords = con.sql(
            "SELECT row_number, TRY_CAST(trim(latitude) AS DOUBLE) AS lat, "
            "TRY_CAST(trim(longitude) AS DOUBLE) AS lon FROM b ORDER BY row_number"
        ).fetchnumpy()
        _require_file_order(raw, coords["row_number"])
        return _as_floats(coords["lat"]), _as_floats(coords["lon"])


def _arrow_floats(column: pa.ChunkedArray) -> np.ndarray:
    # Trimmed and blank as NULL, as DuckDB's TRY_CAST(trim(...)) reads them.
    return float_values(pc.cast(text_values(column), pa.float64()))


def _require_file_order(raw: pa.Table, *orders: object) -> None:
    """Rows are matched to cells and text by position, so every part must be in file order
    (each query sorts by row number; the file's own numbers ascend). Checked, not assumed."""
    want = raw["row_number"].to_numpy()
    for order in orders:
        got = order.to_numpy() if isinstance(order, pa.ChunkedArray) else np.asarray(order)
        if not np.array_equal(want, got):
            raise SocmapError("internal error: validated rows are out of file order")


def _constant(value: str, n: int) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array([value]))


def _as_floats(values: np.ndarray) -> np.ndarray:
    """DuckDB returns a masked array where values are NULL; NULL becomes NaN."""
    if np.ma.isMaskedArray(values):
        return values.astype(np.float64).filled(np.nan)
    return np.asarray(values, dtype=np.float64)


def _bbox_params(settings: Settings) -> dict[str, float]:
    min_lon, min_lat, max_lon, max_lat = settings.region_bbox
    return {"min_lon": min_lon, "min_lat": min_lat, "max_lon": max_lon, "max_lat": max_lat}


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
        WHEN lat IS NULL OR NOT isfinite(lat) THEN 'Latitude ''' || lat_s || ''' is not a number'
        WHEN lon IS NULL OR NOT isfinite(lon) THEN 'Longitude ''' || lon_s || ''' is not a number'
        WHEN lat BETWEEN $min_lat AND $max_lat AND lon BETWEEN $min_lon AND $max_lon THEN NULL
        WHEN lon BETWEEN $min_lat AND $max_lat AND lat BETWEEN $min_lon AND $max_lon
            THEN 'Latitude and Longitude look swapped (Latitude ' || lat_s
                 || ', Longitude ' || lon_s || ')'
        WHEN abs(lat) > 90 OR abs(lon) > 180
            THEN 'coordinates out of range (Latitude ' || lat_s || ', Longitude ' || lon_s || ')'
        ELSE 'point (Latitude ' || lat_s || ', Longitude ' || lon_s
             || ') is outside Kent and Medway'
    END
"""

# The columns DuckDB computes, as expressions over the validated CTE below.
_COLUMNS = {
    "row_number": "row_number",
    "reason": "reason_s",
    "raw": f"CASE WHEN reason_s IS NOT NULL THEN {raw_row_sql(_NAMES)} END",
    "month": "month_d",
    "latitude": "CASE WHEN reason_s IS NULL THEN lat END",
    "longitude": "CASE WHEN reason_s IS NULL THEN lon END",
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
    SELECT *,
        trim(month) AS month_s,
        trim(latitude) AS lat_s,
        trim(longitude) AS lon_s,
        TRY_CAST(trim(latitude) AS DOUBLE) AS lat,
        TRY_CAST(trim(longitude) AS DOUBLE) AS lon
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
