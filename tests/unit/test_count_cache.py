"""Counts remembered per version of the store: a repeated count is answered from memory, and
never for a version it was not computed on.

The stale-answer test is shown to fail when the key leaves out the store's version (the
protection off), so it can catch the bug it is for.
"""

from __future__ import annotations

from datetime import date

import h3
import numpy as np
import pyarrow as pa
import pytest

import geo.store._file as store_file
import geo.store.queries._run as run
from geo.filters import Filters
from geo.store import Store, read_coverage
from geo.store.queries.counts import _counts_sql, cell_month_counts, hex_counts
from geo.themes import load_themes
from tests.support.synthetic import insert_incidents, random_incidents

THEMES = load_themes()
FILTERS = Filters(categories=("Drugs",), month_from=date(2018, 1, 1), month_to=date(2018, 6, 1))


def _direct(store: Store, filters: Filters, res: int, *, by_month: bool = False) -> list:
    """The same count straight from the store, bypassing the memory."""
    sql, params = _counts_sql("duckdb", filters, res, THEMES, by_month=by_month)
    table = store.fetch(sql, params)
    # The text id as h3 prints it (the query makes DuckDB's upper-case hex; Arrow lowers it).
    hexes = [h3.int_to_str(c) for c in table["cell"].to_pylist()]
    return _sorted(table.set_column(1, "cell_hex", pa.array(hexes)))


def _sorted(table) -> list:
    return sorted(table.to_pylist(), key=lambda r: tuple(map(str, r.values())))


@pytest.fixture
def loaded(tmp_path):
    run.clear_cache()
    store = Store(tmp_path / "socmap.duckdb")
    insert_incidents(store, random_incidents(np.random.default_rng(3), 2000), batch_id=1)
    yield store
    store.close()
    run.clear_cache()


@pytest.mark.parametrize("res", [5, 7, 9, 10])
def test_a_repeated_count_comes_from_memory_and_equals_the_query(loaded, res):
    first = hex_counts(loaded, FILTERS, res, THEMES)
    again = hex_counts(loaded, FILTERS, res, THEMES)
    assert again is first  # the same (immutable) table: answered from memory
    assert _sorted(first) == _direct(loaded, FILTERS, res)
    by_month = cell_month_counts(loaded, FILTERS, res, THEMES)
    assert cell_month_counts(loaded, FILTERS, res, THEMES) is by_month
    assert _sorted(by_month) == _direct(loaded, FILTERS, res, by_month=True)


def test_other_filters_are_other_answers(loaded):
    drugs = hex_counts(loaded, FILTERS, 8, THEMES)
    other = Filters(categories=("Burglary",), month_from=FILTERS.month_from)
    burglary = hex_counts(loaded, other, 8, THEMES)
    assert _sorted(burglary) == _direct(loaded, other, 8)
    assert _sorted(drugs) != _sorted(burglary)
    assert _sorted(hex_counts(loaded, FILTERS, 7, THEMES)) == _direct(loaded, FILTERS, 7)


def _stale_after_a_load(store: Store) -> bool:
    """Count, load another batch, count again: whether the second count missed the batch."""
    before = hex_counts(store, FILTERS, 8, THEMES)
    insert_incidents(store, random_incidents(np.random.default_rng(4), 500), batch_id=2)
    after = hex_counts(store, FILTERS, 8, THEMES)
    assert sum(before["count"].to_pylist()) > 0
    return _sorted(after) != _direct(store, FILTERS, 8)


def test_a_load_makes_a_new_answer(loaded):
    assert not _stale_after_a_load(loaded)


def test_without_the_version_in_the_key_the_answer_goes_stale(loaded, monkeypatch):
    # The protection off: every version read as the same one.
    monkeypatch.setattr(store_file, "_read_version", lambda con, path: "always the same")
    assert _stale_after_a_load(loaded)


def test_a_load_by_another_writer_makes_a_new_answer(loaded):
    """The version comes with the reader's connection, read when it opened the file: a load
    published by another Store on the same file (as another process's would be) replaces
    the file, so the reader opens the new one and its version."""
    before = hex_counts(loaded, FILTERS, 8, THEMES)
    other = Store(loaded.path)
    insert_incidents(other, random_incidents(np.random.default_rng(4), 500), batch_id=2)
    with loaded.snapshot() as (_, version):
        assert version == other.data_version() != "empty"
    after = hex_counts(loaded, FILTERS, 8, THEMES)
    assert _sorted(after) == _direct(loaded, FILTERS, 8) != _sorted(before)


def test_restoring_the_previous_version_gives_its_counts(loaded):
    before = _sorted(hex_counts(loaded, FILTERS, 8, THEMES))
    insert_incidents(loaded, random_incidents(np.random.default_rng(4), 500), batch_id=2)
    assert _sorted(hex_counts(loaded, FILTERS, 8, THEMES)) != before
    loaded.restore_previous()
    assert _sorted(hex_counts(loaded, FILTERS, 8, THEMES)) == before == _direct(loaded, FILTERS, 8)


def test_memory_is_bounded(loaded, monkeypatch):
    monkeypatch.setattr(run, "_CACHE_ENTRIES", 3)
    for month in range(1, 7):
        hex_counts(loaded, Filters(month_from=date(2018, month, 1)), 9, THEMES)
    assert len(run._cache) == 3
    monkeypatch.setattr(run, "_CACHE_BYTES", 1)
    hex_counts(loaded, FILTERS, 9, THEMES)
    assert len(run._cache) == 1  # the newest answer is always kept


def _coverage_stale_after_a_load(store: Store) -> bool:
    """The loaded (source, category, month) facts, kept per version: a load that adds months
    must show in them at once (the coverage decides "no data" against zero)."""
    before = read_coverage(store)
    assert read_coverage(store) == before  # the same answer asked again
    insert_incidents(store, random_incidents(np.random.default_rng(5), 300, months=9), batch_id=2)
    after = read_coverage(store)
    truth = set(store.fetch_rows("SELECT DISTINCT source, month FROM incidents"))
    shown = {(s, m) for s, months in after.months.items() for m in months}
    return shown != truth


def test_coverage_follows_a_load(loaded):
    assert not _coverage_stale_after_a_load(loaded)


def test_coverage_without_the_version_goes_stale(loaded, monkeypatch):
    monkeypatch.setattr(store_file, "_read_version", lambda con, path: "always the same")
    assert _coverage_stale_after_a_load(loaded)
