"""The statistics on the real police.uk months and Kent boundaries (needs SOCMAP_SHARED_DATA)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from contextlib import redirect_stdout
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest

from geo import Settings, Store, ingest_police_uk
from geo.filters import Filters, parse_month
from geo.grid import study_region
from geo.hexes import hex_counts
from geo.hotspots import find_hotspots
from geo.themes import load_themes
from socmap.cli import main
from tests._kent import load_kent_areas
from tests.test_gistar import _esda_z

pytestmark = pytest.mark.shared_data
THEMES = load_themes()
WEAPONS = "Possession of weapons"


@pytest.fixture(scope="module")
def kent(police_uk_files, shared_data, tmp_path_factory):
    settings = Settings(db_path=tmp_path_factory.mktemp("kent") / "socmap.duckdb")
    store = Store(settings.db_path)
    load_kent_areas(store, shared_data)
    for f in police_uk_files:
        ingest_police_uk(store, f, settings, progress=False)
    yield store, settings
    store.close()


@pytest.fixture(scope="module")
def raw(police_uk_files, kent) -> pd.DataFrame:
    """The rows the store should hold with a location, straight from the CSVs."""
    _, settings = kent
    df = pd.concat(
        [pd.read_csv(f, dtype=str, keep_default_na=False) for f in police_uk_files],
        ignore_index=True,
    )
    lat = pd.to_numeric(df["Latitude"], errors="coerce")
    lon = pd.to_numeric(df["Longitude"], errors="coerce")
    min_lon, min_lat, max_lon, max_lat = settings.region_bbox
    inside = lat.between(min_lat, max_lat) & lon.between(min_lon, max_lon)
    repeat = (df["Crime ID"] != "") & df.duplicated(subset=["Crime ID"], keep="first")
    keep = inside & ~repeat
    out = df[keep].assign(lat=lat[keep], lon=lon[keep])
    out["fine"] = [h3.latlng_to_cell(a, b, 10) for a, b in zip(out.lat, out.lon, strict=True)]
    return out


@pytest.mark.parametrize("res", [5, 7, 8, 9, 10])
@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(categories=(WEAPONS,)),
        Filters(themes=("county_lines",), month_from=parse_month("2018-11")),
    ],
)
def test_counts_equal_h3_py_from_the_raw_files(kent, raw, res, filters):
    store, _ = kent
    rows = raw
    if filters.categories or filters.themes:
        rows = rows[rows["Crime type"].isin(filters.category_set(THEMES))]
    if filters.month_from:
        rows = rows[rows["Month"] >= "2018-11"]
    expected = Counter(h3.cell_to_parent(c, res) for c in rows["fine"])
    table = hex_counts(store, filters, res, THEMES)
    got = dict(zip(table["cell_hex"].to_pylist(), table["count"].to_pylist(), strict=True))
    assert got == dict(expected)
    assert sum(got.values()) == len(rows)


@pytest.mark.parametrize(
    ("filters", "res"),
    [
        (Filters(categories=(WEAPONS,)), 8),
        (Filters(categories=("Drugs",), district="E07000114"), 9),  # Thanet
        (Filters(division="E58000720"), 9),
    ],
)
def test_gi_star_z_equals_esda_on_police_uk(kent, filters, res):
    store, _ = kent
    result = find_hotspots(store, filters, res, THEMES, permutations=0)
    region = study_region(store, *filters.area, res)
    by_cell = result.cells.set_index("cell").loc[region.cells]
    expected = _esda_z(by_cell["count"].to_numpy(float), region)
    np.testing.assert_allclose(by_cell["gi_z"], expected, rtol=0, atol=1e-9)
    assert region.n > 50 and result.notes == ()


def test_possession_of_weapons_hot_cells_are_listed_with_their_places(kent, raw):
    _store, settings = kent
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(
            ["--db", str(settings.db_path), "hotspots", "--res", "8", "--category", WEAPONS]
        )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    hot = [r for r in rows if r["class"].startswith("hot_")]
    assert len(hot) >= 20
    assert all(r["place"] and r["district_name"] for r in hot)
    # The hottest cells are in Folkestone (the clearest weapons cluster in these months).
    assert hot[0]["district_name"] == "Folkestone and Hythe"
    # Each place is the location police.uk gives most often in that cell (any category).
    for r in hot:
        in_cell = raw[[h3.cell_to_parent(c, 8) == r["cell"] for c in raw["fine"]]]
        if in_cell.empty:
            continue
        counts = in_cell["Location"].value_counts()
        best = sorted(counts[counts == counts.max()].index)[0]
        assert r["location"] == best.removeprefix("On or near ")
        assert r["place"].startswith(r["location"])


def test_change_and_emerging_run_on_the_real_months(kent):
    _store, settings = kent
    out = io.StringIO()
    with redirect_stdout(out):
        assert (
            main(
                [
                    "--db",
                    str(settings.db_path),
                    "change",
                    "--res",
                    "8",
                    "--theme",
                    "knife_crime",
                    "--from",
                    "2018-12",
                    "--to",
                    "2018-12",
                ]
            )
            == 0
        )
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    county = next(r for r in rows if r["level"] == "county")
    assert int(county["current"]) + int(county["previous"]) > 100
    assert len([r for r in rows if r["level"] == "district"]) == 13
    assert Path(settings.db_path).exists()
