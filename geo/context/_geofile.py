"""Reading the basemap's GeoJSON layers (and the LSOA shapes) as checked WGS84 geometries.

A layer must hold the geometry types it is for (polygons for land and water, lines for the
coastline and railways, points for labels), every feature a geometry, and lie in the Kent
and Medway box: a file in another CRS is reprojected; one whose coordinates fall outside the
box is refused (swapped or projected coordinates read as degrees).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from geo.context._sources import (
    HECTARES_PER_SQUARE_DEGREE,
    PLACE_KINDS,
    WATER_RANK_HECTARES,
    SetSpec,
)
from geo.errors import InputError
from geo.settings import KENT_MEDWAY_BBOX

WGS84 = "EPSG:4326"
_SLACK = 1e-6  # degrees: the shared layers are clipped to the box itself
_LINES = ("LineString", "MultiLineString")
_AREAS = ("Polygon", "MultiPolygon")
_TYPES = {
    "land": _AREAS,
    "water": _AREAS,
    "coastline": _LINES,
    "railways": _LINES,
    "labels": ("Point",),
}


def read_geo(
    path: Path,
    types: tuple[str, ...],
    *,
    repair: bool,
    layer: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The file's features in WGS84 (``bbox``: only those meeting it, given in WGS84)."""
    file = str(path)
    if not path.is_file():
        raise InputError(file, "file not found")
    notes: list[str] = []
    try:
        info = pyogrio.read_info(path, layer=layer)
        crs = info.get("crs")
        where = _bbox_in(crs, bbox) if bbox and crs else None
        frame = pyogrio.read_dataframe(path, layer=layer, bbox=where)
    except (DataSourceError, DataLayerError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        raise InputError(
            file, f"could not be read as GeoJSON, GeoPackage or Shapefile ({first[:160]})"
        ) from None
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(file, "has no geometry")
    if frame.crs is None:
        frame, note = _assume_wgs84(frame, file)
        notes.append(note)
    elif frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(WGS84)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        raise InputError(file, f"feature {int(np.flatnonzero(missing)[0]) + 1} has no geometry")
    kinds = shapely.get_type_id(geoms)
    allowed = [_TYPE_IDS[t] for t in types]
    wrong = ~np.isin(kinds, allowed)
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise InputError(
            file,
            f"feature {i + 1} is a {geoms[i].geom_type}; expected {' or '.join(types)}",
        )
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        if not repair:
            i = int(np.flatnonzero(invalid)[0])
            raise InputError(file, f"feature {i + 1} has an invalid geometry")
        fixed = shapely.make_valid(geoms[invalid])
        if types == _AREAS:
            fixed = np.array([_polygons_of(g) for g in fixed], dtype=object)
        geoms[invalid] = fixed
        frame = frame.set_geometry(gpd.GeoSeries(geoms, crs=WGS84, index=frame.index))
        notes.append(
            f"{path.name}: {int(invalid.sum())} invalid geometries repaired (features "
            f"{', '.join(str(i + 1) for i in np.flatnonzero(invalid)[:5])})"
        )
    return frame.reset_index(drop=True), notes


_TYPE_IDS = {
    "Point": 0,
    "LineString": 1,
    "Polygon": 3,
    "MultiPoint": 4,
    "MultiLineString": 5,
    "MultiPolygon": 6,
}


def _polygons_of(geom: shapely.Geometry) -> shapely.Geometry:
    """make_valid can return a collection with stray lines; keep the area."""
    if geom.geom_type in _AREAS:
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in _AREAS]
    return shapely.union_all(parts)


def _assume_wgs84(frame: gpd.GeoDataFrame, file: str) -> tuple[gpd.GeoDataFrame, str]:
    minx, miny, maxx, maxy = frame.total_bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InputError(
            file,
            "has no coordinate reference system and its coordinates are not longitude/latitude "
            "(a shapefile needs its .prj file; British National Grid is EPSG:27700)",
        )
    note = (
        f"{Path(file).name}: no coordinate reference system given; the coordinates look like "
        "longitude/latitude, so they were read as WGS84"
    )
    return frame.set_crs(WGS84), note


def _bbox_in(crs: str, bbox: tuple[float, float, float, float]) -> tuple[float, ...]:
    """The WGS84 box in the file's own CRS (densified edges, so it covers the whole box)."""
    from pyproj import CRS, Transformer  # noqa: PLC0415 - only user layers need it

    target = CRS.from_user_input(crs)
    if target.to_epsg() == 4326:
        return bbox
    transformer = Transformer.from_crs(WGS84, target, always_xy=True)
    return transformer.transform_bounds(*bbox, densify_pts=21)


