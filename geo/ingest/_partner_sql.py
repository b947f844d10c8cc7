"""Validating a block of partner rows: two DuckDB statements around one pyproj call.

1. ``prep``: trim every field, choose each row's coordinates (GeoJSON geometry, then
   latitude/longitude, then easting/northing, then x/y) and read them as numbers.
2. :func:`project`: British National Grid to WGS84 with pyproj, vectorised, and the checks
   that need a projection (is the point in Kent and Medway; would it be if swapped; would it
   be if read in the other coordinate system).
3. ``validate``: match categories, places and ports, read dates, and give every bad row one
   reason; the result has exactly the canonical columns (see :mod:`geo.ingest._stage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyproj

from geo.ingest._area import Area
from geo.ingest._partner_columns import ColumnMap
from geo.ingest._points import Points
from geo.ingest._stage import float_values

_TEXT_ROLES = {
    "src_s": "source", "id_s": "incident_id", "cat_s": "category", "sub_s": "subcategory",
    "date_s": "date", "place_s": "location", "lsoa_s": "lsoa_code", "outcome_s": "outcome",
    "reporter_s": "reported_by", "origin_s": "origin", "origin_code_s": "origin_code",
    "olat_s": "origin_latitude", "olon_s": "origin_longitude", "dest_s": "destination",
    "line_s": "line_name", "port_s": "port", "lat_in": "latitude", "lon_in": "longitude",
    "e_in": "easting", "n_in": "northing", "x_in": "x", "y_in": "y",
}  # fmt: skip


@dataclass(frozen=True)
class Layout:
    """What a reader adds beside the file's own columns, and how a raw row is rebuilt."""

    geometry: bool = False  # _gx, _gy hold a GeoJSON point's coordinates as text
    geometry_grid: bool = False  # the GeoJSON names EPSG:27700
    problem: bool = False  # _problem holds a structural problem found by the reader
    raw: str = "csv"  # csv: rebuild the CSV line; column: _raw; json: a JSON object


def prep_sql(cols: ColumnMap, layout: Layout) -> str:
    def text(role: str) -> str:
        if not cols.has(role):
            return "''"
        c = cols.roles[role]
        # Trimming allocates a new string: only padded values are trimmed.
        return f"CASE WHEN starts_with({c}, ' ') OR ends_with({c}, ' ') THEN trim({c}) ELSE {c} END"

    fields = ",\n".join(f"{text(role)} AS {alias}" for alias, role in _TEXT_ROLES.items())
    gx, gy = ("trim(_gx)", "trim(_gy)") if layout.geometry else ("''", "''")
    problem = "_problem" if layout.problem else "''"
    grid = "true" if layout.geometry_grid else "false"
    return f"""
WITH s AS (
    SELECT *, {fields}, {gx} AS gx_in, {gy} AS gy_in, {problem} AS problem_s FROM b
), k AS (
    SELECT *,
        CASE WHEN gx_in <> '' OR gy_in <> '' THEN 'geometry'
             WHEN lat_in <> '' OR lon_in <> '' THEN 'latlon'
             WHEN e_in <> '' OR n_in <> '' THEN 'grid'
             WHEN x_in <> '' OR y_in <> '' THEN 'xy' ELSE 'none' END AS loc_kind
    FROM s
), c AS (
    SELECT *,
        CASE loc_kind WHEN 'geometry' THEN gx_in WHEN 'latlon' THEN lon_in
             WHEN 'grid' THEN e_in WHEN 'xy' THEN x_in ELSE '' END AS x_s,
        CASE loc_kind WHEN 'geometry' THEN gy_in WHEN 'latlon' THEN lat_in
             WHEN 'grid' THEN n_in WHEN 'xy' THEN y_in ELSE '' END AS y_s
    FROM k
), n AS (
    SELECT *, TRY_CAST(x_s AS DOUBLE) AS x, TRY_CAST(y_s AS DOUBLE) AS y FROM c
)
SELECT *,
    -- 0 for no id; a repeated id has a repeated hash (a collision only costs a raw text)
    CASE WHEN id_s = '' THEN 0 ELSE hash(id_s) END AS id_hash,
    CASE loc_kind WHEN 'geometry' THEN {grid} WHEN 'grid' THEN true
         -- x/y: degrees when they fit degrees; no Kent point fits both readings
         WHEN 'xy' THEN NOT coalesce(abs(x) <= 180 AND abs(y) <= 90, false)
         ELSE false END AS grid
FROM n
"""


@lru_cache(maxsize=1)
def _bng_to_wgs84() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def bng_to_wgs84(easting: np.ndarray, northing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """British National Grid metres to WGS84 (longitude, latitude), vectorised."""
    lon, lat = _bng_to_wgs84().transform(easting, northing, errcheck=False)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def _as_wgs84(x: np.ndarray, y: np.ndarray, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = x.astype(np.float64), y.astype(np.float64)
    if grid.any():
        lon, lat = lon.copy(), lat.copy()
        lon[grid], lat[grid] = bng_to_wgs84(x[grid], y[grid])
    return lon, lat


def project(table: pa.Table, area: Area) -> tuple[pa.Table, Points]:
    """The rows' points as given (read once: :class:`Points`, placed in ``area``), and the
    table with lat_c/lon_c (the point), in_area, beyond_m (metres beyond the districts), and
    swap_ok, alt_ok (would the point be in the area swapped, or read in the other coordinate
    system)."""
    x = float_values(table["x"])
    y = float_values(table["y"])
    grid = pc.fill_null(table["grid"], False).to_numpy(zero_copy_only=False).astype(bool)
    lon, lat = _as_wgs84(x, y, grid)
    points = Points.from_numbers(table["row_number"].to_numpy(), lat, lon)
    located = points.locate(area)
    swap_ok = np.zeros(len(x), dtype=bool)
    alt_ok = np.zeros(len(x), dtype=bool)
    # Only rows that failed need the other readings; in a clean file that is none.
    bad = np.flatnonzero(~located.inside & np.isfinite(x) & np.isfinite(y))
    if len(bad):
        bx, by, bg = x[bad], y[bad], grid[bad]
        swap_ok[bad] = _inside(area, _as_wgs84(by, bx, bg))
        alt_ok[bad] = _inside(area, _as_wgs84(bx, by, ~bg)) | _inside(area, _as_wgs84(by, bx, ~bg))
    beyond = located.beyond_m
    for name, values in (
        ("lat_c", pa.array(lat)),
        ("lon_c", pa.array(lon)),
        ("in_area", pa.array(located.inside)),
        ("beyond_m", pa.array(beyond, mask=~np.isfinite(beyond) | located.inside)),
        ("swap_ok", pa.array(swap_ok)),
        ("alt_ok", pa.array(alt_ok)),
    ):
        table = table.append_column(name, values)
    return table, points


def _inside(area: Area, lon_lat: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    lon, lat = lon_lat
    return area.contains(lat, lon)
