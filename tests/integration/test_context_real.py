"""The real shared context folder (SOCMAP_SHARED_DATA): the counts its READMEs give, totals
against pandas over the raw files, search for real towns, villages and postcodes, and the
division apportionment against an independent geopandas computation."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.areas.boundaries import fetch_boundaries
from geo.context import (
    basemap,
    context_sets,
    imd_deciles,
    load_context,
    lsoa_populations,
    populations,
    search_places,
)
from geo.store import Store

pytestmark = pytest.mark.shared_data
KENT, MEDWAY = "E10000016", "E06000035"


@pytest.fixture(scope="module")
def real(shared_data, tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("ctx-real") / "socmap.duckdb")
    fetch_boundaries(store, from_dir=shared_data / "boundaries")
    report = load_context(store, shared_data / "context")
    yield store, report, shared_data / "context"
    store.close()


def test_row_counts_are_those_the_readmes_give(real):
    store, report, _ = real
    assert report.loaded == {
        "basemap/land": 14,
        "basemap/water": 156,
        "basemap/coastline": 21,
        "basemap/railways": 106,
        "basemap/labels": 1152,
        "places": 1809,
        "postcodes/2025.4": 52126,
        "postcode_sectors/2025.4": 281,
        "postcode_districts/2025.4": 81,
        "postcodes/2018.3": 50064,
        "postcode_sectors/2018.3": 283,
        "postcode_districts/2018.3": 82,
        "lsoas": 1065,
        "lsoa_best_fit": 1065,
        "population/mid-2018": 1065,
        "population/mid-2019-bands": 1065,
        "population/mid-2019-single-year": 1065,
        "deprivation/iod2019": 1065,
    }
    assert store.fetch_rows("SELECT count(*) FROM context_places WHERE in_kent_medway") == [(1236,)]
    kinds = dict(
        store.fetch_rows(
            "SELECT kind, count(*) FROM context_places WHERE in_kent_medway GROUP BY 1"
        )
    )
    assert kinds == {
        "city": 1,
        "town": 37,
        "village": 478,
        "suburb": 245,
        "hamlet": 456,
        "other": 19,
    }
    # Every postcode centroid lies in a loaded LSOA bar the few harbour points off the outline.
    unplaced = dict(
        store.fetch_rows(
            "SELECT vintage, count(*) FILTER (WHERE lsoa_code IS NULL) "
            "FROM context_postcodes GROUP BY 1"
        )
    )
    assert all(n <= 21 for n in unplaced.values())


def test_population_totals_equal_pandas_over_the_raw_files(real):
    store, _, folder = real
    raw18 = pd.read_csv(folder / "population" / "kent_medway_lsoa11_population_mid2018.csv")
    got18 = lsoa_populations(store, year=2018)
    assert got18.sum() == raw18["pop_mid2018"].sum() == 1_846_478
    assert got18.to_dict() == raw18.set_index("LSOA11CD")["pop_mid2018"].to_dict()
    raw19 = pd.read_csv(
        folder / "population" / "kent_medway_lsoa11_population_mid2019_agebands.csv"
    )
    assert lsoa_populations(store, year=2019).sum() == raw19["all_ages"].sum() == 1_860_111
    under25 = lsoa_populations(store, year=2019, ages=(0, 24))
    want = raw19.set_index("LSOA11CD")[["age_0_9", "age_10_17", "age_18_24"]].sum(axis=1)
    assert under25.to_dict() == want.to_dict()
    counties = populations(store, "county")
    assert (
        counties[KENT] == raw18.loc[raw18["lad_code"] != MEDWAY, "pop_mid2018"].sum() == 1_568_623
    )
    assert populations(store, "district")[MEDWAY] == 277_855


def test_every_lsoa_has_a_decile_and_the_counts_match_the_readme(real):
    store, _, _ = real
    deciles = imd_deciles(store)
    lsoas = {c for (c,) in store.fetch_rows("SELECT lsoa_code FROM context_lsoas")}
    assert set(deciles) == lsoas and len(lsoas) == 1065
    counts = pd.Series(deciles).value_counts().sort_index().to_dict()
    assert counts == {1: 65, 2: 104, 3: 95, 4: 111, 5: 137, 6: 120, 7: 132, 8: 110, 9: 99, 10: 92}


def test_reloading_the_shared_folder_changes_nothing(real):
    store, _, folder = real
    version = store.data_version()
    assert load_context(store, folder).unchanged
    assert store.data_version() == version


def _division_holding(store, lon, lat):
    rows = store.fetch_rows(
        "SELECT code, parent_code, geometry FROM areas WHERE level = 'division'"
    )
    point = shapely.Point(lon, lat)
    hits = sorted((c, p) for c, p, g in rows if shapely.intersects(shapely.from_wkb(g), point))
    return hits[0] if hits else (None, None)


@pytest.mark.parametrize(
    ("query", "name", "kind", "district"),
    [
        ("Gillingham", "Gillingham", "town", MEDWAY),
        ("chatham", "Chatham", "town", MEDWAY),
        ("ROCHESTER", "Rochester", "town", MEDWAY),
        ("Margate", "Margate", "town", "E07000114"),
        ("Wye", "Wye", "village", "E07000105"),
        ("st margarets at cliffe", "St Margaret's at Cliffe", "village", "E07000108"),
        ("ME4 4QB", "ME4 4QB", "postcode", MEDWAY),
        ("me44qb", "ME4 4QB", "postcode", MEDWAY),
        ("CT9 1", "CT9 1", "postcode_sector", "E07000114"),
        ("ME14", "ME14", "postcode_district", "E07000110"),
        ("TN23", "TN23", "postcode_district", "E07000105"),
    ],
)
def test_search_finds_real_places_in_the_right_areas(real, query, name, kind, district):
    store, _, _ = real
    found = search_places(store, query)
    m = found[0]
    assert (m.name, m.kind, m.district_code) == (name, kind, district)
    division, parent = _division_holding(store, m.longitude, m.latitude)
    if district == MEDWAY:
        assert m.division_code is None  # Medway has no divisions
    else:
        assert (m.division_code, parent) == (division, district)


def test_divisions_add_up_to_kent_and_match_an_independent_geopandas_join(real):
    store, _, folder = real
    got = pd.Series(populations(store, "division"))
    assert len(got) == 72
    assert got.sum() == pytest.approx(1_568_623, abs=1e-6)
    districts = populations(store, "district")
    parents = dict(store.fetch_rows("SELECT code, parent_code FROM areas WHERE level = 'division'"))
    for district, total in got.groupby(pd.Series(parents)).sum().items():
        assert total == pytest.approx(districts[district], abs=1e-6)
    # The same rule computed with geopandas' spatial joins on the raw files.
    units = pd.read_csv(folder / "postcodes" / "kent_medway_postcodes_codepoint_2018_3.csv")
    points = gpd.GeoDataFrame(
        units, geometry=gpd.points_from_xy(units["lon"], units["lat"]), crs=4326
    )
    lsoas = gpd.read_file(folder.parent / "boundaries" / "kent_medway_lsoa11.geojson")
    lsoas["geometry"] = lsoas.geometry.make_valid()
    rows = store.fetch_rows(
        "SELECT code, parent_code, geometry FROM areas WHERE level = 'division'"
    )
    divisions = gpd.GeoDataFrame(
        {"division": [r[0] for r in rows], "parent": [r[1] for r in rows]},
        geometry=[shapely.from_wkb(r[2]) for r in rows], crs=4326,
    )  # fmt: skip
    joined = gpd.sjoin(points, lsoas[["LSOA11CD", "lad_code", "geometry"]], predicate="within")
    joined = gpd.sjoin(joined.drop(columns="index_right"), divisions, predicate="within")
    joined = joined[joined["parent"] == joined["lad_code"]].drop_duplicates("postcode")
    counts = joined.groupby(["LSOA11CD", "division"]).size()
    shares = counts / counts.groupby(level=0).transform("sum")
    pop = pd.read_csv(
        folder / "population" / "kent_medway_lsoa11_population_mid2018.csv"
    ).set_index("LSOA11CD")["pop_mid2018"]
    want = (
        (shares * pop.reindex(shares.index.get_level_values(0)).to_numpy()).groupby(level=1).sum()
    )
    pd.testing.assert_series_equal(
        got.sort_index(), want.sort_index(), check_names=False, rtol=1e-9
    )


def test_the_county_basemap_is_light_and_attributed(real):
    store, _, _ = real
    county = basemap(store, level="county")
    labels = county.layers["labels"]["features"]
    assert {f["properties"]["kind"] for f in labels} == {"city", "town"}
    assert labels[0]["properties"]["name"] == "Canterbury"
    assert county.attribution == (
        "Contains OS data © Crown copyright and database right; contains Network Rail data "
        "licensed under the Open Government Licence v3.0; © OpenStreetMap contributors (ODbL)"
    )
    district = basemap(store, (0.4, 51.3, 0.7, 51.45), level="district")
    assert len(district.layers["labels"]["features"]) > len(
        [
            f
            for f in labels
            if 0.4 <= f["geometry"]["coordinates"][0] <= 0.7
            and 51.3 <= f["geometry"]["coordinates"][1] <= 51.45
        ]
    )
    assert {s.name for s in context_sets(store)} >= {"basemap/labels", "deprivation/iod2019"}
