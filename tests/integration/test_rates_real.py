"""Rates, relative risks, smoothing and deprivation on the real police.uk months, checked
against an independent computation over the raw files (needs SOCMAP_SHARED_DATA): pandas
over the police.uk CSVs and the ONS / MHCLG LSOA CSVs, geopandas for the point-in-polygon
steps, scipy for the exact intervals, esda for the smoothing."""

from __future__ import annotations

import geopandas as gpd
import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest
from esda.smoothing import Empirical_Bayes
from scipy import stats

from geo import Store
from geo.areas import places_near_incidents, point_in_polygon_lsoas, to_bng
from geo.context import load_register
from geo.filters import Filters
from geo.stats import OTHER, area_rates, deprivation, find_hotspots
from geo.store.queries.rates import incident_points
from geo.themes import load_themes
from tests.support.registers import GIAS_HEADER, gias_row, write_register

pytestmark = pytest.mark.shared_data
THEMES = load_themes()
WEAPONS = "Possession of weapons"


@pytest.fixture(scope="module")
def kent(kent_stores, tmp_path_factory):
    store = Store(kent_stores.copy(tmp_path_factory.mktemp("kent"), context=True).db_path)
    yield store
    store.close()


@pytest.fixture(scope="module")
def ons(shared_data):
    c = shared_data / "context"
    pop = pd.read_csv(c / "population" / "kent_medway_lsoa11_population_mid2018.csv")
    imd = pd.read_csv(c / "deprivation" / "kent_medway_lsoa11_iod2019.csv")
    return pop.merge(imd[["LSOA11CD", "imd_rank", "imd_decile"]], on="LSOA11CD")


@pytest.mark.parametrize("category", [WEAPONS, "Drugs", None])
def test_district_and_lsoa_rates_against_pandas(kent, raw, ons, category):
    rows = raw[raw["district"].notna()]
    if category:
        rows = rows[rows["Crime type"] == category]
    filters = Filters(categories=(category,)) if category else Filters()
    total, people = len(rows), ons["pop_mid2018"].sum()
    for level, key, pop in (
        ("district", "district", ons.groupby("lad_code")["pop_mid2018"].sum()),
        ("lsoa", "lsoa", ons.set_index("LSOA11CD")["pop_mid2018"]),
    ):
        counts = rows[key].value_counts().reindex(pop.index, fill_value=0)
        expected = pop * total / people
        low = np.where(counts > 0, stats.chi2.ppf(0.025, 2 * counts) / 2, 0)
        high = stats.chi2.ppf(0.975, 2 * counts + 2) / 2
        got = area_rates(kent, filters, THEMES, level=level).frame.set_index("code")
        got = got.reindex(pop.index)
        assert got["count"].to_dict() == counts.to_dict()
        assert got["rate"].to_numpy() == pytest.approx((1000 * counts / pop).to_numpy())
        assert got["rr"].to_numpy() == pytest.approx((counts / expected).to_numpy())
        assert got["rr_low"].to_numpy() == pytest.approx(low / expected.to_numpy())
        assert got["rr_high"].to_numpy() == pytest.approx(high / expected.to_numpy())
        upper = stats.poisson.sf(counts - 1, expected)
        lower = stats.poisson.cdf(counts, expected)
        assert got["p"].to_numpy() == pytest.approx(np.minimum(1, 2 * np.minimum(upper, lower)))


def test_smoothed_lsoa_rates_against_esda(kent):
    frame = area_rates(kent, Filters(categories=("Drugs",)), THEMES, level="lsoa", smooth=True)
    f = frame.frame
    assert not frame.eb_no_spread
    want = Empirical_Bayes(f["count"].to_numpy(), f["population"].to_numpy()).r.ravel()
    assert f["eb_rate"].to_numpy() == pytest.approx(1000 * want, rel=1e-10)


