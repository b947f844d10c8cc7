"""Emerging hot spot categories: the rules on hot/cold histories, and constructed cubes where
the right category of one cell is known by construction."""

from __future__ import annotations

from datetime import date

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest

from geo.emerging import CATEGORIES, classify_series, emerging_from_cube, emerging_hotspots
from geo.filters import Filters
from geo.gistar import gi_star, gi_star_cube
from geo.grid import region_from_cells
from geo.store import Store
from geo.themes import load_themes
from tests._synthetic import MAIDSTONE, insert_incidents, points_in_cell

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
BACKGROUND = 20


def _site_values(category: str) -> np.ndarray:
    """The test site's count per month, designed to produce ``category``."""
    v = np.full(T, float(BACKGROUND))
    t = np.arange(T)
    designs = {
        "new_hot": lambda: v.__setitem__(11, 50),
        "consecutive_hot": lambda: v.__setitem__(slice(9, 12), 50),
        "intensifying_hot": lambda: v.__setitem__(slice(None), 30 + 3 * t),
        "persistent_hot": lambda: v.__setitem__(slice(None), 50),
        "diminishing_hot": lambda: v.__setitem__(slice(None), 63 - 3 * t),
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
    counts, region = _cube(category)
    copy = counts.copy()
    frame, z = emerging_from_cube(counts, region, global_window=window)
    centre = frame.set_index("cell").loc[np.uint64(CENTRE)]
    assert centre["category"] == category, centre.to_dict()
    assert z.shape == (region.n, T)
    assert np.array_equal(counts, copy)


def test_a_steady_hot_spot_stays_persistent_when_another_emerges():
    """Against the whole cube a steady place keeps a steady z; against each month alone the
    new hot spot's extra spread lowers the steady one's z and reads as a falling trend."""
    counts, region = _cube("intensifying_hot")
    steady = np.searchsorted(region.cells, np.uint64(h3i.grid_ring(CENTRE, 5)[0]))
    by_cube, z_cube = emerging_from_cube(counts, region, global_window="cube")
    by_month, _ = emerging_from_cube(counts, region, global_window="month")
    cell = region.cells[steady]
    assert np.ptp(z_cube[steady]) == pytest.approx(0)
    assert by_cube.set_index("cell").loc[cell, "category"] == "persistent_hot"
    assert by_month.set_index("cell").loc[cell, "category"] == "diminishing_hot"


def test_cube_gi_star_of_a_single_month_is_plain_gi_star():
    counts, region = _cube("persistent_hot")
    z_cube, p_cube = gi_star_cube(counts[:, :1], region)
    z, p = gi_star(counts[:, 0], region)
    np.testing.assert_allclose(z_cube[:, 0], z, atol=1e-12)
    np.testing.assert_allclose(p_cube[:, 0], p, atol=1e-12)


def test_count_trend_and_sen_slope_are_reported():
    counts, region = _cube("intensifying_hot")
    frame, _ = emerging_from_cube(counts, region)
    centre = frame.set_index("cell").loc[np.uint64(CENTRE)]
    assert centre["count_slope"] == pytest.approx(3.0)
    assert centre["count_trend_p"] < 0.001 and centre["trend_p"] < 0.001
    assert centre["hot_months"] == T and centre["count"] == int(sum(30 + 3 * np.arange(T)))


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
    insert_incidents(store, frame)
    result = emerging_hotspots(store, Filters(), 8, load_themes())
    assert len(result.months) == 11
    assert any("2018-06" in n for n in result.notes)
    by_cell = result.cells.set_index("cell")
    assert by_cell.loc[np.uint64(CENTRE), "category"] == "consecutive_hot"
    assert by_cell["count"].sum() == len(frame)
