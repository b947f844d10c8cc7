"""Reading a boundary file: GeoJSON, GeoPackage or Shapefile, in any CRS, as WGS84 areas.

The steps, each a function below: check the file and take its checksum; choose the layer;
read it with pyogrio; reproject to WGS84; choose the code, name and parent fields; read codes
(never blank); repair invalid shapes (with a warning) and refuse anything that is not an area;
keep the areas the spec asks for; refuse repeated codes. Nothing here touches the store.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from geo.areas.boundaries._check import repair_geometries
from geo.areas.boundaries._fields import choose_fields
from geo.areas.boundaries._model import Boundaries, BoundarySpec
from geo.errors import InputError, ValidationError

_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_WGS84 = "EPSG:4326"


def read_boundaries(spec: BoundarySpec) -> Boundaries:
    """The file's areas, validated and in WGS84; raises a one-line error naming the file."""
    file = str(spec.path)
    checksum = file_checksum(spec.path)
    frame, warnings = _to_wgs84(_read_frame(spec, file), file)
    code_f, name_f, parent_f = choose_fields(
        file,
        spec.level,
        [str(c) for c in frame.columns if c != frame.geometry.name],
        code=spec.code_field,
        name=spec.name_field,
        parent=spec.parent_field,
    )
    codes = _codes(frame[code_f], file, "code")
    names = [str(v).strip() if _present(v) else codes[i] for i, v in enumerate(frame[name_f])]
    parents = (
        [str(v).strip() if _present(v) else None for v in frame[parent_f]]
        if parent_f
        else [None] * len(codes)
    )
    geometries, repaired = repair_geometries(np.asarray(frame.geometry.values), codes, file)
    found = Boundaries(spec, file, checksum, codes, names, parents, geometries, warnings + repaired)
    found = _keep_codes(found)
    _refuse_repeats(found)
    return found


def file_checksum(path: Path) -> str:
    """SHA-256 over the file (and a shapefile's companion files, which hold its data too)."""
    if not path.exists():
        raise InputError(path, "file not found")
    if not path.is_file():
        raise InputError(path, "not a file")
    parts = [path]
    if path.suffix.lower() == ".shp":
        parts = [p for p in (path.with_suffix(s) for s in _SHAPEFILE_PARTS) if p.is_file()]
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.read_bytes())
    return digest.hexdigest()


def _read_frame(spec: BoundarySpec, file: str) -> gpd.GeoDataFrame:
    try:
        layer = _layer(spec, file)
        frame = pyogrio.read_dataframe(spec.path, layer=layer)
    except (DataSourceError, DataLayerError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        raise InputError(
            file, f"could not be read as GeoJSON, GeoPackage or Shapefile ({first[:160]})"
        ) from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise InputError(file, "has no geometry: expected polygon boundaries")
    if frame.empty:
        raise InputError(file, "has no features")
    return frame


def _layer(spec: BoundarySpec, file: str) -> str | None:
    layers = pyogrio.list_layers(spec.path)
    names = [str(name) for name, _ in layers]
    if spec.layer is not None:
        if spec.layer not in names:
            raise InputError(file, f"has no layer {spec.layer!r}; its layers: {', '.join(names)}")
        return spec.layer
    if len(names) > 1:
        raise InputError(
            file, f"has {len(names)} layers ({', '.join(names)}); choose one with --layer"
        )
    return None


def _to_wgs84(frame: gpd.GeoDataFrame, file: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    warnings = []
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise InputError(
                file,
                "has no coordinate reference system and its coordinates are not longitude/"
                "latitude (a shapefile needs its .prj file; British National Grid is EPSG:27700)",
            )
        warnings.append(
            f"{file}: no coordinate reference system given; the coordinates look like "
            "longitude/latitude, so they were read as WGS84"
        )
        return frame.set_crs(_WGS84), warnings
    if frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(_WGS84)
    return frame, warnings


def _present(value: object) -> bool:
    return not pd.isna(value) and str(value).strip() != ""


def _codes(column, file: str, what: str) -> list[str]:
    codes = []
    for i, value in enumerate(column, start=1):
        if not _present(value):
            raise InputError(file, f"feature {i} has no {what} (field {column.name!r} is blank)")
        codes.append(str(value).strip())
    return codes


def _keep_codes(found: Boundaries) -> Boundaries:
    wanted = found.spec.codes
    if not wanted:
        return found
    missing = sorted(set(wanted) - set(found.codes))
    if missing:
        raise ValidationError(
            f"{found.file}: expected {found.spec.level} codes not in the file: "
            f"{', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}"
        )
    return found.take(np.flatnonzero(np.isin(np.array(found.codes, dtype=object), list(wanted))))


def _refuse_repeats(found: Boundaries) -> None:
    seen: dict[str, list[int]] = {}
    for i, code in enumerate(found.codes, start=1):
        seen.setdefault(code, []).append(i)
    repeated = {c: rows for c, rows in seen.items() if len(rows) > 1}
    if repeated:
        shown = "; ".join(
            f"{c} (features {', '.join(map(str, rows[:5]))})"
            for c, rows in list(repeated.items())[:5]
        )
        raise ValidationError(
            f"{found.file}: {len(repeated)} {found.spec.level} codes appear more than once: "
            f"{shown}; each area must have one feature and a unique code"
        )