def test_police_uk_lsoa_codes_agree_with_point_in_polygon(kent, raw, shared_data):
    """96.6% agree; every disagreement lies within 20 m of the outline of police.uk's LSOA in
    the generalised shapes (so police.uk's code, from the full boundaries, is used)."""
    points = incident_points(kent, Filters(), THEMES)
    pip = point_in_polygon_lsoas(kent, points["longitude"], points["latitude"])
    both = pd.Series(pip).notna().to_numpy() & points["lsoa_code"].isin(set(pip) - {None})
    agree = (pip[both] == points["lsoa_code"][both].to_numpy()).mean()
    assert 0.96 < agree < 0.97
    # independently, with geopandas: the same agreement, and the distances
    rows = raw[raw["district"].notna() & raw["pip"].notna() & (raw["lsoa"] == raw["LSOA code"])]
    differ = rows[rows["pip"] != rows["LSOA code"]]
    assert (len(rows) - len(differ)) / len(rows) == pytest.approx(agree, abs=2e-4)
    shapes = gpd.read_file(shared_data / "boundaries" / "kent_medway_lsoa11.geojson")
    shapes = shapes.set_index("LSOA11CD").to_crs(27700)
    metres = differ.to_crs(27700).apply(
        lambda r: shapes.at[r["LSOA code"], "geometry"].distance(r.geometry), axis=1
    )
    assert metres.max() < 20.0


def test_deprivation_shares_against_a_direct_count(kent, raw, ons):
    decile = ons.set_index("LSOA11CD")["imd_decile"]
    for category in (WEAPONS, "Drugs"):
        rows = raw[raw["district"].notna() & (raw["Crime type"] == category)]
        d = deprivation(kent, Filters(categories=(category,)), THEMES)
        direct = rows["lsoa"].map(decile).value_counts()
        table = d.table.set_index("decile")["incidents"]
        assert table.drop(OTHER).to_dict() == {k: int(direct.get(k, 0)) for k in range(1, 11)}
        assert table[OTHER] == rows["lsoa"].isna().sum()
        assert d.england_shares["10%"][0] == pytest.approx(direct.get(1, 0) / len(rows))
        top2 = direct.get(1, 0) + direct.get(2, 0)
        assert d.england_shares["20%"][0] == pytest.approx(top2 / len(rows))
        people = ons.groupby("imd_decile")["pop_mid2018"].sum()
        assert d.england_shares["10%"][1] == pytest.approx(people[1] / people.sum())
        # the LSOA-level index from the raw files
        n = rows["lsoa"].value_counts().reindex(ons["LSOA11CD"], fill_value=0).to_numpy()
        order = np.argsort(ons["imd_rank"].to_numpy())
        x = np.r_[0, np.cumsum(ons["pop_mid2018"].to_numpy()[order])] / people.sum()
        y = np.r_[0, np.cumsum(n[order])] / n.sum()
        assert d.concentration_index == pytest.approx(1 - np.sum(np.diff(x) * (y[1:] + y[:-1])))


def test_a_school_in_the_weapons_hot_spot_is_marked_hot(kent, tmp_path):
    """The busiest hot hexagon of weapons (Oct-Dec 2018, resolution 7: Folkestone); a
    (generated) school at its centre is marked with the same class, and counts the same
    incidents within 1,500 m (the hexagon is 1.4 km a side) as a direct count on the grid."""
    f = Filters(categories=(WEAPONS,))
    hot = find_hotspots(kent, f, 7, THEMES).hot().sort_values("count", ascending=False)
    assert len(hot) and hot["count"].iloc[0] > 0
    lat, lon = h3i.cell_to_latlng(int(hot["cell"].iloc[0]))  # the busiest hot hexagon
    school = gias_row(400001, "In the hot spot", "pru", (lon, lat))
    load_register(kent, "schools", write_register(tmp_path / "school.csv", GIAS_HEADER, [school]))
    result = places_near_incidents(kent, f, THEMES, within=1500, hotspot_res=7)
    row = result.places.iloc[0]
    assert row["hot_spot"] == hot["class"].iloc[0]
    ((plon, plat),) = kent.fetch_rows("SELECT longitude, latitude FROM register_places")
    assert (plon, plat) == pytest.approx((lon, lat), abs=2e-5)  # GIAS: whole metres
    points = incident_points(kent, f, THEMES)
    px, py = to_bng([plon], [plat])
    qx, qy = to_bng(points["longitude"], points["latitude"])
    assert row["incidents"] == int((np.hypot(qx - px[0], qy - py[0]) <= 1500).sum()) > 0
