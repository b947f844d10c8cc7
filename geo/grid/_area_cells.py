"""Which H3 cells make up an area at a resolution.

An area's cells are every cell that overlaps the area's boundary. They depend only on the
loaded boundaries: loading incidents (another month, category or source) never adds or
removes one, and every incident placed in the area (by point in polygon) lies in one of them,
since its hexagon contains its point. This is the study region for hotspot statistics. The
county is every district together (Kent and Medway). :func:`area_cell_outlines` gives each of
those cells' outline cut to the area's boundary, for drawing; an area's totals always come
from the incidents placed in it, never from its hexagons.
"""

from __future__ import annotations

import h3.api.basic_int as h3i
import numpy as np
import shapely

from geo.grid._cells import check_res
from geo.grid._outlines import cells_to_clipped_boundaries
from geo.store.queries import areas
from geo.store.queries._run import Source

LEVELS = ("county", "district", "division")


def area_geometry(source: Source, level: str, code: str | None) -> shapely.Geometry | None:
    """The area's boundary (the union of the districts for the county); None if not loaded.
    ``source``: the store, or an open connection on it."""
    if level == "county":
        return _county(source)
    _check_level(level)
    if code is None:
        return None
    found = areas.area_shapes(source, level, code=code)
    return found[0].geometry if found else None


def cells_overlapping(geometry: shapely.Geometry, res: int) -> np.ndarray:
    """Cells (uint64, sorted) that overlap ``geometry``: h3's polygon-to-cells with overlap
    containment, part by part. Every point inside the geometry lies in one of them."""
    check_res(res)
    cells: set[int] = set()
    for part in shapely.get_parts(geometry):
        if isinstance(part, shapely.Polygon) and not part.is_empty:
            shape = h3i.geo_to_h3shape(part)
            cells.update(h3i.h3shape_to_cells_experimental(shape, res, contain="overlap"))
    return np.array(sorted(cells), dtype=np.uint64)


def area_cells(source: Source, level: str, code: str | None, res: int) -> np.ndarray:
    """The area's cells at ``res``: every cell that overlaps its boundary (none when no
    boundary is loaded). They depend on the boundary alone, never on the incidents."""
    _check_level(level)
    geometry = area_geometry(source, level, code)
    if geometry is None:
        return np.array([], dtype=np.uint64)
    return cells_overlapping(geometry, res)


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"area level {level!r}: expected one of {', '.join(LEVELS)}")


def area_cell_outlines(
    source: Source, level: str, code: str | None, res: int
) -> tuple[np.ndarray, np.ndarray]:
    """The area's cells (as :func:`area_cells`) and each one's outline cut to its boundary."""
    cells = area_cells(source, level, code, res)
    geometry = area_geometry(source, level, code)
    if geometry is None:
        raise ValueError(f"no {level} boundary {code!r} is loaded")
    return cells, cells_to_clipped_boundaries(cells, geometry)


# The county outline is the union of every district: worth computing once per set of
# districts (keyed by a hash of their shapes, so a new load, or a write in progress, misses).
_county_cache: dict[tuple[int, int], shapely.Geometry | None] = {}


def _county(source: Source) -> shapely.Geometry | None:
    key = areas.district_digest(source)
    if key in _county_cache:
        return _county_cache[key]
    districts = [a.geometry for a in areas.area_shapes(source, "district")]
    union = shapely.union_all(districts) if districts else None
    _county_cache.clear()  # one store's county at a time is all a process needs
    _county_cache[key] = union
    return union
