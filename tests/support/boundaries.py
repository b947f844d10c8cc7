"""A small made-up geography in Kent's box, and files to load it from (no shared data needed).

Two county-council districts (A, B) with two divisions each, and a third district with no
divisions standing in for Medway; codes are in the ONS style but not real ones.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import geopandas as gpd
import shapely

from geo.ingest.police_uk import HEADER

DISTRICT_A, DISTRICT_B, MEDWAY = "E07000901", "E07000902", "E06000901"
DISTRICTS = {
    DISTRICT_A: ("Alpha", shapely.box(0.5, 51.0, 0.7, 51.2)),
    DISTRICT_B: ("Beta", shapely.box(0.7, 51.0, 0.9, 51.2)),
    MEDWAY: ("Medway-like", shapely.box(0.5, 51.2, 0.9, 51.3)),
}
DIVISIONS = {
    "E58000901": ("Alpha West", DISTRICT_A, shapely.box(0.5, 51.0, 0.6, 51.2)),
    "E58000902": ("Alpha East", DISTRICT_A, shapely.box(0.6, 51.0, 0.7, 51.2)),
    "E58000903": ("Beta South", DISTRICT_B, shapely.box(0.7, 51.0, 0.9, 51.1)),
    "E58000904": ("Beta North", DISTRICT_B, shapely.box(0.7, 51.1, 0.9, 51.2)),
}
COUNTY = {"E10000901": ("Made-up county", shapely.box(0.5, 51.0, 0.9, 51.2))}


def districts_frame(style: str = "ons", districts=None) -> gpd.GeoDataFrame:
    districts = districts or DISTRICTS
    code, name = ("LAD23CD", "LAD23NM") if style == "ons" else ("lad_code", "lad_name")
    return gpd.GeoDataFrame(
        {code: list(districts), name: [v[0] for v in districts.values()]},
        geometry=[v[1] for v in districts.values()],
        crs="EPSG:4326",
    )


def divisions_frame(style: str = "ons", divisions=None, *, parents: bool = True):
    divisions = divisions or DIVISIONS
    ons = style == "ons"
    code, name, parent = (
        ("CED23CD", "CED23NM", "LAD23CD") if ons else ("ced_code", "ced_name", "lad_code")
    )
    data = {code: list(divisions), name: [v[0] for v in divisions.values()]}
    if parents:
        data[parent] = [v[1] for v in divisions.values()]
    return gpd.GeoDataFrame(data, geometry=[v[2] for v in divisions.values()], crs="EPSG:4326")


def county_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"CTY23CD": list(COUNTY), "CTY23NM": [v[0] for v in COUNTY.values()]},
        geometry=[v[1] for v in COUNTY.values()],
        crs="EPSG:4326",
    )


def write(frame: gpd.GeoDataFrame, path: Path, *, crs: str | None = None) -> Path:
    """Write a frame as GeoJSON, GeoPackage or Shapefile (by suffix), optionally reprojected."""
    if crs is not None:
        frame = frame.to_crs(crs)
    driver = {".geojson": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile"}[path.suffix]
    frame.to_file(path, driver=driver, engine="pyogrio")
    return path


def write_set(folder: Path, style: str = "ons") -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "district": write(districts_frame(style), folder / "districts.geojson"),
        "division": write(divisions_frame(style), folder / "divisions.geojson"),
    }


def police_row(crime_id: str, lon: float, lat: float, month: str = "2018-10") -> list[str]:
    return [
        crime_id,
        month,
        "Kent Police",
        "Kent Police",
        f"{lon:.6f}",
        f"{lat:.6f}",
        "On or near Somewhere",
        "E01024343",
        "Maidstone 001A",
        "Drugs",
        "Under investigation",
        "",
    ]


def write_police_csv(path: Path, points: list[tuple[float, float]]) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(police_row(f"id{i:05d}", lon, lat) for i, (lon, lat) in enumerate(points))
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


# Points: inside each division, on the A/B district edge, on a division edge, in Medway,
# and outside every area but within the 500 m a load keeps beyond the districts' edge (about
# 280 m east of Beta), so kept rather than quarantined.
POINTS = [
    (0.55, 51.1),  # A, West
    (0.65, 51.1),  # A, East
    (0.6, 51.05),  # on the West/East edge: lowest code, West
    (0.7, 51.15),  # on the A/B edge: district A (lower code) and one of A's divisions
    (0.8, 51.05),  # B, South
    (0.8, 51.15),  # B, North
    (0.7, 51.25),  # Medway-like: a district and no division
    (0.904, 51.1),  # outside every area, about 280 m beyond the edge
]