def check_in_box(geoms: np.ndarray, file: str) -> None:
    """Refuse features outside the Kent and Medway box (coordinates read wrongly)."""
    min_lon, min_lat, max_lon, max_lat = KENT_MEDWAY_BBOX
    b = shapely.bounds(geoms)
    out = (
        (b[:, 0] < min_lon - _SLACK)
        | (b[:, 1] < min_lat - _SLACK)
        | (b[:, 2] > max_lon + _SLACK)
        | (b[:, 3] > max_lat + _SLACK)
    )
    if out.any():
        i = int(np.flatnonzero(out)[0])
        raise InputError(
            file,
            f"feature {i + 1} lies outside the Kent and Medway box {KENT_MEDWAY_BBOX} "
            f"(its bounds {tuple(round(float(v), 4) for v in b[i])}): wrong coordinates?",
        )


def wkb_and_bounds(geoms: np.ndarray) -> tuple[list[bytes], np.ndarray]:
    geoms = np.asarray(geoms, dtype=object)
    return list(shapely.to_wkb(geoms)), shapely.bounds(geoms)


def basemap_rows(
    geoms: np.ndarray,
    layer: str,
    *,
    rank: np.ndarray,
    name: pd.Series | None = None,
    kind: pd.Series | None = None,
    in_kent_medway: pd.Series | None = None,
) -> pd.DataFrame:
    """Rows of context_basemap, numbered in drawing priority (rank, then as given)."""
    wkb, bounds = wkb_and_bounds(geoms)
    n = len(wkb)
    rows = pd.DataFrame(
        {
            "layer": layer,
            "name": None if name is None else name.to_numpy(dtype=object),
            "kind": None if kind is None else kind.to_numpy(dtype=object),
            "rank": np.asarray(rank, dtype=np.int16),
            "in_kent_medway": None if in_kent_medway is None else in_kent_medway.to_numpy(),
            "minx": bounds[:, 0],
            "miny": bounds[:, 1],
            "maxx": bounds[:, 2],
            "maxy": bounds[:, 3],
            "geometry": wkb,
        },
        index=range(n),
    )
    rows = rows.iloc[np.argsort(rows["rank"].to_numpy(), kind="stable")].reset_index(drop=True)
    rows.insert(1, "feature_id", np.arange(n, dtype=np.int32))
    return rows


def read_basemap(spec: SetSpec, path: Path) -> tuple[pd.DataFrame, list[str]]:
    layer = spec.layer
    assert layer is not None
    frame, notes = read_geo(path, _TYPES[layer], repair=True)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    check_in_box(geoms, str(path))
    if layer == "labels":
        return _labels(frame, geoms, str(path)), notes
    rank = np.ones(len(geoms), dtype=np.int16)
    if layer == "water":
        hectares = shapely.area(geoms) * HECTARES_PER_SQUARE_DEGREE
        rank[:] = 3
        for floor, r in reversed(WATER_RANK_HECTARES):
            rank[hectares >= floor] = r
    name = frame["elr"].astype(str) if layer == "railways" and "elr" in frame else None
    return basemap_rows(geoms, layer, rank=rank, name=name), notes


def _labels(frame: gpd.GeoDataFrame, geoms: np.ndarray, file: str) -> pd.DataFrame:
    for column in ("name", "local_type", "size_rank"):
        if column not in frame.columns:
            raise InputError(file, f"has no field {column} (fields: {', '.join(frame.columns)})")
    names = frame["name"].astype(str).str.strip()
    kinds = frame["local_type"].map(PLACE_KINDS)
    ranks = pd.to_numeric(frame["size_rank"], errors="coerce")
    for i in range(len(frame)):
        if not names.iloc[i] or names.iloc[i] == "None":
            raise InputError(file, f"feature {i + 1} has no name")
        if pd.isna(kinds.iloc[i]):
            raise InputError(file, f"feature {i + 1}: local_type {frame['local_type'].iloc[i]!r}")
        if pd.isna(ranks.iloc[i]) or not 1 <= ranks.iloc[i] <= 6:
            raise InputError(file, f"feature {i + 1}: size_rank {frame['size_rank'].iloc[i]!r}")
    # Within a size rank, places in Kent and Medway before the context places beyond it,
    # then the larger place (OS's most-detailed-view scale) first.
    detail = pd.to_numeric(frame.get("os_most_detail_view_res"), errors="coerce").fillna(0)
    inside = (
        frame["in_kent_medway"] if "in_kent_medway" in frame else pd.Series([None] * len(frame))
    )
    beyond = (inside == False).to_numpy()  # noqa: E712 - None (not given) sorts as inside
    order = np.lexsort((names.to_numpy(), -detail.to_numpy(), beyond, ranks.to_numpy()))
    return basemap_rows(
        geoms[order],
        "labels",
        rank=ranks.to_numpy()[order],
        name=names.iloc[order],
        kind=kinds.iloc[order],
        in_kent_medway=inside.iloc[order].astype(object),
    )
