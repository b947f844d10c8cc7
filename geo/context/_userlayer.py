"""Roads and rivers from a file the user supplies (OS Open Roads, OS Open Rivers, an
OpenStreetMap extract): any CRS (OS products are in British National Grid), reprojected to
WGS84 and clipped to the Kent and Medway box. Each line gets a rank, so a county map shows
motorways and A roads (and main rivers) and a division map everything.

Ranks come from the fields the known products carry; a file with none of them is drawn at
every level, and the report says so.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataSourceError

from geo.context._geofile import basemap_rows, read_geo
from geo.context._model import UserLayer
from geo.context._sources import OS, OSM
from geo.errors import InputError
from geo.settings import KENT_MEDWAY_BBOX

USER_KINDS = ("roads", "rivers")
_LINES = ("LineString", "MultiLineString")
_PREFERRED_LAYERS = {
    "roads": ("road_link", "roadlink", "gis_osm_roads_free_1", "roads", "lines"),
    "rivers": ("watercourse_link", "watercourselink", "gis_osm_waterways_free_1", "waterways"),
}
# Road class -> (rank, kind). OS Open Roads: `class` (shapefile) or `road_classification`
# (GeoPackage); OpenStreetMap: `fclass` (Geofabrik) or `highway`.
_ROAD_CLASSES = {
    "motorway": (1, "motorway"),
    "motorway_link": (1, "motorway"),
    "a road": (2, "a_road"),
    "trunk": (2, "a_road"),
    "trunk_link": (2, "a_road"),
    "primary": (2, "a_road"),
    "primary_link": (2, "a_road"),
    "b road": (3, "b_road"),
    "secondary": (3, "b_road"),
    "secondary_link": (3, "b_road"),
}
_ROAD_FIELDS = ("class", "road_classification", "roadclassification", "fclass", "highway")
_ROAD_NAME_FIELDS = ("roadnumber", "road_classification_number", "ref", "name1", "name_1", "name")
# River form -> (rank, kind). OS Open Rivers: `form`; OpenStreetMap: `fclass` or `waterway`.
_RIVER_CLASSES = {
    "inlandriver": (1, "river"),
    "tidalriver": (1, "river"),
    "river": (1, "river"),
    "canal": (2, "canal"),
    "lake": (3, "other"),
}
_RIVER_FIELDS = ("form", "fclass", "waterway")
_RIVER_NAME_FIELDS = ("watercourse_name", "name1", "name_1", "name")
_OS_FIELDS = {"roadnumber", "road_classification", "formofway", "form_of_way", "form", "name1"}
_OSM_FIELDS = {"fclass", "osm_id", "highway", "waterway"}


def user_checksum(kind: str, user: UserLayer) -> str:
    """The file's bytes (a shapefile's companions too) and the options it was loaded with."""
    path = Path(user.path)
    if not path.is_file():
        raise InputError(path, "file not found")
    parts = [path]
    if path.suffix.lower() == ".shp":
        parts = sorted(p for p in path.parent.glob(path.stem + ".*") if p.is_file())
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.read_bytes())
    digest.update(f"\0{kind}\0{user.layer}\0{user.attribution}".encode())
    return digest.hexdigest()


def read_user_layer(kind: str, user: UserLayer) -> tuple[pd.DataFrame, list[str], str]:
    """(rows of context_basemap, notes, attribution) for a roads or rivers file."""
    path = Path(user.path)
    file = str(path)
    layer = _choose_layer(kind, path, user.layer)
    frame, notes = read_geo(path, _LINES, repair=True, layer=layer, bbox=KENT_MEDWAY_BBOX)
    geoms = shapely.clip_by_rect(np.asarray(frame.geometry.values, dtype=object), *KENT_MEDWAY_BBOX)
    # Clipping leaves lines (and, where a line only touches the box, points): keep lines.
    geoms = np.array([_lines_of(g) for g in geoms], dtype=object)
    keep = ~shapely.is_empty(geoms)
    frame, geoms = frame.loc[keep].reset_index(drop=True), geoms[keep]
    if not len(geoms):
        raise InputError(file, f"has no {kind} inside the Kent and Medway box {KENT_MEDWAY_BBOX}")
    fields = {str(c).lower(): c for c in frame.columns if c != frame.geometry.name}
    classes = _ROAD_CLASSES if kind == "roads" else _RIVER_CLASSES
    class_field = next((fields[f] for f in _FIELDS[kind] if f in fields), None)
    rank = np.ones(len(geoms), dtype=np.int16)
    kinds = pd.Series([kind[:-1]] * len(geoms), dtype=object)
    if class_field is None:
        notes.append(
            f"{path.name}: no class field ({', '.join(_FIELDS[kind])}): every one of its "
            f"{kind} is drawn at every level"
        )
    else:
        values = frame[class_field].astype(str).str.strip().str.lower()
        found = values.map(lambda v: classes.get(v, (4 if kind == "roads" else 3, "other")))
        rank = np.array([r for r, _ in found], dtype=np.int16)
        kinds = pd.Series([k for _, k in found], dtype=object)
    name_field = next((fields[f] for f in _NAME_FIELDS[kind] if f in fields), None)
    names = None
    if name_field is not None:
        names = frame[name_field].astype(object).where(frame[name_field].notna(), None)
        if kind == "rivers" and class_field is not None:
            # An unnamed watercourse is a stream or drain, however OS classes its form.
            unnamed = names.isna().to_numpy() & (rank == 1)
            rank[unnamed] = 2
    rows = basemap_rows(geoms, kind, rank=rank, name=names, kind=kinds)
    attribution = user.attribution or _default_attribution(kind, set(fields), path, notes)
    notes.append(f"{path.name}: {len(rows)} {kind} in the Kent and Medway box, in WGS84")
    return rows, notes, attribution


_FIELDS = {"roads": _ROAD_FIELDS, "rivers": _RIVER_FIELDS}
_NAME_FIELDS = {"roads": _ROAD_NAME_FIELDS, "rivers": _RIVER_NAME_FIELDS}


def _lines_of(geom: shapely.Geometry) -> shapely.Geometry:
    if geom is None or geom.is_empty or geom.geom_type in _LINES:
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in _LINES]
    return shapely.multilinestrings(parts) if parts else shapely.LineString()


def _choose_layer(kind: str, path: Path, layer: str | None) -> str | None:
    if not path.is_file():
        raise InputError(path, "file not found")
    try:
        names = [str(name) for name, _ in pyogrio.list_layers(path)]
    except DataSourceError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        raise InputError(
            path, f"could not be read as GeoJSON, GeoPackage or Shapefile ({first[:160]})"
        ) from None
    if layer is not None:
        if layer not in names:
            raise InputError(path, f"has no layer {layer!r}; its layers: {', '.join(names)}")
        return layer
    if len(names) <= 1:
        return None
    lower = {n.lower(): n for n in names}
    for preferred in _PREFERRED_LAYERS[kind]:
        if preferred in lower:
            return lower[preferred]
    raise InputError(
        path, f"has {len(names)} layers ({', '.join(names)}); choose one with --{kind}-layer"
    )


def _default_attribution(kind: str, fields: set[str], path: Path, notes: list[str]) -> str:
    if fields & _OSM_FIELDS:
        return OSM
    if fields & _OS_FIELDS:
        return OS
    notes.append(
        f"{path.name}: not recognised as OS or OpenStreetMap data; maps credit it by its file "
        f"name (give the licence's attribution with --{kind}-attribution)"
    )
    return f"{kind.capitalize()}: {path.name}"
