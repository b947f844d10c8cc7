"""British National Grid (EPSG:27700) for paper maps.

Printed maps of Kent are drawn in the Ordnance Survey's grid: equal scale in both directions,
so a scale bar in metres is true and grid north is straight up. Within Kent the grid's scale
differs from the ground by under 0.02% and grid north from true north by about 2 degrees; the
map says both (:func:`grid_facts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from pyproj import Proj, Transformer

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"
_CENTRAL_MERIDIAN = -2.0  # the grid's true origin, 2 degrees west


@cache
def _to_bng() -> Transformer:
    return Transformer.from_crs(WGS84, BNG, always_xy=True)


def lonlat_to_bng(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    x, y = _to_bng().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def bounds_to_bng(bounds: tuple[float, float, float, float]) -> tuple[float, ...]:
    """A WGS84 box as the BNG box that holds it (edges densified: they curve in the grid)."""
    return tuple(float(v) for v in _to_bng().transform_bounds(*bounds, densify_pts=21))


def geometry_to_bng(geometry: dict | shapely.Geometry) -> shapely.Geometry:
    """A GeoJSON mapping or shapely geometry in WGS84, in BNG metres."""
    return shapes_to_bng([geometry])[0]


def shapes_to_bng(geometries: list) -> np.ndarray:
    """GeoJSON mappings or shapely geometries in WGS84 as BNG geometries (one vectorised
    transform), rings oriented so that holes stay holes when filled with the non-zero rule."""
    shapes = np.array(
        [shapely.geometry.shape(g) if isinstance(g, dict) else g for g in geometries], dtype=object
    )
    return shapely.orient_polygons(shapely.transform(shapes, _transform_xy))


def _transform_xy(coords: np.ndarray) -> np.ndarray:
    x, y = _to_bng().transform(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def rings_xy(shapes) -> tuple[np.ndarray, np.ndarray]:
    """Every ring of (multi)polygons as x and y arrays, rings separated by NaN (a gap between
    sub-paths of one filled plotly trace; NaN goes to the browser as null)."""
    rings = shapely.get_rings(shapely.get_parts(np.atleast_1d(shapes)))
    return _with_breaks(rings)


def geojson_rings_xy(geometries: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`rings_xy` of :func:`shapes_to_bng` for GeoJSON mappings, the same arrays, without
    a shapely geometry per feature: a county map is thousands of hexagon pieces, and building
    their shapely objects took most of a print figure's time (0.28 of 0.45 s on Kent)."""
    flat: list = []
    lengths: list[int] = []
    holes: list[bool] = []
    for geometry in geometries:
        for polygon in _geojson_polygons(geometry):
            for i, ring in enumerate(polygon):
                # shapely closes an open ring; pieces are written closed, but a file may not be.
                closed = ring if ring[0] == ring[-1] else [*ring, ring[0]]
                flat.extend(closed)
                lengths.append(len(closed))
                holes.append(i > 0)
    if not flat:
        return np.array([]), np.array([])
    xy = _transform_xy(np.asarray(flat, dtype=float))
    size = np.asarray(lengths)
    ends = np.cumsum(size)
    starts = ends - size
    # Shoelace sums per ring: positive is anticlockwise. Exteriors are turned anticlockwise
    # and holes clockwise, as shapely.orient_polygons does, so holes stay holes when filled.
    x, y = xy[:, 0], xy[:, 1]
    cross = x * np.roll(y, -1) - np.roll(x, -1) * y
    # The roll pairs each ring's last vertex with the next ring's first: that term is dropped
    # (a closed ring's last vertex repeats its first, so the pair that closes it is in).
    cross[ends - 1] = 0.0
    flip = (np.add.reduceat(cross, starts) > 0) == np.asarray(holes)
    # Each vertex's place in the output: a flipped ring's vertices read from its end.
    ring = np.repeat(np.arange(len(size)), size)
    at = np.arange(len(xy))
    order = np.where(flip[ring], starts[ring] + ends[ring] - 1 - at, at)
    return _breaks_after(xy[order], ends)


def _geojson_polygons(geometry: dict) -> list:
    """The polygons of a GeoJSON geometry as shapely.get_parts and get_rings see them: a
    collection's polygons, not its lines nor the polygons of a multipolygon inside it."""
    kind = geometry["type"]
    if kind == "Polygon":
        return [geometry["coordinates"]] if geometry["coordinates"] else []
    if kind == "MultiPolygon":
        return [p for p in geometry["coordinates"] if p]
    if kind == "GeometryCollection":
        return [
            part["coordinates"]
            for part in geometry["geometries"]
            if part["type"] == "Polygon" and part["coordinates"]
        ]
    return []


def lines_xy(lines) -> tuple[np.ndarray, np.ndarray]:
    """Line strings (or rings) as x and y arrays separated by NaN."""
    return _with_breaks(np.atleast_1d(lines))


def _with_breaks(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(lines) == 0:
        return np.array([]), np.array([])
    coords, index = shapely.get_coordinates(lines, return_index=True)
    return _breaks_after(coords, np.flatnonzero(np.diff(index, append=index[-1] + 1)) + 1)


def _breaks_after(coords: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates to 0.1 m as x and y arrays, a NaN row after each line: ``ends`` are the
    positions just past each line's last vertex."""
    out = np.insert(np.round(coords, 1), ends, np.nan, axis=0)
    return out[:, 0], out[:, 1]


@dataclass(frozen=True)
class GridFacts:
    convergence_deg: float  # angle between grid north and true north
    true_north: str  # "west" or "east" of grid north
    scale_error_pct: float  # grid distance against ground distance, in percent


def grid_facts(lon: float, lat: float) -> GridFacts:
    """Grid convergence and point scale at a place (for the north arrow and scale bar)."""
    factors = Proj(BNG).get_factors(lon, lat)
    # East of the central meridian the meridians lean west going north.
    side = "west" if lon > _CENTRAL_MERIDIAN else "east"
    return GridFacts(
        convergence_deg=abs(float(factors.meridian_convergence)),
        true_north=side,
        scale_error_pct=abs(float(factors.meridional_scale) - 1.0) * 100,
    )
