"""Hit rate, PAI, PEI and RRI on hand-checked examples; the backtest on a planted pattern."""

from __future__ import annotations

from datetime import date

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest

from geo.filters import Filters
from geo.grid import region_from_cells
from geo.stats import METHODS, backtest, hotspot_metrics, kernel_matrix, quartic_weight, select_top
from geo.store import Store
from geo.themes import load_themes
from tests.support.synthetic import (
    MAIDSTONE,
    disk_polygon,
    insert_area,
    insert_incidents,
    points_in_cell,
)


def test_metrics_on_a_hand_checked_example():
    # 10 cells; the test month has 20 incidents; cells 0 and 1 are chosen (a/A = 0.2).
    test = np.array([6, 2, 8, 1, 1, 0, 0, 2, 0, 0])
    train = np.array([10, 6, 2, 0, 2, 0, 0, 0, 0, 0])
    m = hotspot_metrics(test, train, np.array([0, 1]))
    # n = 8 of N = 20: hit rate 0.4, PAI = 0.4 / 0.2 = 2.
    assert m["hit_rate"] == pytest.approx(0.4)
    assert m["pai"] == pytest.approx(2.0)
    # The best two cells held 8 + 6 = 14, so PEI = 8 / 14.
    assert m["n_best"] == 14
    assert m["pei"] == pytest.approx(8 / 14)
    # RRI = (8 / 16) / (20 / 20) = 0.5: the chosen cells kept half their training crime
    # while the region kept all of its.
    assert m["rri"] == pytest.approx(0.5)
    assert (m["cells"], m["region_cells"], m["n"], m["N"]) == (2, 10, 8, 20)


def test_metrics_when_nothing_happens():
    m = hotspot_metrics(np.zeros(5), np.zeros(5), np.array([0]))
    assert np.isnan(m["hit_rate"]) and np.isnan(m["pai"]) and np.isnan(m["pei"])
    assert np.isnan(m["rri"])


def test_select_top_takes_the_coverage_and_breaks_ties_at_random():
    score = np.array([5.0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    picks = {tuple(sorted(select_top(score, 0.1, np.random.default_rng(s)))) for s in range(20)}
    assert all(len(p) == 2 and p[0] == 0 for p in picks)  # round(0.1 x 20) = 2, best first
    assert len(picks) > 3  # the tied second place is not always the same cell
    assert len(select_top(score, 0.001, np.random.default_rng(0))) == 1  # at least one cell


def test_kernel_weights_decay_over_rings():
    assert quartic_weight(0, 2) == 1.0
    assert quartic_weight(1, 2) == pytest.approx((1 - 1 / 9) ** 2)
    assert quartic_weight(3, 2) == 0.0
    centre = h3i.latlng_to_cell(*MAIDSTONE, 8)
    region = region_from_cells(np.array(h3i.grid_disk(centre, 4), dtype=np.uint64), 8)
    y = np.zeros(region.n)
    y[np.searchsorted(region.cells, np.uint64(centre))] = 1.0
    smooth = kernel_matrix(region, 2) @ y
    for d in range(4):
        ring = np.searchsorted(region.cells, np.array(h3i.grid_ring(centre, d), dtype=np.uint64))
        np.testing.assert_allclose(smooth[ring], quartic_weight(d, 2))


@pytest.fixture
def steady(tmp_path):
    """Eight months: a steady cluster of seven cells holds a third of the crime, in a round
    district whose boundary makes the study region."""
    rng = np.random.default_rng(2)
    centre = h3i.latlng_to_cell(*MAIDSTONE, 8)
    cluster = {h3i.int_to_str(c) for c in h3i.grid_disk(centre, 1)}
    rows = []
    for m in range(1, 9):
        for cell in (h3i.int_to_str(c) for c in h3i.grid_disk(centre, 7)):
            k = rng.poisson(8 if cell in cluster else 0.3)
            if k:
                lat, lon = points_in_cell(cell, k, rng)
                rows += [(date(2018, m, 1), a, b) for a, b in zip(lat, lon, strict=True)]
    frame = pd.DataFrame(rows, columns=["month", "latitude", "longitude"])
    store = Store(tmp_path / "e.duckdb")
    insert_area(store, "district", "E07000110", "Maidstone", disk_polygon(MAIDSTONE, 6))
    insert_incidents(store, frame.assign(category="Burglary", district="E07000110"))
    return store


def test_backtest_folds_methods_and_a_steady_cluster(steady):
    result = backtest(steady, Filters(), 8, load_themes(), train_months=3, coverage=0.05, seed=1)
    assert list(result.summary["method"]) == list(METHODS)
    assert set(result.folds["test_month"]) == {f"2018-0{m}" for m in range(4, 9)}
    assert (result.summary["folds"] == 5).all()
    summary = result.summary.set_index("method")
    # The cluster is 7 cells of the region; every method finds it, so the hit rate is high
    # and PAI is far above 1 (what a random map would score).
    assert (summary["pai"] > 5).all()
    assert (summary["pei"] <= 1).all() and (summary["pei"] > 0.8).all()
    again = backtest(steady, Filters(), 8, load_themes(), train_months=3, coverage=0.05, seed=1)
    pd.testing.assert_frame_equal(result.folds, again.folds)


def test_backtest_with_too_few_months_says_so(steady):
    result = backtest(
        steady,
        Filters(month_from=date(2018, 1, 1), month_to=date(2018, 2, 1)),
        8,
        load_themes(),
        train_months=3,
    )
    assert result.folds.empty
    assert any("needs at least 4" in n for n in result.notes)
