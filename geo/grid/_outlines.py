"""Cell outlines for drawing: each H3 cell's polygon, computed once and cached, and clipped
to an area's boundary so a map of a division shows hexagons cut at its edge.

Outlines are only for drawing. Counts for an area always come from the incidents placed in
it, never from hexagons, which straddle its edge (and H3 parents only approximately contain
their children).
"""

from __future__ import annotations

import threading

import h3.api.basic_int as h3i
import numpy as np
import shapely

# About 100 bytes of coordinates per outline: half a million is ~50 MB, a few full maps at
# the finest resolution. The cache is cleared (not evicted one by one) when full.
_CACHE_LIMIT = 500_000
_cache: dict[int, shapely.Polygon] = {}
_lock = threading.Lock()


def cells_to_boundaries(cells: np.ndarray) -> np.ndarray:
    """Each cell's outline as a shapely Polygon (longitude, latitude), from the cache."""
    keys = [int(c) for c in np.asarray(cells, dtype=np.uint64)]
    with _lock:
        found = [_cache.get(k) for k in keys]
    missing = sorted({k for k, f in zip(keys, found, strict=True) if f is None})
    if missing:
        made = dict(zip(missing, _outlines(missing), strict=True))
        with _lock:
            if len(_cache) + len(made) > _CACHE_LIMIT:
                _cache.clear()
            _cache.update(made)
        found = [f if f is not None else made[k] for k, f in zip(keys, found, strict=True)]
    return np.array(found, dtype=object)


def cells_to_clipped_boundaries(cells: np.ndarray, area: shapely.Geometry) -> np.ndarray:
    """Each cell's outline cut to ``area`` (an empty polygon where they do not meet)."""
    outlines = cells_to_boundaries(cells)
    if not len(outlines):
        return outlines
    shapely.prepare(area)
    # Cells wholly inside need no overlay, which is the slow part; most cells are inside.
    inside = shapely.contains_properly(area, outlines)
    clipped = outlines.copy()
    edge = np.flatnonzero(~inside)
    if len(edge):
        clipped[edge] = shapely.intersection(outlines[edge], area)
    return clipped


def boundaries_to_geojson(
    cells: np.ndarray, outlines: np.ndarray, properties: dict[str, np.ndarray] | None = None
) -> dict:
    """A GeoJSON FeatureCollection with one feature per non-empty outline, id = the cell's
    15-character hex string (what Plotly's ``locations`` refer to)."""
    features = []
    for i, (cell, outline) in enumerate(zip(cells, outlines, strict=True)):
        if outline is None or outline.is_empty:
            continue
        props = {k: _plain(v[i]) for k, v in (properties or {}).items()}
        cell_id = h3i.int_to_str(int(cell))
        props["cell"] = cell_id
        features.append(
            {
                "type": "Feature",
                "id": cell_id,
                "properties": props,
                "geometry": shapely.geometry.mapping(outline),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _outlines(cells: list[int]) -> list[shapely.Polygon]:
    """Polygons from h3's boundaries; hexagons (the usual case) built in one vectorised call."""
    rings = [h3i.cell_to_boundary(c) for c in cells]
    out: list[shapely.Polygon | None] = [None] * len(cells)
    six = [i for i, r in enumerate(rings) if len(r) == 6]
    if six:
        coords = np.array([rings[i] for i in six], dtype=np.float64)[:, :, ::-1]  # to lon, lat
        for i, polygon in zip(six, shapely.polygons(coords), strict=True):
            out[i] = polygon
    for i, ring in enumerate(rings):
        if out[i] is None:  # pentagons, and cells with extra vertices where they cross an edge
            out[i] = shapely.Polygon([(lng, lat) for lat, lng in ring])
    return out
