"""Tables and GIS layers of a view: CSV, GeoJSON and GeoPackage.

Two layers: ``hexagons`` (the pieces on the map, with the published count and every
measure's class and value) and ``areas`` (the view's area, districts and divisions with
their count and the change on the previous period). Each row carries the security marking,
so a feature copied into another dataset keeps it.

* CSV: both layers in one table (``layer`` column), no geometry but each hexagon's centre,
  the header on line 1 and the notes as the last rows; opens safely in a spreadsheet: no cell
  can start a formula (see :func:`spreadsheet_safe`).
* GeoJSON: WGS84 longitude/latitude (RFC 7946), the export record as a ``socmap`` member.
* GeoPackage: British National Grid (EPSG:27700) declared in the file, the export record in
  an ``export_info`` table and in each layer's description.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

from dashboard.export import _bng
from dashboard.export._meta import ExportInfo
from dashboard.export._rows import AreaRow, PieceRow
from dashboard.state import MEASURES
from dashboard.views.context import AppContext
from geo.disclosure import Audience
from geo.store.queries.areas import area_shapes

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

# Imports: geopandas and pandas are imported by the functions that build or write layers,
# not with this module: the package imports it, and `socmap export map` (which needs
# neither) started a second slower for them (benchmarks/export_bench.py).

LAYER_FORMATS = ("csv", "geojson", "gpkg")
# The smallest polygon part a layer keeps, in square metres: pieces cut at generalised
# boundaries leave slivers of a few square metres (one was 2.7 m^2), which hold nothing
# and which GIS tools report as errors. A feature made only of such parts keeps its largest.
MIN_PART_M2 = 10.0
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_DIGITS = 6  # about 0.1 m in WGS84: more than the boundaries' own precision
# A number as a spreadsheet reads one: digits, one decimal point, an exponent. Not what
# Python's float() accepts besides ("-inf", "nan", "1_0"), which a spreadsheet reads as text
# or, after a sign, as a formula.
_NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")


def piece_frame(rows: list[PieceRow], info: ExportInfo) -> gpd.GeoDataFrame:
    import geopandas as gpd  # noqa: PLC0415 - see the note on imports above
    import pandas as pd  # noqa: PLC0415 - see the note on imports above

    public = info.audience == Audience.PUBLIC
    records = []
    for r in rows:
        rec = {
            "marking": info.marking,
            "hex": r.hex,
            "resolution": r.resolution,
            "area_code": r.area,
            "area_name": r.area_name,
            "district_code": r.district,
            "district_name": r.district_name,
            "count": r.count.value,
            "count_label": r.count.text,
            "centre_lat": r.centre[0],
            "centre_lon": r.centre[1],
        }
        for m in MEASURES:
            if m == "count":
                continue
            klass, label, value, _ = r.measures[m]
            rec[f"{m}_class"] = klass
            rec[f"{m}_label"] = label
            # Public statistics at the precision the dashboard prints, no finer.
            rec[f"{m}_value"] = None if value is None else round(value, 2 if public else 6)
        records.append(rec)
    geoms = [shapely.geometry.shape(r.geometry) for r in rows]
    frame = pd.DataFrame.from_records(records)
    return gpd.GeoDataFrame(_nullable(frame), geometry=geoms, crs="EPSG:4326")


def area_frame(ctx: AppContext, rows: list[AreaRow], info: ExportInfo) -> gpd.GeoDataFrame:
    import geopandas as gpd  # noqa: PLC0415 - see the note on imports above
    import pandas as pd  # noqa: PLC0415 - see the note on imports above

    shapes = _area_shapes(ctx)
    records = []
    for r in rows:
        ch = r.change
        records.append(
            {
                "marking": info.marking,
                "level": r.level,
                "code": r.code or "",
                "name": r.name,
                "parent_code": r.parent,
                "count": r.count.value,
                "count_label": r.count.text,
                "previous": ch.previous.value if ch else None,
                "previous_label": ch.previous.text if ch else "no data loaded",
                # Days with data in each period: a change is of the rate per day.
                "days": ch.days[0] if ch and ch.days else None,
                "previous_days": ch.days[1] if ch and ch.days else None,
                "change_pct": None if ch is None or ch.pct is None else round(ch.pct, 1),
                "change_label": ch.label if ch else "no earlier data to compare",
                "significant": None if ch is None else ch.significant,
                "p_value": None if ch is None or ch.p is None else round(ch.p, 4),
                "q_value": None if ch is None or ch.q is None else round(ch.q, 4),
            }
        )
    geoms = [shapes.get((r.level, r.code)) for r in rows]
    frame = pd.DataFrame.from_records(records)
    return gpd.GeoDataFrame(_nullable(frame), geometry=geoms, crs="EPSG:4326")


def _nullable(frame: pd.DataFrame) -> pd.DataFrame:
    """Whole-number columns stay whole numbers where some values are withheld."""
    for col in ("count", "previous", "resolution", "days", "previous_days"):
        if col in frame:
            frame[col] = frame[col].astype("Int64")
    if "significant" in frame:
        frame["significant"] = frame["significant"].astype("boolean")
    return frame


def _area_shapes(ctx: AppContext) -> dict:
    def compute():
        found = area_shapes(ctx.store, ("district", "division"))
        shapes = {(a.level, a.code): a.geometry for a in found}
        districts = [s for (lv, _), s in shapes.items() if lv == "district"]
        if districts:
            shapes[("county", None)] = shapely.union_all(districts)
        return shapes

    return ctx.cached("export-area-shapes", compute)


# -- writers ---------------------------------------------------------------------------------


def without_empty_slivers(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Hexagon pieces that are slivers in whole (under MIN_PART_M2) and hold no published
    incident are left out: a boundary's crumb, not a place. One holding incidents stays (the
    pieces add up to the area totals)."""
    if "count" not in frame or frame.empty:
        return frame
    grid = frame.geometry if frame.crs.to_epsg() == 27700 else frame.geometry.to_crs("EPSG:27700")
    counts = frame["count"].fillna(0).astype(float)
    return frame[~((grid.area.to_numpy() < MIN_PART_M2) & (counts.to_numpy() <= 0))]


