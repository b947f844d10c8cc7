"""Writing boundaries into the store and placing the incidents already there again.

Every function takes the write connection of one ``Store.writing()`` transaction, so a load
that fails at any step (a division that does not nest, a full disk) leaves the store as it
was: areas, boundary sets and every incident's district and division together.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import numpy as np
import pyarrow as pa
import shapely

from geo.areas._placement import placer_from_connection
from geo.areas.boundaries._model import BoundarySpec


@dataclass
class StoredAreas:
    codes: list[str]
    names: list[str]
    parents: list[str | None]
    geometries: np.ndarray  # as used
    file_geometries: np.ndarray  # as loaded


def stored_areas(con: duckdb.DuckDBPyConnection, level: str) -> StoredAreas | None:
    rows = con.execute(
        "SELECT code, name, parent_code, geometry, file_geometry FROM areas "
        "WHERE level = ? ORDER BY code",
        [level],
    ).fetchall()
    if not rows:
        return None
    return StoredAreas(
        codes=[r[0] for r in rows],
        names=[r[1] for r in rows],
        parents=[r[2] for r in rows],
        geometries=shapely.from_wkb([r[3] for r in rows]),
        file_geometries=shapely.from_wkb([r[4] for r in rows]),
    )


def replace_areas(con: duckdb.DuckDBPyConnection, level: str, areas: StoredAreas) -> None:
    con.execute("DELETE FROM areas WHERE level = ?", [level])
    table = pa.table(
        {
            "code": pa.array(areas.codes, pa.string()),
            "name": pa.array(areas.names, pa.string()),
            "parent_code": pa.array(areas.parents, pa.string()),
            "geometry": pa.array(shapely.to_wkb(areas.geometries), pa.binary()),
            "file_geometry": pa.array(shapely.to_wkb(areas.file_geometries), pa.binary()),
        }
    )
    con.register("new_areas", table)
    try:
        con.execute(
            "INSERT INTO areas (level, code, name, parent_code, geometry, file_geometry) "
            "SELECT ?, code, name, parent_code, geometry, file_geometry FROM new_areas",
            [level],
        )
    finally:
        con.unregister("new_areas")


def load_key(spec: BoundarySpec, checksum: str) -> str:
    """Everything a level's load depends on: the file's bytes and every option but the path
    (fields, layer, which areas to keep, and what the map note says)."""
    options = {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec) if f.name != "path"}
    text = json.dumps({"checksum": checksum, **options}, sort_keys=True, default=list)
    return hashlib.sha256(text.encode()).hexdigest()


def _load_key_name(level: str) -> str:
    return f"boundary_load:{level}"


def stored_load_keys(store_rows: list[tuple[str, str]]) -> dict[str, str]:
    """Level -> load key, from ``meta`` rows."""
    prefix = _load_key_name("")
    return {k.removeprefix(prefix): v for k, v in store_rows if k.startswith(prefix)}


LOAD_KEYS_SQL = "SELECT key, value FROM meta WHERE key LIKE 'boundary_load:%'"


def record_set(
    con: duckdb.DuckDBPyConnection, spec: BoundarySpec, file: str, checksum: str
) -> None:
    con.execute(
        "INSERT OR REPLACE INTO meta VALUES (?, ?)",
        [_load_key_name(spec.level), load_key(spec, checksum)],
    )
    con.execute("DELETE FROM boundary_sets WHERE level = ?", [spec.level])
    con.execute(
        "INSERT INTO boundary_sets VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            spec.level,
            spec.source_text,
            spec.vintage or "unknown",
            spec.approximate,
            spec.note_text,
            file,
            checksum,
            datetime.now(UTC),
        ],
    )


def remove_level(con: duckdb.DuckDBPyConnection, level: str) -> int:
    (count,) = con.execute("SELECT count(*) FROM areas WHERE level = ?", [level]).fetchone()
    con.execute("DELETE FROM areas WHERE level = ?", [level])
    con.execute("DELETE FROM boundary_sets WHERE level = ?", [level])
    con.execute("DELETE FROM meta WHERE key = ?", [_load_key_name(level)])
    return int(count)


@dataclass
class Placed:
    placed: int
    outside: int
    moved: int


def place_again(con: duckdb.DuckDBPyConnection) -> Placed:
    """Place every mapped incident in the boundaries now in this transaction."""
    placer = placer_from_connection(con)
    rows = con.sql(
        "SELECT uid, latitude, longitude FROM incidents WHERE latitude IS NOT NULL"
    ).to_arrow_table()
    lat = rows["latitude"].to_numpy()
    lon = rows["longitude"].to_numpy()
    if placer is None:
        district = division = np.full(len(lat), -1, dtype=np.int64)
        district_codes = division_codes = np.array([], dtype=object)
    else:
        district, division = placer.place_indices(lat, lon)
        district_codes, division_codes = placer.district_codes, placer.division_codes
    # Codes as dictionary arrays: a million places cost a million small integers, not strings.
    placed = pa.table(
        {
            "uid": rows["uid"],
            "district": _dictionary(district, district_codes),
            "division": _dictionary(division, division_codes),
        }
    )
    con.register("placed_rows", placed)
    try:
        (moved,) = con.execute(_MOVE_SQL).fetchone()
        _clear_unmapped(con)
    finally:
        con.unregister("placed_rows")
    inside = int((district >= 0).sum())
    return Placed(placed=inside, outside=len(district) - inside, moved=int(moved or 0))


_MOVE_SQL = """
UPDATE incidents AS i
SET district = p.district, division = p.division
FROM placed_rows AS p
WHERE i.uid = p.uid
  AND (i.district IS DISTINCT FROM p.district OR i.division IS DISTINCT FROM p.division)
"""


def _clear_unmapped(con: duckdb.DuckDBPyConnection) -> None:
    # An incident without coordinates has no place, whatever an older load said.
    con.execute(
        "UPDATE incidents SET district = NULL, division = NULL "
        "WHERE latitude IS NULL AND (district IS NOT NULL OR division IS NOT NULL)"
    )


def _dictionary(index: np.ndarray, codes: np.ndarray) -> pa.DictionaryArray:
    dictionary = pa.array(list(codes) or [""], pa.string())
    indices = pa.array(np.maximum(index, 0).astype(np.int32), mask=index < 0)
    return pa.DictionaryArray.from_arrays(indices, dictionary)
