"""Emerging hot spot categories: the rules on hot/cold histories, and constructed cubes where
the right category of one cell is known by construction."""

from __future__ import annotations

import itertools
import warnings
from datetime import date

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest
from esda.getisord import G_Local
from libpysal.weights import W

from geo.errors import ValidationError
from geo.filters import Filters
from geo.grid import region_from_cells
from geo.stats import (
    CATEGORIES,
    classify_series,
    cube_gi,
    emerging_from_cube,
    emerging_hotspots,
    gi_star,
    gi_star_exact,
)
from geo.store import Store
from geo.themes import load_themes
from tests.support.synthetic import (
    MAIDSTONE,
    disk_polygon,
    insert_area,
    insert_incidents,
    points_in_cell,
)

T = 12
UP, FLAT, DOWN = (4.0, 0.0001), (0.0, 1.0), (-4.0, 0.0001)


def _months(*hot_at, length=T):
    flags = np.zeros(length, dtype=bool)
    flags[list(hot_at)] = True
    return flags


# (category, hot months, cold months, trend) with T = 12 months; months count from 0.
HISTORIES = [
    ("new_hot", _months(11), _months(), FLAT),
    ("consecutive_hot", _months(9, 10, 11), _months(), FLAT),
    ("intensifying_hot", _months(*range(1, 12)), _months(), UP),
    ("persistent_hot", _months(*range(12)), _months(), FLAT),
    ("diminishing_hot", _months(*range(12)), _months(), DOWN),
    ("sporadic_hot", _months(1, 4, 7, 11), _months(), FLAT),
    ("oscillating_hot", _months(8, 11), _months(2, 5), FLAT),
    ("historical_hot", _months(*range(11)), _months(), DOWN),
    ("new_cold", _months(), _months(11), FLAT),
    ("consecutive_cold", _months(), _months(10, 11), FLAT),
    ("intensifying_cold", _months(), _months(*range(12)), DOWN),
    ("persistent_cold", _months(), _months(0, *range(2, 12)), FLAT),
    ("diminishing_cold", _months(), _months(*range(12)), UP),
    ("sporadic_cold", _months(), _months(0, 6, 11), UP),
    ("oscillating_cold", _months(3), _months(1, 11), FLAT),
    ("historical_cold", _months(), _months(*range(11)), FLAT),
    ("no_pattern", _months(), _months(), UP),
    ("no_pattern", _months(2, 3, 4), _months(), FLAT),  # hot once, not at the end
    ("no_pattern", _months(*range(10)), _months(), FLAT),  # 10 of 12 is under 90%
]


@pytest.mark.parametrize(("category", "hot", "cold", "trend"), HISTORIES)
def test_rules_on_hot_and_cold_histories(category, hot, cold, trend):
    got = classify_series(hot[None, :], cold[None, :], np.array([trend[0]]), np.array([trend[1]]))
    assert got.tolist() == [category]


def test_every_category_is_covered_by_the_histories():
    assert {c for c, *_ in HISTORIES} == set(CATEGORIES)


def test_consecutive_needs_a_single_final_run_and_new_wins_over_oscillating():
    hot = np.array([_months(2, 10, 11), _months(11)])
    cold = np.array([_months(), _months(4)])
    got = classify_series(hot, cold, np.zeros(2), np.ones(2))
    assert got.tolist() == ["sporadic_hot", "new_hot"]


# --- constructed cubes ------------------------------------------------------------------------

CENTRE = h3i.latlng_to_cell(*MAIDSTONE, 8)
DISTRICT = "E07000110"
BACKGROUND = 20


