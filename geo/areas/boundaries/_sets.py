"""The loaded boundary sets: load one file, list the sets, the note a map prints, the areas as
GeoJSON. Kept apart from the readers (which need geopandas) so that drawing a map with the
loaded boundaries does not import geopandas."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import shapely

from geo.areas.boundaries._model import LEVELS, BoundaryReport, BoundarySpec
from geo.store import Store
from geo.store.queries import areas as queries


def load_boundaries(
    store: Store,
    path: str | os.PathLike[str],
    level: str,
    *,
    code_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
    layer: str | None = None,
    source: str | None = None,
    vintage: str | None = None,
    approximate: bool = False,
    note: str | None = None,
    force: bool = False,
) -> BoundaryReport:
    """Load one boundary file (GeoJSON, GeoPackage or Shapefile, any CRS) at ``level``.

    Fields are found automatically where unambiguous (ONS ``CED23CD``-style, or the shared
    files' ``ced_code``-style); ``source``, ``vintage``, ``approximate`` and ``note`` say on
    every map what the boundaries are. Divisions need districts loaded first. The same file
    with the same options again changes nothing, unless ``force``.
    """
    spec = BoundarySpec(
        path=Path(path),
        level=level,
        code_field=code_field,
        name_field=name_field,
        parent_field=parent_field,
        layer=layer,
        source=source,
        vintage=vintage,
        approximate=approximate,
        note=note,
    )
    from geo.areas.boundaries._load import load_boundary_set  # noqa: PLC0415 - geopandas on use

    return load_boundary_set(store, [spec], force=force)


def boundary_sets(store: Store) -> list[dict[str, Any]]:
    """The loaded boundary sets, county first, with how many areas each holds."""
    if not store.exists():
        return []
    return sorted(queries.boundary_sets(store), key=lambda r: LEVELS.index(r["level"]))


def boundary_note(store: Store, levels: tuple[str, ...] = LEVELS) -> str | None:
    """The note a map drawn with these levels must print (None when none is loaded).

    Each level's note once (a set loaded together usually shares one), county first; it
    starts "Boundaries approximate" whenever any of the levels is approximate.
    """
    sets = [s for s in boundary_sets(store) if s["level"] in levels]
    if not sets:
        return None
    # Approximate sets first, so the note opens with the warning a reader must not miss.
    ordered = sorted(sets, key=lambda s: not s["approximate"])
    notes = list(dict.fromkeys(s["note"] for s in ordered))
    text = " ".join(notes)
    if any(s["approximate"] for s in sets) and not text.startswith("Boundaries approximate"):
        text = "Boundaries approximate. " + text
    return text


def area_features(
    store: Store, level: str, *, parent: str | None = None, tolerance: float = 0.0
) -> dict[str, Any]:
    """The areas at ``level`` (optionally one district's divisions) as GeoJSON for drawing.

    ``tolerance`` (degrees) simplifies the outlines for display; shared edges may then part
    slightly, so never use simplified outlines for counting.
    """
    if level not in LEVELS:
        raise ValueError(f"boundary level {level!r}: expected one of {', '.join(LEVELS)}")
    shapes = queries.area_shapes(store, level, parent=parent) if store.exists() else []
    features = []
    for area in shapes:
        shape = area.geometry
        if tolerance > 0:
            shape = shapely.simplify(shape, tolerance, preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "id": area.code,
                "properties": {"code": area.code, "name": area.name, "parent": area.parent},
                "geometry": shapely.geometry.mapping(shape),
            }
        )
    return {"type": "FeatureCollection", "features": features}
