"""The shared Kent boundaries with three months of real police.uk crime.

Placement is checked against an independent geopandas spatial join on the files as
published, and against the LSOA police.uk names on every row.
"""

from __future__ import annotations

from collections import Counter

import geopandas as gpd
import pandas as pd
import pytest

from geo import Settings, Store, ingest_police_uk
from geo.areas.boundaries import boundary_note, fetch_boundaries, load_manifest
from geo.areas.boundaries._manifest import DEFAULT_MANIFEST
from geo.store import summarize
from geo.themes import load_themes
from tests.support.arcgis_server import FakeArcGIS

pytestmark = pytest.mark.shared_data

DISTRICTS_FILE = "kent_medway_districts_lad21_oa_dissolved.geojson"
DIVISIONS_FILE = "kent_ced_2017_oa_dissolved.geojson"
MEDWAY = "E06000035"


@pytest.fixture(scope="module")
def placed(shared_data, police_uk_files, tmp_path_factory):
    """Boundaries first, then police.uk: every incident placed as it is loaded."""
    settings = Settings(db_path=tmp_path_factory.mktemp("placed") / "socmap.duckdb")
    store = Store(settings.db_path)
    fetch_boundaries(store, from_dir=shared_data / "boundaries")
    for f in police_uk_files:
        ingest_police_uk(store, f, settings, progress=False)
    yield store
    store.close()


@pytest.fixture(scope="module")
def incidents(placed) -> gpd.GeoDataFrame:
    frame = placed.fetch(
        "SELECT uid, latitude, longitude, lsoa_code, district, division FROM incidents "
        "WHERE latitude IS NOT NULL"
    ).to_pandas()
    points = gpd.points_from_xy(frame["longitude"], frame["latitude"])
    return gpd.GeoDataFrame(frame, geometry=points, crs="EPSG:4326")


def sjoin_first(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, code: str) -> pd.Series:
    """Each point's area by geopandas' spatial join, the lowest code on a shared edge."""
    joined = gpd.sjoin(points[["geometry"]], areas[[code, "geometry"]], predicate="intersects")
    return joined.sort_values(code).groupby(level=0)[code].first().reindex(points.index)


def test_the_shared_set_loads(placed):
    counts = dict(placed.fetch_rows("SELECT level, count(*) FROM areas GROUP BY level"))
    assert counts == {"county": 2, "district": 13, "division": 72}
    parents = placed.fetch_rows(
        "SELECT count(DISTINCT parent_code) FROM areas WHERE level = 'division'"
    )
    assert parents == [(12,)]  # every county-council district; Medway has none
    assert boundary_note(placed).startswith("Boundaries approximate: divisions (2017)")


def test_every_point_in_kent_and_medway_is_in_exactly_one_district(incidents, shared_data):
    districts = gpd.read_file(shared_data / "boundaries" / DISTRICTS_FILE)
    expected = sjoin_first(incidents, districts, "lad_code")
    inside = expected.notna()
    assert inside.sum() > 40_000
    # One district each (a column holds one value), the one the spatial join gives ...
    assert (incidents.loc[inside, "district"] == expected[inside]).all()
    # ... and the points in no district are kept, with no place.
    assert incidents.loc[~inside, "district"].isna().all()
    assert incidents.loc[~inside, "division"].isna().all()


def test_district_counts_equal_a_spatial_join(placed, incidents, shared_data):
    districts = gpd.read_file(shared_data / "boundaries" / DISTRICTS_FILE)
    expected = sjoin_first(incidents, districts, "lad_code").value_counts().to_dict()
    summary = summarize(placed, load_themes())
    got = {code: v["loaded"] for code, v in summary["by_district"].items()}
    assert got == expected
    assert summary["outside"] == int(incidents["district"].isna().sum())
    assert sum(got.values()) + summary["outside"] == summary["loaded"]


def test_division_counts_sum_to_their_districts(placed):
    summary = summarize(placed, load_themes())
    by_parent: dict[str, int] = {}
    for v in summary["by_division"].values():
        by_parent[v["district"]] = by_parent.get(v["district"], 0) + v["loaded"]
    for code, v in summary["by_district"].items():
        assert by_parent.get(code, 0) == (0 if code == MEDWAY else v["loaded"]), code
    # Medway's incidents are in the district totals, with no division.
    assert summary["by_district"][MEDWAY]["loaded"] > 5_000


def test_the_lsoa_on_each_row_agrees_with_the_placed_district(incidents, shared_data):
    lsoas = gpd.read_file(shared_data / "boundaries" / "kent_medway_lsoa11.geojson")
    district_of_lsoa = dict(zip(lsoas["LSOA11CD"], lsoas["lad_code"], strict=True))
    truth = incidents["lsoa_code"].map(district_of_lsoa)
    known = truth.notna()
    agree = (incidents.loc[known, "district"] == truth[known]).mean()
    assert agree > 0.999, agree