def _site_values(category: str) -> np.ndarray:
    """The test site's count per month, designed to produce ``category``."""
    v = np.full(T, float(BACKGROUND))
    t = np.arange(T)
    designs = {
        "new_hot": lambda: v.__setitem__(11, 50),
        "consecutive_hot": lambda: v.__setitem__(slice(9, 12), 50),
        "intensifying_hot": lambda: v.__setitem__(slice(None), 60 + 3 * t),
        "persistent_hot": lambda: v.__setitem__(slice(None), 50),
        "diminishing_hot": lambda: v.__setitem__(slice(None), 93 - 3 * t),
        "sporadic_hot": lambda: v.__setitem__([1, 4, 7, 11], 50),
        "oscillating_hot": lambda: (v.__setitem__([2, 5], 0), v.__setitem__([8, 11], 50)),
        "historical_hot": lambda: v.__setitem__(slice(0, 11), 50),
        "new_cold": lambda: v.__setitem__(11, 0),
        "consecutive_cold": lambda: v.__setitem__(slice(9, 12), 0),
        "intensifying_cold": lambda: v.__setitem__(
            slice(None), [8, 8, 7, 6, 6, 5, 4, 3, 3, 2, 1, 0]
        ),
        "persistent_cold": lambda: v.__setitem__(slice(None), 0),
        "diminishing_cold": lambda: v.__setitem__(
            slice(None), [0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 8]
        ),
        "sporadic_cold": lambda: v.__setitem__([1, 4, 7, 11], 0),
        "oscillating_cold": lambda: (v.__setitem__([2, 5], 50), v.__setitem__([8, 11], 0)),
        "historical_cold": lambda: v.__setitem__(slice(0, 11), 0),
        "no_pattern": lambda: v.__setitem__(5, 50),
    }
    designs[category]()
    return v


def _cube(category: str):
    """A disk of 217 cells at background 20, a steady hot site (50) and a steady cold site
    (0) as references, and the test site at the centre; each site is a cell and its ring."""
    region = region_from_cells(np.array(h3i.grid_disk(CENTRE, 8), dtype=np.uint64), 8)
    counts = np.full((region.n, T), float(BACKGROUND))
    ring5 = h3i.grid_ring(CENTRE, 5)
    for site, value in ((ring5[0], 50.0), (ring5[15], 0.0), (CENTRE, _site_values(category))):
        rows = np.searchsorted(region.cells, np.array(h3i.grid_disk(site, 1), dtype=np.uint64))
        counts[rows] = value
    return counts, region


@pytest.mark.parametrize("window", ["cube", "month"])
@pytest.mark.parametrize("category", CATEGORIES)
def test_constructed_cube_gives_the_designed_category(category, window):
    """The designs are month by month, so the neighbourhood here is the month alone (with
    the default one step back, a hot month also warms the month after it: tested below)."""
    counts, region = _cube(category)
    copy = counts.copy()
    frame, z = emerging_from_cube(counts, region, global_window=window, steps_back=0)
    centre = frame.set_index("cell").loc[np.uint64(CENTRE)]
    assert centre["category"] == category, centre.to_dict()
    assert z.shape == (region.n, T)
    assert np.array_equal(counts, copy)


def test_a_steady_hot_spot_stays_persistent_when_another_emerges():
    """Against the whole cube a steady place keeps a steady z; against each month alone the
    new hot spot's extra spread lowers the steady one's z and reads as a falling trend."""
    counts, region = _cube("intensifying_hot")
    steady = np.searchsorted(region.cells, np.uint64(h3i.grid_ring(CENTRE, 5)[0]))
    by_cube, z_cube = emerging_from_cube(counts, region, global_window="cube", steps_back=0)
    by_month, _ = emerging_from_cube(counts, region, global_window="month", steps_back=0)
    cell = region.cells[steady]
    assert np.ptp(z_cube[steady]) == pytest.approx(0)
    assert by_cube.set_index("cell").loc[cell, "category"] == "persistent_hot"
    assert by_month.set_index("cell").loc[cell, "category"] == "diminishing_hot"