def valid_polygons(geoms: np.ndarray, *, bng: bool) -> np.ndarray:
    """Each geometry as a valid (Multi)Polygon: repaired (``make_valid``: cutting hexagons at
    boundaries and rounding vertices leave self-intersections), stray lines and points of a
    repaired collection dropped, and parts under MIN_PART_M2 dropped (areas measured in
    British National Grid: ``bng`` says the geometries are in it already, else WGS84)."""
    out = np.empty(len(geoms), dtype=object)
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            out[i] = geom
            continue
        fixed = geom if geom.is_valid else shapely.make_valid(geom)
        polys = [p for p in shapely.get_parts(shapely.get_parts(fixed)) if p.geom_type == "Polygon"]
        if not polys:
            out[i] = None
            continue
        metric = polys if bng else _bng.shapes_to_bng(polys)
        areas = shapely.area(np.asarray(metric, dtype=object))
        keep = [p for p, a in zip(polys, areas, strict=True) if a >= MIN_PART_M2]
        keep = keep or [polys[int(np.argmax(areas))]]
        shape = keep[0] if len(keep) == 1 else shapely.MultiPolygon(keep)
        if not shape.is_valid:  # parts of a repair that touch along an edge
            shape = shapely.union_all(keep)
        out[i] = shape
    return out


