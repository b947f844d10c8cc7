"""Period presets (last 3, 6, 12 months; financial years): golden values, including the
financial-year edges (March is the year's last month, April the next year's first) and
presets reaching before the first loaded month, which say what they cover."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from dashboard.views import presets as p
from geo.filters import add_months, months_between


def _months(first: date, last: date, *, skip: tuple[date, ...] = ()) -> tuple[date, ...]:
    n = months_between(first, last)
    return tuple(m for m in (add_months(first, i) for i in range(n)) if m not in skip)


def test_police_uk_three_months():
    # The three police.uk months in the shared data: Oct to Dec 2018.
    got = p.presets(_months(date(2018, 10, 1), date(2018, 12, 1)))
    assert [(x.key, x.label, x.first, x.last, x.loaded) for x in got] == [
        ("last-3", "Last 3 months", date(2018, 10, 1), date(2018, 12, 1), 3),
        ("last-6", "Last 6 months", date(2018, 7, 1), date(2018, 12, 1), 3),
        ("last-12", "Last 12 months", date(2018, 1, 1), date(2018, 12, 1), 3),
        ("fy-2018", "Financial year 2018/19", date(2018, 4, 1), date(2019, 3, 1), 3),
    ]
    assert got[0].note == ""
    assert got[0].option() == {"label": "Last 3 months", "value": "last-3"}
    assert got[2].note == "Last 12 months: data is loaded for 3 of its 12 months."
    assert got[3].option()["label"] == "Financial year 2018/19 (partial: 3 of 12 months)"


def test_financial_year_edges():
    assert p.financial_year(date(2026, 3, 1)) == 2025
    assert p.financial_year(date(2026, 4, 1)) == 2026
    assert p.financial_year(date(2026, 1, 1)) == 2025
    assert p.fy_label(2025) == "2025/26"
    assert p.fy_label(1999) == "1999/00"
    # Loaded exactly April 2024 to March 2026: two whole financial years, nothing partial.
    got = {x.key: x for x in p.presets(_months(date(2024, 4, 1), date(2026, 3, 1)))}
    assert list(got) == ["last-3", "last-6", "last-12", "fy-2025", "fy-2024"]
    assert (got["fy-2025"].first, got["fy-2025"].last) == (date(2025, 4, 1), date(2026, 3, 1))
    assert (got["fy-2024"].first, got["fy-2024"].last) == (date(2024, 4, 1), date(2025, 3, 1))
    assert all(x.note == "" for x in got.values())
    assert (got["last-12"].first, got["last-12"].last) == (date(2025, 4, 1), date(2026, 3, 1))
    # One more month (April 2026) opens 2026/27 with one month of twelve.
    got = {x.key: x for x in p.presets(_months(date(2024, 4, 1), date(2026, 4, 1)))}
    assert list(got)[3:] == ["fy-2026", "fy-2025", "fy-2024"]
    assert got["fy-2026"].loaded == 1
    assert got["fy-2026"].label == "Financial year 2026/27"
    assert got["fy-2026"].note == "Financial year 2026/27: data is loaded for 1 of its 12 months."
    # A year starting in March holds one month of the financial year before.
    got = {x.key: x for x in p.presets(_months(date(2025, 3, 1), date(2025, 5, 1)))}
    assert got["fy-2024"].loaded == 1 and got["fy-2025"].loaded == 2


def test_missing_months_inside_are_not_counted_as_loaded():
    skip = (date(2025, 11, 1),)
    got = {x.key: x for x in p.presets(_months(date(2025, 1, 1), date(2025, 12, 1), skip=skip))}
    assert got["last-3"].loaded == 2
    assert got["last-3"].note == "Last 3 months: data is loaded for 2 of its 3 months."
    assert got["last-12"].loaded == 11


def test_years_without_data_are_not_offered():
    # As the dashboard's test store: police.uk Oct-Dec 2018, the demo Nov 2024-Oct 2026.
    months = _months(date(2018, 10, 1), date(2018, 12, 1)) + _months(
        date(2024, 11, 1), date(2026, 10, 1)
    )
    got = p.presets(months)
    assert [(x.key, x.loaded) for x in got] == [
        ("last-3", 3),
        ("last-6", 6),
        ("last-12", 12),
        ("fy-2026", 7),
        ("fy-2025", 12),
        ("fy-2024", 5),
        ("fy-2018", 3),
    ]
    assert (got[2].first, got[2].last) == (date(2025, 11, 1), date(2026, 10, 1))


def test_nothing_loaded_offers_nothing():
    assert p.presets(()) == ()
    assert p.preset((), "last-3") is None


def test_matching_and_month_lists():
    months = _months(date(2018, 10, 1), date(2018, 12, 1))
    assert p.matching(months, date(2018, 10, 1), date(2018, 12, 1)) == "last-3"
    assert p.matching(months, date(2018, 11, 1), date(2018, 12, 1)) is None
    assert p.month_options(date(2018, 11, 1), date(2019, 1, 1)) == [
        {"label": "Nov 2018", "value": "2018-11"},
        {"label": "Dec 2018", "value": "2018-12"},
        {"label": "Jan 2019", "value": "2019-01"},
    ]
    assert p.month_options(None, None) == []
    assert p.month_value("2019-01") == date(2019, 1, 1)
    assert p.month_value("2019-13") is None
    assert p.month_value(None) is None


@given(
    st.dates(date(2000, 1, 1), date(2040, 1, 1)).map(lambda d: d.replace(day=1)),
    st.integers(1, 60),
)
def test_presets_properties(first, n):
    months = _months(first, add_months(first, n - 1))
    got = p.presets(months)
    for x in got:
        # Each asks for whole months ending no later than the latest loaded, and counts
        # exactly the loaded months inside it.
        assert x.first <= x.last
        assert x.loaded == sum(x.first <= m <= x.last for m in months)
        assert (x.note == "") == (x.loaded == x.months)
    lasts = [x for x in got if x.key.startswith("last-")]
    assert [x.months for x in lasts] == [3, 6, 12]
    assert all(x.last == months[-1] for x in lasts)
    fys = [x for x in got if x.key.startswith("fy-")]
    assert all(x.first.month == 4 and x.months == 12 for x in fys)
    # Every loaded month lies in exactly one financial year offered, and each year offered
    # holds at least one.
    for m in months:
        assert sum(x.first <= m <= x.last for x in fys) == 1
    assert all(x.loaded >= 1 for x in fys)