def test_divisions_mostly_agree_with_the_lsoa_best_fit(incidents, shared_data):
    # LSOAs do not nest in divisions, so this is a sanity check, not an identity: each LSOA
    # maps to the division it overlaps most.
    lookup = pd.read_csv(shared_data / "boundaries" / "lsoa11_to_ced_kent.csv", dtype=str)
    ced_of_lsoa = dict(zip(lookup["LSOA11CD"], lookup["ced_code"], strict=True))
    best_fit = incidents["lsoa_code"].map(ced_of_lsoa)
    known = best_fit.notna()
    assert (incidents.loc[known, "division"] == best_fit[known]).mean() > 0.9


def test_loading_boundaries_after_the_incidents_places_them_the_same(
    placed, shared_data, police_uk_files, tmp_path
):
    settings = Settings(db_path=tmp_path / "later.duckdb")
    later = Store(settings.db_path)
    for f in police_uk_files:
        ingest_police_uk(later, f, settings, progress=False)
    report = fetch_boundaries(later, from_dir=shared_data / "boundaries")
    sql = "SELECT incident_id, month, latitude, district, division FROM incidents ORDER BY ALL"
    now, first = Counter(later.fetch_rows(sql)), Counter(placed.fetch_rows(sql))
    # Every incident placed the same way, but for the points more than 500 m beyond the
    # districts: a load with boundaries quarantines them (geo.ingest._area); boundaries
    # loaded later place what is stored and quarantine nothing, so they stay, in no district.
    assert now - first == now - (now & first) and first - now == Counter()
    extra = now - first
    beyond = Counter(
        placed.fetch_rows(
            "SELECT incident_id, month FROM quarantine "
            "WHERE reason LIKE '%km beyond the loaded district boundaries%'"
        )
    )
    # (those outside the Kent-and-Medway rectangle too were quarantined without boundaries)
    also = Counter(later.fetch_rows("SELECT incident_id, month FROM quarantine"))
    assert Counter((i, m) for i, m, *_ in extra.elements()) == beyond - also
    assert all(d is None and v is None for *_, d, v in extra.elements())
    assert 0 < extra.total() < 50
    assert report.incidents_moved == report.incidents_placed
    later.close()


def ons_style_layers(shared_data):
    """The shared files dressed as the ONS national layers the project's manifest names."""
    folder = shared_data / "boundaries"
    county = gpd.read_file(folder / "kent_county_outline.geojson")
    county = county.rename(columns={"cty_code": "CTY24CD", "name": "CTY24NM"})
    districts = gpd.read_file(folder / DISTRICTS_FILE)[["lad_code", "lad_name", "geometry"]]
    districts = districts.rename(columns={"lad_code": "LAD25CD", "lad_name": "LAD25NM"})
    divisions = gpd.read_file(folder / DIVISIONS_FILE)[["ced_code", "ced_name", "geometry"]]
    divisions = divisions.rename(columns={"ced_code": "CED25CD", "ced_name": "CED25NM"})
    # A national layer holds other councils' areas too: Medway's wards stand in for them.
    wards = gpd.read_file(folder / "kent_medway_wards_wd13.geojson")
    medway = wards[wards["lad_code"] == MEDWAY].rename(
        columns={"WD13CD": "CED25CD", "WD13NM": "CED25NM"}
    )[["CED25CD", "CED25NM", "geometry"]]
    return {
        "CTY_DEC_2024_EN_BFC": county,
        "LAD_MAY_2025_UK_BFC_V2": districts,
        "CED_MAY_2025_EN_BFC": pd.concat([divisions, medway], ignore_index=True),
    }


def test_fetch_with_the_projects_manifest_from_a_local_ons_service(shared_data, tmp_path):
    with FakeArcGIS(ons_style_layers(shared_data), max_records=20) as server:
        text = DEFAULT_MANIFEST.read_text(encoding="utf-8").replace(
            "https://services1.arcgis.com/ESMARspQHYMw9BZ9", server.base
        )
        manifest = tmp_path / "manifest.toml"
        manifest.write_text(text, encoding="utf-8")
        store = Store(tmp_path / "ons.duckdb")
        report = fetch_boundaries(store, load_manifest(manifest), cache_dir=tmp_path / "c")
    assert report.levels == {"county": 1, "district": 13, "division": 72}
    assert any(n.startswith("kept 72 of ") for n in report.notes)
    pages = [p for layer, p in server.requests if layer == "CED_MAY_2025_EN_BFC"]
    assert len([p for p in pages if "resultOffset" in p]) > 3
    assert boundary_note(store).startswith("Boundaries: ONS county electoral divisions")
    store.close()
