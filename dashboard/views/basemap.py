"""The basemap under a map's hexagons: land, sea, inland water, coast, railways and place
names from the loaded context data (``geo.context.basemap``), light at county level and richer
drilled down, with the attribution the licences require.

The layers depend only on the context data and the area, never on the filters, so they are
computed once per area and level and kept in the dashboard's lasting cache (keyed by the
loaded basemap files' checksums): a filter change reuses them and costs only sending them.
Without basemap data loaded there is no basemap, and maps draw as before.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import shapely

from dashboard.views.context import AppContext
from geo.context import basemap, context_sets

# Labels per level: the client draws them in priority order and skips any that would
# overlap one already drawn, so these are upper bounds, not what shows.
MAX_LABELS = {"county": 60, "district": 160, "division": 160}
# The box around the area the layers are cut to: enough to pan a little around it, and to fill
# a landscape frame (screen or paper) around a tall area: at Kent's latitude a degree of
# longitude is 0.63 of a degree of latitude on the ground, and frames are up to 1.6 times as
# wide as they are high.
_MARGIN = 0.35
_GRID = {"county": 1e-4}
_LON_PER_LAT = 1.6 * 1.6


@dataclass(frozen=True)
class PlaceLabel:
    name: str
    lon: float
    lat: float
    rank: int  # 1 city, 2 town, 3 village, 4 suburb: the drawing priority and the type size
    in_kent_medway: bool


@dataclass(frozen=True)
class MapBase:
    """What a map draws under its hexagons, as plain GeoJSON geometries (WGS84)."""

    level: str
    bbox: tuple[float, float, float, float]
    sea: dict | None  # the data's box, under the land: so the coast reads as a coast
    land: tuple[dict, ...]
    water: tuple[dict, ...]
    coastline: tuple[dict, ...]
    rivers: tuple[dict, ...]
    roads: tuple[dict, ...]
    railways: tuple[dict, ...]
    labels: tuple[PlaceLabel, ...]
    attribution: str
    notes: tuple[str, ...]
    key: str = ""  # names these layers in the address the page fetches them from

    def url(self, layer: str) -> str:
        """Where the page fetches a layer (``layer_geojson``): the figure carries only this
        address, and the browser keeps the file, so a filter change sends no basemap."""
        return f"{URL_PREFIX}{self.key}/{layer}.geojson"


def basemap_version(ctx: AppContext) -> tuple:
    """The loaded basemap sets (name and checksum): empty when none is loaded."""
    return ctx.cached(
        "basemap-version",
        lambda: tuple(
            sorted((s.name, s.checksum) for s in context_sets(ctx.store) if s.kind == "basemap")
        ),
    )


URL_PREFIX = "/basemap/"
FILE_LAYERS = ("land", "water", "coastline", "rivers", "roads", "railways")


def map_base(
    ctx: AppContext, level: str, bounds: tuple[float, float, float, float]
) -> MapBase | None:
    """The basemap for an area's box at its level, or None without basemap data."""
    return _base_for_box(ctx, level, _padded(bounds))


def _base_for_box(ctx: AppContext, level: str, box: tuple) -> MapBase | None:
    version = basemap_version(ctx)
    if not version:
        return None
    tag = hashlib.sha256(repr(version).encode()).hexdigest()[:12]
    # Commas between the parts: a longitude west of Greenwich has a minus sign.
    key = f"{tag},{level},{'_'.join(f'{v:.3f}' for v in box)}"
    return ctx.lasting(("basemap", version, level, box), lambda: _compute(ctx, level, box, key))


