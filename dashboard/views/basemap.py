"""The basemap under a map's hexagons: land, sea, inland water, coast, railways and place
names from the loaded context data (``geo.context.basemap``), light at county level and richer
drilled down, with the attribution the licences require.

The layers depend only on the context data and the area, never on the filters, so they are
computed once per area and level and kept in the dashboard's lasting cache (keyed by the
loaded basemap files' checksums): a filter change reuses them and costs only sending them.
Without basemap data loaded there is no basemap, and maps draw as before.
"""

from __future__ import annotations

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


def basemap_version(ctx: AppContext) -> tuple:
    """The loaded basemap sets (name and checksum): empty when none is loaded."""
    return ctx.cached(
        "basemap-version",
        lambda: tuple(
            sorted((s.name, s.checksum) for s in context_sets(ctx.store) if s.kind == "basemap")
        ),
    )


def map_base(
    ctx: AppContext, level: str, bounds: tuple[float, float, float, float]
) -> MapBase | None:
    """The basemap for an area's box at its level, or None without basemap data."""
    version = basemap_version(ctx)
    if not version:
        return None
    box = _padded(bounds)
    key = ("basemap", version, level, box)
    return ctx.lasting(key, lambda: _compute(ctx, level, box))


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


def _compute(ctx: AppContext, level: str, box: tuple[float, float, float, float]) -> MapBase:
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

    land = geoms("land")
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
        water=tuple(g for g in geoms("water") if not _sliver(g)),
        coastline=geoms("coastline"),
        rivers=geoms("rivers"),
        roads=geoms("roads"),
        railways=geoms("railways"),
        labels=labels,
        attribution=found.attribution,
        notes=found.notes,
    )
