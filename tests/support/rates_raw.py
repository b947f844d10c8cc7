"""The real police.uk months' located rows straight from the CSVs, for the rates and harm
tests' independent computations (a fixture shared by both)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def raw(police_uk_files, shared_data) -> gpd.GeoDataFrame:
    """Located rows straight from the CSVs (a repeated Crime ID once), each with the district
    holding it (geopandas, the boundary file) and its LSOA by the documented rule: police.uk's
    code when it is a Kent and Medway LSOA, else the LSOA file's polygon holding the point."""
    df = pd.concat(
        [pd.read_csv(f, dtype=str, keep_default_na=False) for f in police_uk_files],
        ignore_index=True,
    )
    lat = pd.to_numeric(df["Latitude"], errors="coerce")
    lon = pd.to_numeric(df["Longitude"], errors="coerce")
    repeat = (df["Crime ID"] != "") & df.duplicated(subset=["Crime ID"], keep="first")
    keep = lat.notna() & ~repeat
    points = gpd.GeoDataFrame(
        df[keep].reset_index(drop=True),
        geometry=gpd.points_from_xy(lon[keep], lat[keep]),
        crs="EPSG:4326",
    )
    b = shared_data / "boundaries"
    districts = gpd.read_file(b / "kent_medway_districts_lad21_oa_dissolved.geojson")
    lsoas = gpd.read_file(b / "kent_medway_lsoa11.geojson")
    placed = gpd.sjoin(points, districts[["lad_code", "geometry"]], predicate="within", how="left")
    placed = placed[~placed.index.duplicated()]
    inside = gpd.sjoin(points, lsoas[["LSOA11CD", "geometry"]], predicate="within", how="left")
    inside = inside[~inside.index.duplicated()]
    own = points["LSOA code"].where(points["LSOA code"].isin(set(lsoas["LSOA11CD"])))
    points["district"] = placed["lad_code"]
    points["lsoa"] = own.fillna(inside["LSOA11CD"])
    points["pip"] = inside["LSOA11CD"]
    return points
