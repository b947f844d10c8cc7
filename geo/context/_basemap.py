"""Basemap layers for a box at a level of detail: light at county level, richer when zoomed.

| level    | labels (size rank) | inland water  | roads (user)   | rivers (user)  | simplified |
|----------|--------------------|---------------|----------------|----------------|------------|
| county   | city, town         | >= 50 ha      | motorway, A    | main rivers    | ~70 m      |
| district | + villages         | >= 10 ha      | + B roads      | + canals       | ~20 m      |
| division | + suburbs          | all (>= 2 ha) | all            | all            | no         |

Land, coastline and railways show at every level. Layers come bottom to top: land, water,
coastline, rivers, roads, railways, labels. Every layer comes in drawing priority (rank, then
for labels the larger place first: the order the loader numbered them in), so a caller that
must drop labels drops from the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from geo.context._model import Basemap
from geo.context._sources import HECTARES_PER_SQUARE_DEGREE, WATER_RANK_HECTARES
from geo.context._stored import attribution, context_sets
from geo.errors import ValidationError
from geo.settings import KENT_MEDWAY_BBOX
from geo.store import Store
from geo.store.queries.context import basemap_features

LAYERS = ("land", "water", "coastline", "rivers", "roads", "railways", "labels")


@dataclass(frozen=True)
class Detail:
    labels: int  # the largest size rank labelled (1 city, 2 town, 3 village, 4 suburb)
    water: int  # 1: >= 50 ha, 2: >= 10 ha, 3: all (WATER_RANK_HECTARES); smaller holes in
    # the land are filled at this level
    roads: int  # 1 motorway, 2 A road, 3 B road, 4 other
    rivers: int  # 1 main river, 2 canal or unnamed river, 3 other
    tolerance: float  # degrees of simplification (0: none)


LEVELS_OF_DETAIL = {
    "county": Detail(labels=2, water=1, roads=2, rivers=1, tolerance=0.001),
    "district": Detail(labels=3, water=2, roads=3, rivers=2, tolerance=0.0003),
    "division": Detail(labels=4, water=3, roads=4, rivers=3, tolerance=0.0),
}


def basemap(
    store: Store,
    bbox: tuple[float, float, float, float] | None = None,
    *,
    level: str = "county",
    max_labels: int | None = None,
) -> Basemap:
    """The loaded basemap layers meeting ``bbox`` (min lon, min lat, max lon, max lat; default
    Kent and Medway) at ``level`` (county, district, division), clipped to the box, as
    GeoJSON. A layer that is not loaded is absent; one with nothing in the box is empty.
    ``max_labels`` keeps the labels of highest priority."""
    if level not in LEVELS_OF_DETAIL:
        raise ValidationError(f"level {level!r}: expected one of {', '.join(LEVELS_OF_DETAIL)}")
    box = _check_bbox(bbox or KENT_MEDWAY_BBOX)
    detail = LEVELS_OF_DETAIL[level]
    loaded = {s.name.split("/", 1)[1]: s for s in context_sets(store) if s.kind == "basemap"}
    layers: dict[str, list] = {layer: [] for layer in LAYERS if layer in loaded}
    if layers:
        rows = basemap_features(
            store,
            box,
            labels=detail.labels,
            water=detail.water,
            roads=detail.roads,
            rivers=detail.rivers,
        )
        _features(rows, layers, box, detail.tolerance, detail.water)
    if max_labels is not None and "labels" in layers:
        layers["labels"] = layers["labels"][: max(0, max_labels)]
    drawn = [layer for layer, features in layers.items() if features]
    notes = tuple(
        loaded[layer].note for layer in drawn if "approximate" in loaded[layer].note.lower()
    )
    return Basemap(
        level=level,
        bbox=box,
        layers={
            layer: {"type": "FeatureCollection", "features": features}
            for layer, features in layers.items()
        },
        attribution=attribution(store, drawn) if drawn else "",
        notes=notes,
    )


def _check_bbox(bbox: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    box = tuple(float(v) for v in bbox)
    if len(box) != 4 or not (box[0] < box[2] and box[1] < box[3]):
        raise ValidationError(f"bbox {bbox}: expected (min lon, min lat, max lon, max lat)")
    return box  # type: ignore[return-value]


def _fill_holes(geom: shapely.Geometry, min_area: float) -> shapely.Geometry:
    """The land without its holes smaller than ``min_area`` (square degrees): the lakes too
    small to draw at this level, which would otherwise show as sea."""
    parts = []
    for part in shapely.get_parts(geom):
        if part.geom_type != "Polygon":
            parts.append(part)
            continue
        holes = [r for r in part.interiors if shapely.Polygon(r).area >= min_area]
        parts.append(shapely.Polygon(part.exterior, holes))
    return parts[0] if len(parts) == 1 else shapely.union_all(parts)


def _features(
    rows: list[tuple], layers: dict[str, list], box: tuple, tolerance: float, water_rank: int
) -> None:
    if not rows:
        return
    geoms = shapely.from_wkb([r[6] for r in rows])
    kinds = shapely.get_type_id(geoms)
    bounds = shapely.bounds(geoms)
    inside = (
        (bounds[:, 0] >= box[0]) & (bounds[:, 1] >= box[1])
        & (bounds[:, 2] <= box[2]) & (bounds[:, 3] <= box[3])
    )  # fmt: skip
    cut = ~inside & (kinds != 0)  # points in the query are inside the box already
    if cut.any():
        geoms[cut] = shapely.clip_by_rect(geoms[cut], *box)
    water = {rank: floor for floor, rank in WATER_RANK_HECTARES}.get(water_rank, 0.0)
    if water > 0:
        land = np.array([r[0] == "land" for r in rows])
        geoms[land] = [_fill_holes(g, water / HECTARES_PER_SQUARE_DEGREE) for g in geoms[land]]
    if tolerance > 0:
        shaped = kinds != 0
        geoms[shaped] = shapely.simplify(geoms[shaped], tolerance, preserve_topology=True)
    # Metre precision is plenty for a basemap and keeps the payload small.
    geoms = shapely.set_precision(geoms, 1e-5, mode="pointwise")
    empty = shapely.is_empty(geoms)
    for row, geom, gone in zip(rows, geoms, empty, strict=True):
        if gone:
            continue
        layer, feature_id, name, kind, rank, in_kent_medway, _ = row
        properties: dict[str, object] = {"rank": int(rank)}
        if name is not None:
            properties["name"] = name
        if kind is not None:
            properties["kind"] = kind
        if in_kent_medway is not None:
            properties["in_kent_medway"] = bool(in_kent_medway)
        layers[layer].append(
            {
                "type": "Feature",
                "id": f"{layer}-{feature_id}",
                "properties": properties,
                "geometry": shapely.geometry.mapping(geom),
            }
        )
