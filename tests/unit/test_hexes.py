"""Hexagon counts against an independent pandas + h3-py computation, and their invariants."""

from __future__ import annotations

from datetime import date

import h3
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.filters import Filters
from geo.grid import MIN_RES
from geo.store import Store
from geo.store.queries.counts import cell_month_counts, filtered_total, hex_counts
from geo.store.queries.coverage import months_loaded
from geo.themes import load_themes
from tests.support.synthetic import CATEGORIES, insert_incidents, random_incidents

THEMES = load_themes()
RESOLUTIONS = st.integers(min_value=MIN_RES, max_value=10)
MONTHS = [date(2018, m, 1) for m in range(1, 7)]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A store of 3,000 incidents and the same rows as a DataFrame (the reference)."""
    rng = np.random.default_rng(11)
    frame = random_incidents(rng, 3000)
    store = Store(tmp_path_factory.mktemp("hexes") / "socmap.duckdb")
    insert_incidents(store, frame)
    yield store, frame
    store.close()


def _rows(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The rows ``filters`` selects, by pandas: with no area, those placed in a district."""
    cats = filters.category_set(THEMES)
    keep = frame["latitude"].notna()
    if filters.categories or filters.themes:
        keep &= frame["category"].isin(cats)
    if filters.exclude_categories:
        keep &= ~frame["category"].isin(filters.exclude_categories)
    if filters.sources:
        keep &= frame["source"].isin(filters.sources)
    if filters.month_from:
        keep &= frame["month"] >= filters.month_from
    if filters.month_to:
        keep &= frame["month"] <= filters.month_to
    if filters.district:
        keep &= frame["district"] == filters.district
    else:
        keep &= frame["district"].notna()
    return frame[keep]


def _reference(frame: pd.DataFrame, filters: Filters, res: int) -> pd.Series:
    """Counts per cell from raw latitude/longitude with h3-py's string API and pandas: each
    point counts in the cell ``latlng_to_cell(lat, lon, res)`` puts it in."""
    rows = _rows(frame, filters)
    cells = [
        h3.latlng_to_cell(a, b, res) for a, b in zip(rows.latitude, rows.longitude, strict=True)
    ]
    return pd.Series(cells, dtype=object).value_counts().sort_index()


def _by_parent(frame: pd.DataFrame, filters: Filters, res: int) -> pd.Series:
    """What counting the resolution-10 cell's bit-arithmetic parent gives (the old way)."""
    rows = _rows(frame, filters)
    fine = [h3.latlng_to_cell(a, b, 10) for a, b in zip(rows.latitude, rows.longitude, strict=True)]
    return pd.Series([h3.cell_to_parent(c, res) for c in fine], dtype=object).value_counts()


def _as_series(table) -> pd.Series:
    frame = table.to_pandas()
    return pd.Series(frame["count"].to_numpy(), index=frame["cell_hex"]).sort_index()


filters_strategy = st.builds(
    Filters,
    categories=st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True).map(tuple),
    themes=st.lists(st.sampled_from(["knife_crime", "county_lines"]), max_size=1).map(tuple),
    sources=st.lists(st.sampled_from(["police-uk", "partner-a"]), max_size=1).map(tuple),
    month_from=st.sampled_from([None, *MONTHS[:3]]),
    month_to=st.sampled_from([None, *MONTHS[3:]]),
    district=st.sampled_from([None, "E07000110"]),
    exclude_categories=st.lists(st.sampled_from(CATEGORIES), max_size=1).map(tuple),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(filters=filters_strategy, res=RESOLUTIONS)
def test_counts_equal_h3_from_raw_coordinates(data, filters, res):
    store, frame = data
    got = _as_series(hex_counts(store, filters, res, THEMES))
    expected = _reference(frame, filters, res)
    assert got.to_dict() == expected.to_dict()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(filters=filters_strategy, res=RESOLUTIONS)
def test_counts_sum_to_the_filtered_total(data, filters, res):
    store, frame = data
    table = hex_counts(store, filters, res, THEMES)
    assert sum(table["count"].to_pylist()) == filtered_total(store, filters, THEMES)
    assert sum(table["count"].to_pylist()) == int(_reference(frame, filters, res).sum())


@pytest.mark.parametrize("res", range(MIN_RES, 10))
def test_counting_parents_of_the_fine_cell_would_fail_these_tests(data, res):
    """H3 cells do not nest: on these points the resolution-10 cell's parent is not the
    point's own cell at every coarser resolution, so the reference above tells the two
    apart (socmap counted parents before schema version 5)."""
    store, frame = data
    exact = _reference(frame, Filters(), res)
    assert _as_series(hex_counts(store, Filters(), res, THEMES)).to_dict() == exact.to_dict()
    assert _by_parent(frame, Filters(), res).sort_index().to_dict() != exact.to_dict()


def test_incidents_in_no_district_count_in_no_area(data):
    store, frame = data
    outside = frame[frame["district"].isna() & frame["latitude"].notna()]
    assert len(outside) > 10
    everything = frame["latitude"].notna().sum()
    assert filtered_total(store, Filters(), THEMES) == everything - len(outside)


def test_columns_and_hex_ids(data):
    store, _ = data
    table = hex_counts(store, Filters(), 8, THEMES)
    assert table.column_names == ["cell", "cell_hex", "count"]
    for cell, text in zip(table["cell"].to_pylist(), table["cell_hex"].to_pylist(), strict=True):
        assert h3.int_to_str(cell) == text
        assert len(text) == 15


def test_cell_month_counts_add_up_to_the_cell_counts(data):
    store, _ = data
    by_month = cell_month_counts(store, Filters(), 7, THEMES).to_pandas()
    total = by_month.groupby("cell_hex")["count"].sum().sort_index()
    assert total.to_dict() == _as_series(hex_counts(store, Filters(), 7, THEMES)).to_dict()
    assert sorted(set(by_month["month"])) == MONTHS
    assert months_loaded(store) == MONTHS


def test_a_filter_matching_nothing_gives_an_empty_table(data):
    store, _ = data
    table = hex_counts(store, Filters(categories=("Not a category",)), 8, THEMES)
    assert table.num_rows == 0


@pytest.mark.parametrize("res", [4, 11, "8"])
def test_resolution_out_of_range_is_refused(data, res):
    store, _ = data
    with pytest.raises(ValueError, match="resolution"):
        hex_counts(store, Filters(), res, THEMES)
