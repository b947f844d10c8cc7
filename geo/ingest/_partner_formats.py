"""Reading partner files (CSV, GeoJSON, Parquet) into blocks of text columns.

Every format becomes the same thing: Arrow blocks whose columns are the file's own columns as
text (renamed ``c0``, ``c1``, ...), numbered rows, and what the format adds (a GeoJSON point's
coordinates). Validation then treats all formats alike. Row numbers: a CSV row as a
spreadsheet numbers it (the header is row 1), a GeoJSON feature's position in ``features``
(from 1), a Parquet record's position (from 1).

The format is recognised from the file's first bytes, not its name: ``PAR1`` is Parquet, a
``{`` is GeoJSON, anything else is read as CSV. An Excel workbook is refused with advice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from geo.errors import InputError
from geo.ingest._csvstream import read_csv_table
from geo.ingest._files import (
    BOM,
    _require_file,
    file_checksum,
    inspect_text_file,
)
from geo.ingest._partner_sql import Layout

_BLOCK_ROWS = 65_536


@dataclass(frozen=True)
class RawPart:
    table: pa.Table  # c0.. as text, row_number, and any Layout columns
    unparsed: list[tuple[int, str, str]] = field(default_factory=list)
    blank_lines: int = 0


@dataclass(frozen=True)
class OpenedFile:
    """A partner file that passed the file-level checks, ready to read in blocks."""

    path: Path
    format: str  # csv | geojson | parquet
    checksum: str
    headers: tuple[str, ...]
    layout: Layout
    total: int  # for the progress bar, in ``unit``
    unit: str
    notes: tuple[str, ...]
    read: Callable[[Callable[[int], object]], Iterator[RawPart]]


def open_partner_file(path: Path, encoding: str) -> OpenedFile:
    _require_file(path)
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PAR1"):
        return _open_parquet(path)
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise InputError(
            path, "is an Excel workbook (or another zip file): save it as CSV (UTF-8) and load that"
        )
    if head.removeprefix(BOM).lstrip().startswith(b"{"):
        return _open_geojson(path, encoding)
    return _open_csv(path, encoding)


def _bom_note(path: Path) -> str:
    return f"{path}: starts with a UTF-8 byte-order mark; it was ignored"


# -- CSV ------------------------------------------------------------------------------------


def _open_csv(path: Path, encoding: str) -> OpenedFile:
    info = inspect_text_file(path, encoding)
    names = [f"c{i}" for i in range(len(info.header))]

    def read(on_bytes: Callable[[int], object]) -> Iterator[RawPart]:
        # The whole file on both cores; the parser re-reads in order only if rows are bad.
        part = read_csv_table(info, names)
        on_bytes(info.size)
        bad = [(b.row_number, b.problem, b.text) for b in part.bad_rows]
        yield RawPart(part.table, bad, part.blank_lines)

    notes = (_bom_note(path),) if info.has_bom else ()
    layout = Layout(raw="csv")
    return OpenedFile(path, "csv", info.checksum, info.header, layout, info.size, "B", notes, read)


# -- GeoJSON --------------------------------------------------------------------------------


def _open_geojson(path: Path, encoding: str) -> OpenedFile:
    data = path.read_bytes()
    checksum = hashlib.sha256(data).hexdigest()
    has_bom = data.startswith(BOM)
    doc = _parse_json(path, data[len(BOM) :] if has_bom else data, encoding)
    features = _features(path, doc)
    grid = _crs_is_grid(path, doc.get("crs"))
    headers = tuple(dict.fromkeys(k for f in features for k in _properties(f)[0]))
    notes = [_bom_note(path)] if has_bom else []
    if grid:
        notes.append(f"{path}: coordinates are British National Grid (the file's crs)")

    def read(on_features: Callable[[int], object]) -> Iterator[RawPart]:
        for start in range(0, len(features), _BLOCK_ROWS):
            block = features[start : start + _BLOCK_ROWS]
            yield RawPart(_feature_table(block, start, headers))
            on_features(len(block))

    layout = Layout(geometry=True, geometry_grid=grid, problem=True, raw="column")
    return OpenedFile(
        path, "geojson", checksum, headers, layout, len(features), "features", tuple(notes), read
    )


def _parse_json(path: Path, body: bytes, encoding: str) -> object:
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        byte = body[exc.start : exc.start + 1].hex().upper()
        raise InputError(
            path, f"line {line}: not valid {encoding} (byte 0x{byte}); GeoJSON must be UTF-8"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            path, f"line {exc.lineno}: not valid JSON ({exc.msg}, column {exc.colno})"
        ) from None


def _features(path: Path, doc: object) -> list:
    kind = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
    if kind != "FeatureCollection":
        raise InputError(path, f"not a GeoJSON FeatureCollection (top-level type {kind!r})")
    features = doc.get("features")
    if not isinstance(features, list):
        raise InputError(path, "the FeatureCollection has no 'features' list")
    if not features:
        raise InputError(path, "has no features")
    return features


def _crs_is_grid(path: Path, crs: object) -> bool:
    """GeoJSON is WGS84 (RFC 7946), but older exports name a crs; British National Grid is
    common in UK GIS exports and is honoured, anything else is refused."""
    if crs is None:
        return False
    name = str(crs.get("properties", {}).get("name", "")) if isinstance(crs, dict) else str(crs)
    if "27700" in name:
        return True
    if "4326" in name or "CRS84" in name.upper():
        return False
    raise InputError(path, f"crs {name!r} is not supported: use WGS84 (RFC 7946) or EPSG:27700")


def _properties(feature: object) -> tuple[dict, str]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return {}, "feature is not a GeoJSON Feature object"
    props = feature.get("properties")
    if props is None:
        return {}, ""
    if not isinstance(props, dict):
        return {}, "properties is not a JSON object"
    return props, ""


def _point(feature: object) -> tuple[str, str, str]:
    """(x, y, problem) of a feature's geometry; empty x and y when it has none."""
    geom = feature.get("geometry") if isinstance(feature, dict) else None
    if geom is None:
        return "", "", ""
    if not isinstance(geom, dict):
        return "", "", "geometry is not a GeoJSON object"
    kind, coords = geom.get("type"), geom.get("coordinates")
    if kind == "MultiPoint" and isinstance(coords, list) and len(coords) == 1:
        kind, coords = "Point", coords[0]
    if kind != "Point":
        shown = kind if isinstance(kind, str) else json.dumps(kind)
        return "", "", f"geometry is a {' '.join(shown.split())[:40]}, expected a Point"
    ok = isinstance(coords, list) and len(coords) >= 2
    try:
        if ok and all(_is_number(c) for c in coords[:2]):
            return repr(float(coords[0])), repr(float(coords[1])), ""
    except OverflowError:
        pass
    shown = json.dumps(coords, default=str)[:60]
    return "", "", f"geometry coordinates {shown} are not [x, y] numbers"


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def _feature_table(block: list, start: int, headers: tuple[str, ...]) -> pa.Table:
    columns: list[list[str]] = [[] for _ in headers]
    gx, gy, problems, raws = [], [], [], []
    for feature in block:
        props, problem = _properties(feature)
        x, y, geom_problem = _point(feature)
        for values, key in zip(columns, headers, strict=True):
            values.append(_text(props.get(key)))
        gx.append(x)
        gy.append(y)
        problems.append(problem or geom_problem)
        raws.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":"), default=str))
    arrays = [pa.array(v, pa.string()) for v in columns]
    arrays += [pa.array(v, pa.string()) for v in (gx, gy, problems, raws)]
    arrays.append(pa.array(np.arange(start + 1, start + len(block) + 1, dtype=np.int64)))
    names = [f"c{i}" for i in range(len(headers))]
    return pa.Table.from_arrays(
        arrays, names=[*names, "_gx", "_gy", "_problem", "_raw", "row_number"]
    )


