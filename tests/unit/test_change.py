"""Change against the previous period as rates per day: exact tests against scipy, counts
against pandas, and periods of unequal length (28 against 31 days) in every place."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from geo.filters import Filters
from geo.stats import binom_two_sided, change_table, compare_periods, rate_change_p, rate_ratio_ci
from geo.store import Store
from geo.themes import load_themes
from tests.support.synthetic import MAIDSTONE, disk_polygon, insert_area, insert_incidents

THEMES = load_themes()


@settings(max_examples=200, deadline=None)
@given(a=st.integers(min_value=0, max_value=400), b=st.integers(min_value=0, max_value=400))
def test_p_value_equals_scipy_binomtest_for_equal_periods(a, b):
    got = rate_change_p(np.array([a]), np.array([b]))[0]
    expected = 1.0 if a + b == 0 else stats.binomtest(a, a + b, 0.5).pvalue
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-300)


@settings(max_examples=400, deadline=None)
@given(
    a=st.integers(min_value=0, max_value=3000),
    b=st.integers(min_value=0, max_value=3000),
    days=st.tuples(st.integers(1, 400), st.integers(1, 400))
    | st.sampled_from([(28, 31), (31, 28), (30, 31), (90, 92), (92, 91), (29, 31)]),
)
def test_p_value_per_day_equals_scipy_binomtest(a, b, days):
    """p0 is set by the periods' lengths: binomtest(a, a + b, t_a / (t_a + t_b))."""
    got = rate_change_p(np.array([a]), np.array([b]), days=days)[0]
    p0 = days[0] / (days[0] + days[1])
    expected = 1.0 if a + b == 0 else stats.binomtest(a, a + b, p0).pvalue
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_vectorised_two_sided_test_equals_scipy_on_many_pairs_at_once():
    rng = np.random.default_rng(5)
    k = rng.integers(0, 60, 500)
    n = k + rng.integers(0, 60, 500)
    got = binom_two_sided(k, n, 28 / 59)
    expected = [
        stats.binomtest(int(x), int(m), 28 / 59).pvalue if m else 1.0
        for x, m in zip(k, n, strict=True)
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize(("a", "b"), [(14, 10), (40, 20), (3, 0), (0, 5), (1, 1), (250, 190)])
@pytest.mark.parametrize("days", [(1, 1), (28, 31), (92, 90)])
def test_rate_ratio_interval_is_the_exact_binomial_interval_per_day(a, b, days):
    ci = stats.binomtest(a, a + b, 0.5).proportion_ci(0.95, method="exact")
    low, high = rate_ratio_ci(np.array([a]), np.array([b]), days=days)
    scale = days[1] / days[0]
    expected_low = ci.low / (1 - ci.low) * scale
    expected_high = np.inf if ci.high == 1 else ci.high / (1 - ci.high) * scale
    assert low[0] == pytest.approx(expected_low, rel=1e-9, abs=1e-12)
    assert high[0] == pytest.approx(expected_high, rel=1e-9)


def test_labels_and_fdr_over_tested_pairs():
    table = change_table([140, 10, 0, 7, 0], [100, 10, 0, 9, 3])
    assert table["label"].tolist()[:3] == ["up 40%, significant", "no change", "no change"]
    assert table.loc[3, "label"] == "down 22%, not significant"
    assert table.loc[4, "pct_change"] == -100
    # Pairs with no incident in either period are not tests: they do not dilute the others.
    tested = np.array([True, True, False, True, True])
    expected_q = stats.false_discovery_control(table["p"][tested])
    np.testing.assert_allclose(table["q"][tested], expected_q)
    assert table.loc[2, "q"] == 1.0


def test_a_short_month_is_not_a_fall_per_day():
    """February (28 days) against January (31): 8% fewer incidents is 1.9% more per day.
    With p0 = 1/2 (the old test) the fall reads significant; per day it is not."""
    jan, feb = 10_000, 9_200
    table = change_table([feb], [jan], days=(28, 31))
    row = table.iloc[0]
    p0 = 28 / 59
    assert row["p"] == pytest.approx(stats.binomtest(feb, feb + jan, p0).pvalue, rel=1e-9)
    assert row["rate_ratio"] == pytest.approx((feb / 28) / (jan / 31))
    assert row["label"] == "up 2% per day, not significant"
    assert (row["days"], row["previous_days"]) == (28, 31)
    assert stats.binomtest(feb, feb + jan, 0.5).pvalue < 0.001  # the old reading
    same = change_table([feb], [jan], days=(31, 31)).iloc[0]
    assert same["label"] == "down 8%, significant"  # equal lengths: no "per day"


def test_equal_rates_per_day_are_no_change():
    assert change_table([28], [31], days=(28, 31)).loc[0, "label"] == "no change"
    assert change_table([28], [31], days=(28, 31)).loc[0, "p"] == 1.0


def test_a_period_without_data_is_not_compared():
    table = change_table([5, 0], [0, 0], days=(31, 0))
    assert table["label"].tolist() == ["no earlier data loaded"] * 2
    assert table["p"].isna().all() and not table["significant"].any()
    assert change_table([0], [4], days=(0, 30)).loc[0, "label"] == "no data loaded"


@pytest.fixture
def changed(tmp_path):
    """Two districts, three months before and three after; Maidstone's drugs up 60%."""
    store = Store(tmp_path / "c.duckdb")
    insert_area(store, "district", "E07000110", "Maidstone", disk_polygon(MAIDSTONE, 6))
    insert_area(
        store,
        "division",
        "E58000720",
        "Maidstone Central",
        disk_polygon(MAIDSTONE, 2),
        parent="E07000110",
    )
    rng = np.random.default_rng(3)
    rows = []
    for month_index in range(1, 7):
        month = date(2018, month_index, 1)
        drugs = 100 if month_index <= 3 else 160
        rows += [("Drugs", month, "E07000110", "E58000720")] * drugs
        rows += [("Burglary", month, "E07000111", None)] * 30
    frame = pd.DataFrame(rows, columns=["category", "month", "district", "division"])
    frame["latitude"] = MAIDSTONE[0] + rng.normal(0, 0.01, len(frame))
    frame["longitude"] = MAIDSTONE[1] + rng.normal(0, 0.015, len(frame))
    insert_incidents(store, frame)
    return store, frame


def test_change_per_area_equals_pandas(changed):
    store, frame = changed
    quiet = disk_polygon((MAIDSTONE[0] + 0.03, MAIDSTONE[1]), 1)
    insert_area(store, "division", "E58000721", "Quiet", quiet, parent="E07000110")
    filters = Filters(month_from=date(2018, 4, 1), month_to=date(2018, 6, 1))
    result = compare_periods(store, filters, 8, THEMES)
    areas = result.areas.set_index(["level", "code"])
    after = frame["month"] >= date(2018, 4, 1)
    assert areas.loc[("county", "county"), "current"] == after.sum()
    assert areas.loc[("county", "county"), "previous"] == (~after).sum()
    maidstone = areas.loc[("district", "E07000110")]
    assert (maidstone["current"], maidstone["previous"]) == (480, 300)
    assert maidstone["name"] == "Maidstone"
    # April to June has 91 days, January to March 90: compared per day.
    assert (maidstone["days"], maidstone["previous_days"]) == (91, 90)
    assert maidstone["label"] == "up 58% per day, significant"
    assert maidstone["p"] == pytest.approx(stats.binomtest(480, 780, 91 / 181).pvalue)
    other = areas.loc[("district", "E07000111")]
    # 90 burglaries in each: the same count over one more day is a lower rate per day.
    assert other["label"] == "down 1% per day, not significant" and other["name"] == "E07000111"
    assert areas.loc[("division", "E58000720"), "current"] == 480
    quiet_row = areas.loc[("division", "E58000721")]
    assert (quiet_row["current"], quiet_row["previous"], quiet_row["label"]) == (0, 0, "no change")
    in_district = compare_periods(store, replace(filters, district="E07000110"), 8, THEMES)
    assert set(in_district.areas["code"]) == {"E07000110", "E58000720", "E58000721"}
    assert result.previous_period == (date(2018, 1, 1), date(2018, 3, 1))
    assert result.notes == ("the periods have 91 and 90 days with data: changes are rates per day",)


def test_change_per_cell_sums_to_the_periods_and_notes_missing_months(changed):
    store, _frame = changed
    filters = Filters(categories=("Drugs",), month_from=date(2018, 5, 1), month_to=date(2018, 8, 1))
    result = compare_periods(store, filters, 9, THEMES)
    assert result.cells["current"].sum() == 320
    assert result.cells["previous"].sum() == 100 + 100 + 100 + 160  # January to April
    # July and August hold no data: the period is partial, compared per day over May and
    # June (61 days) against January to April (120 days), never as four months.
    assert result.coverage.partial and not result.previous_coverage.partial
    assert any("no data for July and August 2018" in n and "61 days" in n for n in result.notes)
    assert set(result.cells["days"]) == {61} and set(result.cells["previous_days"]) == {120}
    busiest = result.cells.iloc[0]
    a, b = int(busiest["current"]), int(busiest["previous"])
    assert busiest["p"] == pytest.approx(stats.binomtest(a, a + b, 61 / 181).pvalue, rel=1e-9)
    tested = (result.cells["current"] + result.cells["previous"]) > 0
    assert tested.all()
    np.testing.assert_allclose(result.cells["q"], stats.false_discovery_control(result.cells["p"]))


def test_change_needs_a_closed_period(changed):
    store, _ = changed
    with pytest.raises(Exception, match="closed period"):
        compare_periods(store, Filters(), 8, THEMES)
