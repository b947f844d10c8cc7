"""Which H3 cells make up an area at a resolution.

An area's cells are every cell whose centre lies inside the area's boundary, plus every cell
holding one of the area's incidents (a cell can hold an incident of an area even when its
centre is outside it). This is the study region for hotspot statistics and the set of cells
drawn for an area. The county is every district together (Kent and Medway), so its region is
the union of the districts' regions. :func:`area_cell_outlines` gives each of those cells'
outline cut to the area's boundary, for drawing; an area's totals always come from the
incidents placed in it, never from its hexagons.
"""

from __future__ import annotations

import duckdb
import h3.api.basic_int as h3i
import numpy as np
import shapely

from geo.cells import cell_column, check_res
from geo.outlines import cells_to_clipped_boundaries

LEVELS = ("county", "district", "division")


def area_geometry(
    con: duckdb.DuckDBPyConnection, level: str, code: str | None
) -> shapely.Geometry | None:
    """The area's boundary (the union of the districts for the county); None if not loaded."""
    if level == "county":
        return _county(con)
    _check_level(level)
    row = con.execute(
        "SELECT geometry FROM areas WHERE level = ? AND code = ?", [level, code]
    ).fetchone()
    return shapely.from_wkb(row[0]) if row else None


def cells_by_centre(geometry: shapely.Geometry, res: int) -> np.ndarray:
    """Cells (uint64, sorted) whose centres lie inside ``geometry``."""
    check_res(res)
    parts = shapely.get_parts(geometry)
    cells: set[int] = set()
    for part in parts:
        if isinstance(part, shapely.Polygon) and not part.is_empty:
            cells.update(h3i.geo_to_cells(part, res))
    return np.array(sorted(cells), dtype=np.uint64)


def cells_with_incidents(
    con: duckdb.DuckDBPyConnection, level: str, code: str | None, res: int
) -> np.ndarray:
    """Cells (uint64, sorted) at ``res`` holding at least one of the area's incidents."""
    column = cell_column(res)  # a fixed identifier
    where, where_params = _area_clause(level, code)
    rows = con.execute(
        f"SELECT DISTINCT {column} FROM incidents WHERE {column} IS NOT NULL AND {where}",
        where_params,
    ).fetchall()
    return np.array(sorted(r[0] for r in rows), dtype=np.uint64)


def area_cells(
    con: duckdb.DuckDBPyConnection, level: str, code: str | None, res: int
) -> np.ndarray:
    """The area's cells at ``res``: centre inside, or holding one of its incidents."""
    _check_level(level)
    geometry = area_geometry(con, level, code)
    by_centre = (
        cells_by_centre(geometry, res) if geometry is not None else np.array([], dtype=np.uint64)
    )
    with_incidents = cells_with_incidents(con, level, code, res)
    return np.union1d(by_centre, with_incidents).astype(np.uint64)


def _area_clause(level: str, code: str | None) -> tuple[str, list[object]]:
    if level == "county":  # every district together: incidents in no district are in no area
        return "district IS NOT NULL", []
    _check_level(level)
    # The column name is one of two fixed identifiers, chosen by the checked level.
    column = "district" if level == "district" else "division"
    return f"{column} = ?", [code]


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"area level {level!r}: expected one of {', '.join(LEVELS)}")


def area_cell_outlines(
    con: duckdb.DuckDBPyConnection, level: str, code: str | None, res: int
) -> tuple[np.ndarray, np.ndarray]:
    """The area's cells (as :func:`area_cells`) and each one's outline cut to its boundary.

    An outline is empty where a cell holds one of the area's incidents but does not meet its
    boundary (a point that rounding put a hair outside); draw it, if at all, unclipped.
    """
    cells = area_cells(con, level, code, res)
    geometry = area_geometry(con, level, code)
    if geometry is None:
        raise ValueError(f"no {level} boundary {code!r} is loaded")
    return cells, cells_to_clipped_boundaries(cells, geometry)


# The county outline is the union of every district: worth computing once per set of
# districts (keyed by a hash of their shapes, so a new load, or a write in progress, misses).
_county_cache: dict[tuple[int, int], shapely.Geometry | None] = {}


def _county(con: duckdb.DuckDBPyConnection) -> shapely.Geometry | None:
    count, digest = con.execute(
        "SELECT count(*), coalesce(sum(hash(code, geometry)), 0) FROM areas "
        "WHERE level = 'district'"
    ).fetchone()
    key = (int(count), int(digest))
    if key in _county_cache:
        return _county_cache[key]
    rows = con.execute("SELECT geometry FROM areas WHERE level = 'district'").fetchall()
    union = shapely.union_all(shapely.from_wkb([g for (g,) in rows])) if rows else None
    _county_cache.clear()  # one store's county at a time is all a process needs
    _county_cache[key] = union
    return union