def layer_geojson(ctx: AppContext, key: str, layer: str) -> dict | None:
    """The GeoJSON of one layer named by a :meth:`MapBase.url` (None for an address that
    names no layer of the loaded basemap: another version, level or layer, or a malformed
    one). Only boxes the dashboard itself asks for are computed: the key is checked."""
    parts = key.split(",")
    if layer not in FILE_LAYERS or len(parts) != 3 or parts[1] not in MAX_LABELS:
        return None
    try:
        box = tuple(round(float(v), 3) for v in parts[2].split("_"))
    except ValueError:
        return None
    if len(box) != 4 or not (box[0] < box[2] and box[1] < box[3]):
        return None
    if (parts[1], box) not in _area_boxes(ctx):
        return None  # only the boxes of the loaded areas: no one can make it compute others
    base = _base_for_box(ctx, parts[1], box)
    if base is None or base.key != key:
        return None
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": g} for g in getattr(base, layer)
        ],
    }


def _area_boxes(ctx: AppContext) -> set[tuple]:
    """Every (level, box) a map of the loaded areas asks for."""

    def compute() -> set[tuple]:
        from dashboard.views import geometry as geo_view  # noqa: PLC0415 - a cycle otherwise
        from dashboard.views.context import options  # noqa: PLC0415
        from dashboard.views.map_view import KENT_BOUNDS  # noqa: PLC0415

        opts = options(ctx)
        boxes = {("county", _padded(geo_view.area_bounds(ctx, "county", None) or KENT_BOUNDS))}
        for level, areas in (("district", opts.districts), ("division", opts.divisions)):
            for area in areas:
                bounds = geo_view.area_bounds(ctx, level, area.code)
                if bounds:
                    boxes.add((level, _padded(bounds)))
        return boxes

    return ctx.lasting("basemap-boxes", compute)


