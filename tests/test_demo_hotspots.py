"""On ``socmap demo`` data the planted knife-crime hot spots are found and classified as such.

The demo generator (:mod:`geo.demo`) documents what it plants in ``PLANTED``: a persistent
hot spot (the same number of extra incidents every month) and an emerging one (extra incidents
in the last six months only, rising), with no background knife crime around either. The
statistics must call the first *persistent* and the second *consecutive* (ArcGIS's pattern
for a run of hot months ending now, never hot before), and the strongest emerging signal must
be the planted one: without boundaries (the study region is the cells holding incidents), and
as a deployment has it, with the Kent boundaries loaded first (the region is every hexagon of
the area), at the dashboard's county (7) and district (8) resolutions, for several seeds. Knife
crime is sparse (about 50 incidents a month over the county), so a few single-cell blips
elsewhere are expected to show as new or sporadic hot spots.
"""

from __future__ import annotations

import h3.api.basic_int as h3i
import numpy as np
import pytest

from geo import Settings, Store, compare_periods, emerging_hotspots, find_hotspots
from geo.boundaries import fetch_boundaries
from geo.filters import Filters, parse_month
from geo.themes import load_themes

demo = pytest.importorskip("geo.demo", reason="the demo generator (geo/demo.py) is not merged")

THEMES = load_themes()
KNIFE = Filters(themes=("knife_crime",))
END = "2019-12"
RES = 8


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory, shared_data):
    settings = Settings(db_path=tmp_path_factory.mktemp("demo") / "socmap.duckdb")
    store = Store(settings.db_path)
    # The county counts incidents placed in a district: the boundaries come first.
    fetch_boundaries(store, from_dir=shared_data / "boundaries")
    demo.load_demo(store, settings, seed=2024, months=24, end=END)
    yield store
    store.close()


def _centre(key: str, res: int = RES) -> int:
    planted = demo.PLANTED[key]
    return h3i.latlng_to_cell(planted.latitude, planted.longitude, res)


def _near(cells, centre: int, rings: int) -> bool:
    return all(h3i.grid_distance(int(c), centre) <= rings for c in cells)


def test_planted_hotspots_are_classified_persistent_and_emerging(demo_store):
    result = emerging_hotspots(demo_store, KNIFE, RES, THEMES)
    assert len(result.months) == 24
    cells = result.cells.set_index("cell")
    by_cell = cells["category"]
    persistent, emerging = _centre("persistent_knife_hotspot"), _centre("emerging_knife_hotspot")
    assert by_cell[np.uint64(persistent)] == "persistent_hot"
    assert by_cell[np.uint64(emerging)] == "consecutive_hot"
    assert _near(by_cell.index[by_cell == "persistent_hot"], persistent, 1)
    # The strongest emerging signal (most hot months in a final run) is the planted one.
    rising = cells[by_cell.isin(["consecutive_hot", "new_hot"])]
    strongest = rising.sort_values(["hot_months", "count"], ascending=False).index[0]
    assert _near([strongest], emerging, 1)


def test_gi_star_sees_the_emerging_hotspot_only_at_the_end(demo_store):
    early = Filters(themes=("knife_crime",), month_to=parse_month("2019-06"))
    late = Filters(themes=("knife_crime",), month_from=parse_month("2019-07"))
    hot_early = set(find_hotspots(demo_store, early, RES, THEMES).hot()["cell"].astype(int))
    hot_late = set(find_hotspots(demo_store, late, RES, THEMES).hot()["cell"].astype(int))
    persistent, emerging = _centre("persistent_knife_hotspot"), _centre("emerging_knife_hotspot")
    assert persistent in hot_early and persistent in hot_late
    assert emerging in hot_late and emerging not in hot_early


def test_change_calls_the_emerging_hotspot_a_significant_rise(demo_store):
    late = Filters(
        themes=("knife_crime",), month_from=parse_month("2019-07"), month_to=parse_month(END)
    )
    cells = compare_periods(demo_store, late, RES, THEMES).cells.set_index("cell")
    row = cells.loc[np.uint64(_centre("emerging_knife_hotspot"))]
    assert row["significant"] and row["current"] > row["previous"]
    assert row["label"].startswith(("up ", "new: ")) and row["label"].endswith(", significant")
    steady = cells.loc[np.uint64(_centre("persistent_knife_hotspot"))]
    assert not steady["significant"]


# The districts holding the planted centres: Maidstone and Swale (Sittingbourne).
MAIDSTONE, SWALE = "E07000110", "E07000113"


@pytest.fixture(scope="module")
def kent_store(shared_data, tmp_path_factory):
    """The Kent boundaries loaded first, as ``scripts/run`` does before ``socmap demo``."""
    settings = Settings(db_path=tmp_path_factory.mktemp("demo-kent") / "socmap.duckdb")
    store = Store(settings.db_path)
    fetch_boundaries(store, from_dir=shared_data / "boundaries")
    yield store, settings
    store.close()


def _category(store, key: str, res: int, district: str | None = None) -> str:
    filters = Filters(themes=("knife_crime",), district=district)
    cells = emerging_hotspots(store, filters, res, THEMES).cells.set_index("cell")
    return cells.loc[np.uint64(_centre(key, res)), "category"]


@pytest.mark.shared_data
@pytest.mark.parametrize("seed", [2024, 1, 7, 99, 31337])
def test_with_kent_boundaries_the_planted_hotspots_keep_their_categories(kent_store, seed):
    store, settings = kent_store
    demo.load_demo(store, settings, seed=seed)  # the default end: the last complete month
    assert store.fetch_rows("SELECT count(*) FROM areas WHERE level = 'district'") == [(13,)]
    persistent, emerging = "persistent_knife_hotspot", "emerging_knife_hotspot"
    # The county at the dashboard's county resolution, and each district at its district one.
    assert _category(store, persistent, 7) == "persistent_hot"
    assert _category(store, emerging, 7) == "consecutive_hot"
    assert _category(store, persistent, 8, MAIDSTONE) == "persistent_hot"
    assert _category(store, emerging, 8, SWALE) == "consecutive_hot"
    filters = Filters(themes=("knife_crime",))
    cells = emerging_hotspots(store, filters, 7, THEMES).cells
    rising = cells[cells["category"].isin(["consecutive_hot", "new_hot"])]
    strongest = rising.sort_values(["hot_months", "count"], ascending=False)["cell"].iloc[0]
    assert h3i.grid_distance(int(strongest), _centre(emerging, 7)) <= 1