def spreadsheet_safe(value: object) -> str:
    """A cell's text that no spreadsheet runs as a formula: text starting with = + - @ or a
    tab or line break gets a leading apostrophe; real decimal numbers (-12.5 too) stay
    numbers."""
    if value is None or (isinstance(value, float) and value != value):  # noqa: PLR0124
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def csv_bytes(pieces: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, info: ExportInfo) -> bytes:
    """One table of areas and hexagons, the header on line 1 (as Excel, LibreOffice and
    QGIS expect), then the notes as rows of their own at the end (``layer`` "note", the
    text in ``name``): one file that keeps its notes, and data rows first, so tools that guess
    column types from the first rows guess them from data. Every row carries the marking.
    UTF-8 with a byte-order mark, so a spreadsheet reads "km²" rightly. Every cell goes
    through :func:`spreadsheet_safe`."""
    import pandas as pd  # noqa: PLC0415 - see the note on imports above

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    a = pd.DataFrame(areas.drop(columns="geometry")).assign(layer="area")
    p = pd.DataFrame(pieces.drop(columns="geometry")).assign(layer="hexagon")
    table = _nullable(pd.concat([a, p], ignore_index=True))
    columns = ["layer", *[c for c in table.columns if c != "layer"]]
    if "name" not in columns:
        columns.append("name")
    writer.writerow(columns)
    for row in table.reindex(columns=columns).astype(object).itertuples(index=False):
        writer.writerow([spreadsheet_safe(None if v is pd.NA else v) for v in row])
    for line in note_lines(info):
        note = {"layer": "note", "marking": info.marking, "name": line}
        writer.writerow([spreadsheet_safe(note.get(c)) for c in columns])
    return out.getvalue().encode("utf-8-sig")


def note_lines(info: ExportInfo) -> list[str]:
    """What the table shows and the rules applied, true of the table itself: restricted
    categories are not in it (the dashboard shows them only as district totals)."""
    lines = [
        info.marking,
        info.title,
        f"Period: {info.period}",
        f"Audience: {info.audience}; export {info.reference}; data version "
        f"{info.data_version}; produced {info.produced_at}",
    ]
    for rule in info.rules:
        text = rule["text"]
        if rule.get("rule") == "restricted_categories" and rule.get("display") == "district":
            text = (
                text.partition(" are ")[0] + " are not in this table (the dashboard and the "
                "briefing pack show them only as district totals)."
            )
        lines.append(text)
    lines += [f"Read with care: {text}" for text in info.caveats]
    return lines


def geojson_bytes(pieces: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, info: ExportInfo) -> bytes:
    features = []
    for layer, frame in (("area", areas), ("hexagon", pieces)):
        # Rounded to 6 decimals (RFC 7946's suggestion; about 0.1 m), then made valid: a
        # vertex moved by rounding can make an edge cross another.
        rounded = frame.set_geometry(
            valid_polygons(
                shapely.set_precision(
                    shapely.make_valid(np.asarray(frame.geometry.values)), 10**-_DIGITS
                ),
                bng=False,
            ),
            crs=frame.crs,
        )
        if layer == "hexagon":
            rounded = without_empty_slivers(rounded)
        for feat in json.loads(rounded.to_json(na="null", drop_id=True))["features"]:
            feat["properties"] = {"layer": layer, **feat["properties"]}
            features.append(feat)
    doc = {
        "type": "FeatureCollection",
        "name": info.title,
        "socmap": info.as_dict(),
        "features": features,
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def gpkg_bytes(pieces: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, info: ExportInfo) -> bytes:
    import pandas as pd  # noqa: PLC0415 - see the note on imports above
    import pyogrio  # noqa: PLC0415

    description = f"{info.marking}. {info.title}. {info.period}. Export {info.reference}."
    with tempfile.TemporaryDirectory(prefix="socmap-gpkg-") as tmp:
        path = Path(tmp) / "export.gpkg"
        for layer, frame in (("hexagons", pieces), ("areas", areas)):
            grid = frame.to_crs("EPSG:27700")
            grid = grid.set_geometry(
                valid_polygons(np.asarray(grid.geometry.values), bng=True), crs=grid.crs
            )
            if layer == "hexagons":
                grid = without_empty_slivers(grid)
            pyogrio.write_dataframe(
                grid,
                path,
                layer=layer,
                driver="GPKG",
                layer_options={"DESCRIPTION": description},
                metadata={"socmap_export": info.as_json(), "marking": info.marking},
            )
        record = info.as_dict()
        meta = pd.DataFrame(
            {
                "key": list(record),
                "value": [v if isinstance(v, str) else json.dumps(v) for v in record.values()],
            }
        )
        pyogrio.write_dataframe(meta, path, layer="export_info", driver="GPKG")
        return path.read_bytes()