def _padded(bounds: tuple[float, ...]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = bounds
    w, h = max(x1 - x0, 0.02), max(y1 - y0, 0.02)
    w, h = max(w, h * _LON_PER_LAT), max(h, w / _LON_PER_LAT)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    x0, x1, y0, y1 = cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2
    dx, dy = w * _MARGIN, h * _MARGIN
    # Rounded, so boxes that differ in the last digits share one cache entry.
    return (
        round(x0 - dx, 3),
        round(y0 - dy, 3),
        round(x1 + dx, 3),
        round(y1 + dy, 3),
    )


def _sliver(geometry: dict) -> bool:
    """A lake drawn as a triangle: the source's land polygons have a point every 100 to
    200 m, so a hole of a few hectares comes out as three points that read as an artefact
    on a division map, not as water."""
    shape = shapely.geometry.shape(geometry)
    return all(len(p.exterior.coords) <= 4 for p in shapely.get_parts(shape))


# How near (degrees, about 500 m) the edge of the data a lake may come before it counts as
# cut by it.
_EDGE_DEGREES = 0.005


def _data_edge(land: tuple[dict, ...], box: tuple[float, ...]):
    """Where the basemap data ends inside the map's ``box`` (the files are clipped to a box
    of their own: there the land stops short of the box), as lines; None if nowhere."""
    if not land:
        return None
    # Bounds, not a union: the land's rings need not be valid after rounding.
    x0, y0, x1, y1 = shapely.total_bounds([shapely.geometry.shape(g) for g in land])
    bx0, by0, bx1, by1 = box
    e = _EDGE_DEGREES
    sides = [
        shapely.LineString([(a, b), (c, d)])
        for short, (a, b, c, d) in (
            (x0 > bx0 + e, (x0, y0, x0, y1)),
            (x1 < bx1 - e, (x1, y0, x1, y1)),
            (y0 > by0 + e, (x0, y0, x1, y0)),
            (y1 < by1 - e, (x0, y1, x1, y1)),
        )
        if short
    ]
    return shapely.union_all(sides) if sides else None


def _cut(shape, edge) -> bool:
    return edge is not None and shape.distance(edge) <= _EDGE_DEGREES


def _whole_water(water: tuple[dict, ...], edge) -> tuple[dict, ...]:
    """Inland water less triangles (``_sliver``) and the pieces the data's own edge cuts
    through: a river cut there (the Thames at Greenwich, on the county map) was drawn as a
    stray scrap of blue ending in a straight line beside white. (A lake cut by the map's
    own box is kept: the map's frame cuts it cleanly.)"""
    return tuple(g for g in water if not _sliver(g) and not _cut(shapely.geometry.shape(g), edge))


# A coast line shorter than this (degrees, about 7 km) that the data's edge cuts is the
# outline of a cut scrap of river, not a coast.
_SCRAP_DEGREES = 0.1


def _coast_without_scraps(coast: tuple[dict, ...], edge) -> tuple[dict, ...]:
    """The coastline less the short pieces the data's edge cuts (the outlines of the river
    scraps ``_whole_water`` and ``_land_without_cut_holes`` leave out)."""
    if edge is None:
        return coast
    out = []
    for g in coast:
        shape = shapely.geometry.shape(g)
        parts = [
            p for p in shapely.get_parts(shape) if not (p.length < _SCRAP_DEGREES and _cut(p, edge))
        ]
        if len(parts) == len(shapely.get_parts(shape)):
            out.append(g)
        elif parts:
            out.append(shapely.geometry.mapping(shapely.MultiLineString(parts)))
    return tuple(out)


def _land_without_cut_holes(land: tuple[dict, ...], edge) -> tuple[dict, ...]:
    """The land with its holes cut by the data's edge filled: such a hole (the same river)
    shows the sea under the land as the same stray scrap."""
    if edge is None:
        return land
    out = []
    for g in land:
        shape = shapely.geometry.shape(g)
        parts = []
        changed = False
        for p in shapely.get_parts(shape):
            if p.geom_type != "Polygon":
                parts.append(p)
                continue
            holes = [r for r in p.interiors if not _cut(r, edge)]
            changed = changed or len(holes) != len(p.interiors)
            parts.append(shapely.Polygon(p.exterior, holes))
        out.append(shapely.geometry.mapping(shapely.MultiPolygon(parts)) if changed else g)
    return tuple(out)


def _compute(
    ctx: AppContext, level: str, box: tuple[float, float, float, float], key: str
) -> MapBase:
    found = basemap(ctx.store, box, level=level, max_labels=MAX_LABELS[level])
    layers = found.layers

    # Coordinates to a tenth of the level's simplification (about 10 m at county level, where
    # shapes are simplified to about 70 m): fewer digits to send on every county view.
    grid = _GRID.get(level)

    def geoms(name: str) -> tuple[dict, ...]:
        found_geoms = [f["geometry"] for f in layers.get(name, {}).get("features", [])]
        if grid is None or not found_geoms:
            return tuple(found_geoms)
        shapes = shapely.set_precision(
            [shapely.geometry.shape(g) for g in found_geoms], grid, mode="pointwise"
        )
        return tuple(shapely.geometry.mapping(g) for g in shapes if not g.is_empty)

    edge = _data_edge(geoms("land"), found.bbox)
    land = _land_without_cut_holes(geoms("land"), edge)
    # The sea is the data's own box, drawn under the land (whose holes are the estuaries):
    # beyond the box nothing is known, so nothing is drawn (white) rather than sea over land.
    # A rectangle, not the box less the land: that would send the coastline twice.
    sea = shapely.geometry.mapping(shapely.box(*found.bbox)) if land else None
    labels = tuple(
        PlaceLabel(
            name=str(f["properties"].get("name", "")),
            lon=float(f["geometry"]["coordinates"][0]),
            lat=float(f["geometry"]["coordinates"][1]),
            rank=int(f["properties"].get("rank", 4)),
            in_kent_medway=bool(f["properties"].get("in_kent_medway", True)),
        )
        for f in layers.get("labels", {}).get("features", [])
        if f["properties"].get("name")
    )
    return MapBase(
        level=level,
        bbox=found.bbox,
        sea=sea,
        land=land,
        water=_whole_water(geoms("water"), edge),
        coastline=_coast_without_scraps(geoms("coastline"), edge),
        rivers=geoms("rivers"),
        roads=geoms("roads"),
        railways=geoms("railways"),
        labels=labels,
        attribution=found.attribution,
        notes=found.notes,
        key=key,
    )
