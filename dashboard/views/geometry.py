"""Shapes for the map: the leaf areas hexagons are cut to, each piece's outline, boundaries.

A map shows *pieces*: a hexagon cut to one leaf area (a division, or a district with no
divisions such as Medway), at every level, so a piece's count is the incidents placed in that
area and that hexagon, pieces add up exactly to area totals, and a click on a piece says which
area it is in. Shapes depend on the boundaries and the resolution, so they are computed once
per version of the boundaries (``AppContext.lasting``) and reused by every filter and across
loads of incidents; only the few cells that hold incidents but no clipped piece (points a hair
over an edge, incidents outside every area) are added per data version.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import h3.api.basic_int as h3i
import numpy as np
import shapely

from dashboard.views.context import AppContext, options
from geo.grid import (
    cells_overlapping,
    cells_to_boundaries,
    cells_to_clipped_boundaries,
    cells_to_str,
)
from geo.store.queries import areas as area_queries
from geo.store.queries import incidents as incident_queries

_SHAPES_LOCK = threading.Lock()
OUTSIDE = ""  # the leaf key of incidents outside every area
_DIGITS = 5  # about a metre: plenty for a screen or a printed page
_OUTLINE_TOLERANCE = 0.0004  # degrees (~40 m) for drawn boundary lines


@dataclass(frozen=True)
class Leaf:
    code: str  # division or district code; OUTSIDE for outside every area
    district: str | None
    geometry: shapely.Geometry | None


@dataclass(frozen=True)
class PieceShapes:
    """The pieces of one leaf at one resolution: cells, hex ids and GeoJSON geometries."""

    cells: np.ndarray
    hexes: list[str]
    geometries: list[dict]
    # Cells drawn whole because their hexagon does not reach the leaf at all: an incident's
    # cell holds its point, so only a point on (or a rounding error over) the leaf's edge.
    whole: frozenset[int] = frozenset()


def leaves(ctx: AppContext) -> dict[str, Leaf]:
    """Every leaf area, by code (divisions, districts without divisions, and outside)."""
    return ctx.lasting("leaves", lambda: _read_leaves(ctx))


def _read_leaves(ctx: AppContext) -> dict[str, Leaf]:
    shapes = area_queries.area_shapes(ctx.store, ("district", "division"))
    with_divisions = {a.parent for a in shapes if a.level == "division"}
    out = {OUTSIDE: Leaf(OUTSIDE, None, None)}
    for area in shapes:
        if area.level == "division":
            out[area.code] = Leaf(area.code, area.parent, area.geometry)
        elif area.code not in with_divisions:
            out[area.code] = Leaf(area.code, area.code, area.geometry)
    return out


def leaves_in(ctx: AppContext, level: str, code: str | None) -> list[Leaf]:
    """The leaves making up the county, a district or a division."""
    all_leaves = leaves(ctx)
    if level == "county":
        return list(all_leaves.values())
    if level == "division":
        return [all_leaves[code]] if code in all_leaves else []
    return [leaf for leaf in all_leaves.values() if leaf.district == code]


def drawn_leaves(ctx: AppContext, level: str, code: str | None) -> list[Leaf]:
    """The leaves a map draws: those of the area, less "outside every area"."""
    return [leaf for leaf in leaves_in(ctx, level, code) if leaf.code != OUTSIDE]


def leaves_of_cell(ctx: AppContext, state, cell: int) -> list[Leaf]:
    """The drawn leaves of the view's area that a cell has a piece in: those its hexagon
    overlaps, and those holding incidents in it (placed a hair over an edge)."""
    res = h3i.get_resolution(cell)
    hexagon = shapely.Polygon([(lon, lat) for lat, lon in h3i.cell_to_boundary(cell)])
    with_incidents = _cells_with_incidents(ctx, res)
    out = []
    for leaf in drawn_leaves(ctx, state.level, state.area_code):
        held = leaf.code in with_incidents and bool(
            np.any(with_incidents[leaf.code] == np.uint64(cell))
        )
        overlaps = (
            leaf.geometry is not None
            and leaf.geometry.intersects(hexagon)
            and leaf.geometry.intersection(hexagon).area > 0
        )
        if held or overlaps:
            out.append(leaf)
    return out


def piece_shapes(ctx: AppContext, leaf: Leaf, res: int) -> PieceShapes:
    """Pieces covering a leaf: cells that overlap it, cut to its boundary, plus cells holding
    its incidents that have no piece of their own, drawn whole (outside pieces are whole
    hexagons)."""
    if leaf.geometry is None:
        return ctx.cached(("pieces", leaf.code, res), lambda: _outside_shapes(ctx, leaf, res))
    base = ctx.lasting(("pieces", leaf.code, res), lambda: _base_shapes(leaf, res))
    held = _cells_with_incidents(ctx, res).get(leaf.code, np.array([], np.uint64))
    extra = held[~np.isin(held, base.cells)]
    if extra.size == 0:
        return base
    return ctx.cached(("pieces+", leaf.code, res), lambda: _with_extra(base, leaf, extra))


def _base_shapes(leaf: Leaf, res: int) -> PieceShapes:
    """The cells that overlap the leaf, each cut to it."""
    # GEOS prepared geometries are not safe to build from two threads at once (a threaded
    # server could crash); shapes are built once per boundary version, so a lock costs nothing.
    with _SHAPES_LOCK:
        cells = cells_overlapping(leaf.geometry, res)
        outlines = cells_to_clipped_boundaries(cells, leaf.geometry)
        # A cell that only grazes the boundary has no clipped shape, and nothing to draw.
        keep = ~_empty(outlines)
        return _shapes(cells[keep], outlines[keep])


def _with_extra(base: PieceShapes, leaf: Leaf, extra: np.ndarray) -> PieceShapes:
    """The base pieces and cells holding incidents without one: cut to the leaf where they
    reach into it, else (an incident a hair over the edge) drawn whole."""
    extra = np.sort(extra).astype(np.uint64)
    with _SHAPES_LOCK:
        outlines = cells_to_clipped_boundaries(extra, leaf.geometry)
        empty = _empty(outlines)
        outlines[empty] = cells_to_boundaries(extra[empty])
    added = _shapes(extra, outlines)
    cells = np.concatenate([base.cells, added.cells])
    order = np.argsort(cells, kind="stable")
    hexes = [*base.hexes, *added.hexes]
    geometries = [*base.geometries, *added.geometries]
    whole = frozenset(int(c) for c in extra[empty])
    return PieceShapes(
        cells[order], [hexes[i] for i in order], [geometries[i] for i in order], whole
    )


def _outside_shapes(ctx: AppContext, leaf: Leaf, res: int) -> PieceShapes:
    cells = _cells_with_incidents(ctx, res).get(leaf.code, np.array([], np.uint64))
    with _SHAPES_LOCK:
        return _shapes(cells, cells_to_boundaries(cells))


def _empty(outlines: np.ndarray) -> np.ndarray:
    return np.array([o is None or o.is_empty or o.area == 0 for o in outlines], dtype=bool)


def _shapes(cells: np.ndarray, outlines: np.ndarray) -> PieceShapes:
    cells = cells.astype(np.uint64)
    return PieceShapes(cells, cells_to_str(cells), [_geojson(o) for o in outlines])


def _cells_with_incidents(ctx: AppContext, res: int) -> dict[str, np.ndarray]:
    """For each leaf, the cells at ``res`` holding any of its incidents (one query)."""

    return ctx.cached(
        ("cells-with-incidents", res), lambda: incident_queries.cells_by_leaf(ctx.store, res)
    )


def _geojson(shape: shapely.Geometry) -> dict:
    rounded = shapely.set_precision(shape, 10**-_DIGITS, mode="pointwise")
    return shapely.geometry.mapping(rounded)


def outline_lines(
    ctx: AppContext, level: str, parent: str | None = None
) -> tuple[tuple[tuple[float, float], ...], ...]:
    """Boundary lines (simplified for display) of the districts, or of one district's
    divisions, as (lon, lat) line strings."""
    return ctx.lasting(("outlines", level, parent), lambda: _outline_lines(ctx, level, parent))


def _outline_lines(ctx, level, parent):
    lines = []
    for area in area_queries.area_shapes(ctx.store, level, parent=parent):
        shape = shapely.simplify(area.geometry, _OUTLINE_TOLERANCE)
        for ring in shapely.get_rings(shapely.get_parts(shape)):
            coords = np.round(shapely.get_coordinates(ring), _DIGITS)
            lines.append(tuple(map(tuple, coords.tolist())))
    return tuple(lines)


def area_bounds(ctx: AppContext, level: str, code: str | None) -> tuple[float, ...] | None:
    """The area's bounding box (the union of the leaves for the county)."""

    def compute():
        shapes = [leaf.geometry for leaf in leaves_in(ctx, level, code) if leaf.geometry]
        if not shapes:
            return None
        return tuple(float(v) for v in shapely.total_bounds(shapes))

    return ctx.lasting(("bounds", level, code), compute)


def area_names(ctx: AppContext) -> dict[str, str]:
    def compute() -> dict[str, str]:
        opts = options(ctx)
        return {a.code: a.name for a in (*opts.districts, *opts.divisions)}

    return ctx.cached("area-names", compute)