# -- Parquet --------------------------------------------------------------------------------


def _open_parquet(path: Path) -> OpenedFile:
    checksum = file_checksum(path)
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(path, f"not a readable Parquet file ({_first_line(exc)})") from None
    headers = tuple(parquet.schema_arrow.names)
    rows = parquet.metadata.num_rows
    if rows == 0:
        raise InputError(path, "has columns but no rows")
    names = [f"c{i}" for i in range(len(headers))]

    def read(on_rows: Callable[[int], object]) -> Iterator[RawPart]:
        first = 1
        try:
            for batch in parquet.iter_batches(batch_size=_BLOCK_ROWS):
                arrays = [_as_text(batch.column(i)) for i in range(batch.num_columns)]
                numbers = np.arange(first, first + batch.num_rows, dtype=np.int64)
                arrays.append(pa.array(numbers))
                first += batch.num_rows
                yield RawPart(pa.Table.from_arrays(arrays, names=[*names, "row_number"]))
                on_rows(batch.num_rows)
        except (pa.ArrowException, OSError) as exc:
            raise InputError(
                path, f"unreadable Parquet data near record {first} ({_first_line(exc)})"
            ) from None

    layout = Layout(raw="json")
    return OpenedFile(path, "parquet", checksum, headers, layout, rows, "rows", (), read)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:160] if text else type(exc).__name__


def _as_text(array: pa.Array) -> pa.Array:
    """Any Arrow column as text ('' for null), so a Parquet file validates like a CSV."""
    kind = array.type
    if pa.types.is_dictionary(kind):
        array, kind = array.dictionary_decode(), kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        text = array.cast(pa.string())
    elif (
        pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_fixed_size_binary(kind)
    ):
        text = pa.array(
            [None if v is None else _bytes_text(v) for v in array.to_pylist()], pa.string()
        )
    elif pa.types.is_nested(kind):
        text = pa.array(
            [None if v is None else json.dumps(v, default=str) for v in array.to_pylist()],
            pa.string(),
        )
    else:
        try:
            text = pc.cast(array, pa.string())
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
            text = pa.array([None if v is None else str(v) for v in array.to_pylist()], pa.string())
    return pc.fill_null(text, "")


def _bytes_text(value: bytes) -> str:
    # Bytes that are not UTF-8 are kept visibly (as hex), never silently mangled.
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return "0x" + value.hex()