@pytest.mark.parametrize("steps_back", [0, 1, 3])
def test_cube_gi_star_of_a_single_month_is_plain_gi_star(steps_back):
    counts, region = _cube("persistent_hot")
    counts[::5, 0] += 7  # some variation beyond the designed sites
    z_cube, p_cube, d_cube = cube_gi(counts[:, :1], region, steps_back=steps_back)
    z, p_normal = gi_star(counts[:, 0], region)
    p, direction = gi_star_exact(counts[:, 0], region)
    np.testing.assert_allclose(z_cube[:, 0], z, atol=1e-12)
    np.testing.assert_allclose(p_cube[:, 0], p, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(d_cube[:, 0], direction)
    _, p_cube_normal, _ = cube_gi(counts[:, :1], region, steps_back=steps_back, test="normal")
    np.testing.assert_allclose(p_cube_normal[:, 0], p_normal, atol=1e-12)


def test_count_trend_and_sen_slope_are_reported():
    counts, region = _cube("intensifying_hot")
    frame, _ = emerging_from_cube(counts, region, steps_back=0)
    centre = frame.set_index("cell").loc[np.uint64(CENTRE)]
    assert centre["count_slope"] == pytest.approx(3.0)
    assert centre["count_trend_p"] < 0.001 and centre["trend_p"] < 0.001
    assert centre["hot_months"] == T and centre["count"] == int(sum(60 + 3 * np.arange(T)))


# --- through the store ---------------------------------------------------------------------------


def test_store_cube_finds_an_emerging_cluster_and_reports_gaps(tmp_path):
    """A cell cluster that appears in the last three of 12 months (one month missing from
    the store) is a consecutive hot spot; the gap is named in the notes."""
    rng = np.random.default_rng(8)
    months = [date(2018, m, 1) for m in range(1, 13) if m != 6]  # June never loaded
    cells = [h3i.int_to_str(c) for c in h3i.grid_disk(CENTRE, 6)]
    hot = {h3i.int_to_str(c) for c in h3i.grid_disk(CENTRE, 1)}
    rows = []
    for i, month in enumerate(months):
        for cell in cells:
            k = rng.poisson(12 if cell in hot and i >= len(months) - 3 else 1)
            lat, lon = points_in_cell(cell, k, rng) if k else (np.array([]), np.array([]))
            rows += [(month, a, b) for a, b in zip(lat, lon, strict=True)]
    frame = pd.DataFrame(rows, columns=["month", "latitude", "longitude"]).assign(category="Drugs")
    store = Store(tmp_path / "s.duckdb")
    insert_area(store, "district", DISTRICT, "Maidstone", disk_polygon(MAIDSTONE, 7))
    insert_incidents(store, frame.assign(district=DISTRICT))
    result = emerging_hotspots(store, Filters(), 8, load_themes())
    assert len(result.months) == 11
    assert any("2018-06" in n for n in result.notes)
    # Eleven months: the ten ArcGIS requires are there, so no warning.
    assert result.warnings == () and result.steps_back == 1
    by_cell = result.cells.set_index("cell")
    assert by_cell.loc[np.uint64(CENTRE), "category"] == "consecutive_hot"
    assert by_cell["count"].sum() == len(frame)


# --- the space-time neighbourhood ------------------------------------------------------------


def _esda_cube_z(counts: np.ndarray, region, steps_back: int) -> np.ndarray:
    """esda's Gi* over the bins of the cube as one set of observations, with the space-time
    weights built here from h3's grid disk: a bin's neighbours are its cell's grid
    neighbours in the same step and in the steps_back steps before it."""
    n, t = counts.shape
    cells = [int(c) for c in region.cells]
    row = {c: i for i, c in enumerate(cells)}
    neighbours = {}
    for step in range(t):
        for i, c in enumerate(cells):
            around = [row[x] for x in h3i.grid_disk(c, 1) if x in row]
            linked = [
                j * t + s
                for j in around
                for s in range(max(0, step - steps_back), step + 1)
                if (j, s) != (i, step)
            ]
            neighbours[i * t + step] = sorted(linked)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = W(neighbours, silence_warnings=True)
        g = G_Local(counts.ravel(), w, transform="B", star=True, permutations=0)
    return g.Zs.reshape(n, t)


@pytest.mark.parametrize("steps_back", [0, 1, 2])
def test_space_time_z_equals_esda_on_the_bins(steps_back):
    cells = np.array(h3i.grid_disk(CENTRE, 3), dtype=np.uint64)
    region = region_from_cells(cells[np.random.default_rng(2).random(cells.size) > 0.2], 8)
    counts = np.random.default_rng(steps_back).poisson(1.5, (region.n, 5)).astype(float)
    z, _, _ = cube_gi(counts, region, steps_back=steps_back)
    np.testing.assert_allclose(z, _esda_cube_z(counts, region, steps_back), atol=1e-9)


def _enumerated_bin_p(counts, region, steps_back, i, step, conditional) -> float:
    """Two-sided p of one bin by enumerating every set of bins its neighbourhood could hold
    (any as many bins of the cube; conditional: the bin itself and any others)."""
    t = counts.shape[1]
    cells = [int(c) for c in region.cells]
    around = [cells.index(x) for x in h3i.grid_disk(cells[i], 1) if x in cells]
    window = range(max(0, step - steps_back), step + 1)
    observed = sum(counts[j, s] for j in around for s in window)
    k = len(around) * len(window)
    others = counts.ravel()
    if conditional:
        others, k, observed = np.delete(others, i * t + step), k - 1, observed - counts[i, step]
    sums = np.array([sum(c) for c in itertools.combinations(others, k)])
    return min(1.0, 2 * min((sums <= observed).mean(), (sums >= observed).mean()))


@pytest.mark.parametrize("test", ["exact", "conditional"])
def test_exact_bin_p_equals_enumeration_on_a_tiny_cube(test):
    cells = np.array(h3i.grid_disk(CENTRE, 1), dtype=np.uint64)[:4]
    region = region_from_cells(cells, 8)
    counts = np.array([[0, 3, 1], [2, 0, 0], [5, 4, 0], [0, 1, 0]], dtype=float)
    _, p, _ = cube_gi(counts, region, steps_back=1, test=test)
    for i in range(region.n):
        for step in range(3):
            expected = _enumerated_bin_p(counts, region, 1, i, step, test == "conditional")
            assert p[i, step] == pytest.approx(max(expected, 1e-12), abs=1e-13), (i, step)


def test_a_hot_month_warms_the_month_after_with_a_time_neighbourhood():
    """The time neighbourhood is what ArcGIS's default does: a cluster hot in month 9 only
    still has a hot neighbourhood in month 10 (it looks one month back), none in month 11."""
    counts, region = _cube("no_pattern")  # background everywhere, the reference sites
    rows = np.searchsorted(region.cells, np.array(h3i.grid_disk(CENTRE, 1), dtype=np.uint64))
    counts[rows, :] = BACKGROUND
    counts[rows, 9] = 90.0
    centre = int(np.searchsorted(region.cells, np.uint64(CENTRE)))
    _, p0, d0 = cube_gi(counts, region, steps_back=0)
    _, p1, d1 = cube_gi(counts, region, steps_back=1)
    assert d0[centre, 9] == d1[centre, 9] == 1 and p1[centre, 9] < 1e-6
    assert d1[centre, 10] == 1 and p1[centre, 10] < 1e-6  # month 10 looks back at month 9
    assert p0[centre, 10] > 0.1  # month 10 alone is background
    assert p1[centre, 11] > 0.1
    frame0, _ = emerging_from_cube(counts, region, steps_back=0)
    frame1, _ = emerging_from_cube(counts, region, steps_back=1)
    assert frame0.set_index("cell").loc[np.uint64(CENTRE), "hot_months"] == 1
    assert frame1.set_index("cell").loc[np.uint64(CENTRE), "hot_months"] == 2


def test_options_are_checked():
    counts, region = _cube("no_pattern")
    with pytest.raises(ValidationError, match="steps back"):
        emerging_from_cube(counts, region, steps_back=-1)
    with pytest.raises(ValidationError, match="global window"):
        emerging_from_cube(counts, region, global_window="year")
    with pytest.raises(ValidationError, match="test"):
        emerging_from_cube(counts, region, test="permutation")


def test_fewer_than_ten_months_is_a_warning(tmp_path):
    rng = np.random.default_rng(1)
    rows = []
    for m in range(1, 6):
        for cell in h3i.grid_disk(CENTRE, 4):
            k = rng.poisson(1)
            lat, lon = points_in_cell(h3i.int_to_str(cell), k, rng) if k else ([], [])
            rows += [(date(2018, m, 1), a, b) for a, b in zip(lat, lon, strict=True)]
    frame = pd.DataFrame(rows, columns=["month", "latitude", "longitude"])
    store = Store(tmp_path / "s.duckdb")
    insert_area(store, "district", DISTRICT, "Maidstone", disk_polygon(MAIDSTONE, 4))
    insert_incidents(store, frame.assign(category="Drugs", district=DISTRICT))
    result = emerging_hotspots(store, Filters(), 8, load_themes())
    assert len(result.months) == 5
    assert len(result.warnings) == 1 and result.warnings[0] in result.notes
    assert "requires at least 10 time steps" in result.warnings[0]
