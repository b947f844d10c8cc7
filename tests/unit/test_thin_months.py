"""Thin months: a month of a source holding under three quarters of its median month's
records (geo/store/_coverage.py). The shared Kent months (19,385, 13,815 and 8,418 records)
make December thin and nothing else; a spike does not make its neighbours thin; a source
with few months or few records is never judged; the public's volumes leave out the
restricted categories, as its months do."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.store import Coverage, Store, read_coverage
from tests.support.synthetic import MAIDSTONE, insert_incidents

pytestmark = pytest.mark.unit

OCT, NOV, DEC = date(2018, 10, 1), date(2018, 11, 1), date(2018, 12, 1)


def _coverage(volumes: dict[str, dict[date, int]]) -> Coverage:
    return Coverage(
        {s: tuple(sorted(v)) for s, v in volumes.items()},
        {s: frozenset({"x"}) for s in volumes},
        volumes,
    )


def test_the_kent_months_make_november_and_december_thin():
    """Three months: the reference is the largest (October), since the median (November)
    is itself short of records; November is 71% of October, December 43%."""
    cov = _coverage({"police-uk": {OCT: 19_385, NOV: 13_815, DEC: 8_418}})
    nov, dec = cov.thin_months(["police-uk"], None, None)
    assert (dec.month, dec.records, dec.typical, dec.largest) == (DEC, 8_418, 19_385, True)
    assert (nov.month, round(nov.share, 3), nov.reference) == (NOV, 0.713, "largest month")
    assert cov.thin_months(["police-uk"], OCT, OCT) == ()  # outside the period asked


def test_from_six_months_the_median_is_the_reference():
    months = [date(2024, m, 1) for m in range(1, 7)]
    volumes = dict(zip(months, [10_000, 14_000, 10_000, 10_000, 10_000, 7_000], strict=True))
    (thin,) = _coverage({"p": volumes}).thin_months(["p"], None, None)
    assert (thin.month, thin.typical, thin.reference) == (months[5], 10_000, "typical month")
    five = dict(list(volumes.items())[1:])  # five months: the largest, 14,000, is the reference
    assert [t.month for t in _coverage({"p": five}).thin_months(["p"], None, None)] == [
        months[2],
        months[3],
        months[4],
        months[5],
    ]


def test_a_spike_does_not_make_its_neighbours_thin():
    months = [date(2024, m, 1) for m in range(1, 13)]
    volumes = dict.fromkeys(months, 10_000)
    volumes[months[5]] = 16_000
    assert _coverage({"p": volumes}).thin_months(["p"], None, None) == ()


@pytest.mark.parametrize(
    "volumes",
    [
        {OCT: 19_000, DEC: 8_000},  # two months: no typical month to judge by
        {OCT: 150, NOV: 140, DEC: 20},  # a small source: its months vary by chance
    ],
)
def test_a_source_too_short_or_too_small_is_not_judged(volumes):
    assert _coverage({"p": volumes}).thin_months(["p"], None, None) == ()


def test_only_the_sources_asked_are_judged():
    cov = _coverage({"a": {OCT: 1000, NOV: 1000, DEC: 100}, "b": {OCT: 1000, NOV: 1000}})
    assert [t.source for t in cov.thin_months(["a", "b"], None, None)] == ["a"]
    assert cov.thin_months(["b"], None, None) == ()


@given(
    st.lists(st.integers(min_value=200, max_value=50_000), min_size=3, max_size=24),
    st.floats(min_value=0.0, max_value=0.74),
)
def test_a_month_below_three_quarters_of_the_reference_is_found(values, cut):
    months = [date(2020 + i // 12, i % 12 + 1, 1) for i in range(len(values))]
    volumes = dict(zip(months, values, strict=True))
    found = {t.month for t in _coverage({"p": volumes}).thin_months(["p"], None, None)}
    ordered = sorted(values)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    reference = max(values) if len(values) < 6 else median
    # Independent of the code's loop: the rule, read straight.
    assert found == {m for m, n in volumes.items() if n < 0.75 * reference}


def test_a_stores_volumes_count_every_row_and_leave_out_what_is_hidden(tmp_path):
    store = Store(tmp_path / "v.duckdb")
    rows = [("police-uk", "Burglary", OCT)] * 5 + [("police-uk", "Burglary", NOV)] * 2
    rows += [("police-uk", "modern_slavery", NOV)] * 3 + [("nrm", "modern_slavery", DEC)]
    frame = pd.DataFrame(rows, columns=["source", "category", "month"]).assign(
        latitude=MAIDSTONE[0], longitude=MAIDSTONE[1]
    )
    insert_incidents(store, frame)
    every = read_coverage(store)
    public = read_coverage(store, without=frozenset({"modern_slavery"}))
    store.close()
    assert every.volumes == {"police-uk": {OCT: 5, NOV: 5}, "nrm": {DEC: 1}}
    assert public.volumes == {"police-uk": {OCT: 5, NOV: 2}}
    assert public.months == {"police-uk": (OCT, NOV)}
