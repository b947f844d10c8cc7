"""Coverage: which sources have data for which months, and which themes each can report.

A month without data is a gap and a theme no source can report is unknown: never zero. The
rules (geo/store/_coverage.py) are checked here against stores whose answer is known by design, and
``socmap summary`` is checked to print them (text and JSON).
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from geo.filters import Filters
from geo.store import (
    POLICE_UK_CRIME_TYPES,
    Coverage,
    Store,
    month_ranges,
    month_words,
    read_coverage,
)
from geo.themes import load_themes
from socmap.cli import main
from tests.support.synthetic import MAIDSTONE, insert_incidents

THEMES = load_themes()


def _m(y: int, m: int) -> date:
    return date(y, m, 1)


def _rows(source: str, category: str, months: list[date], n: int = 3) -> list[dict]:
    return [
        {
            "source": source,
            "category": category,
            "month": m,
            "latitude": MAIDSTONE[0],
            "longitude": MAIDSTONE[1],
        }
        for m in months
        for _ in range(n)
    ]


@pytest.fixture
def store(tmp_path) -> Store:
    """police.uk July to December 2018 less October (a gap); a partner with knife crime
    from November 2018 to February 2019; nothing else."""
    s = Store(tmp_path / "c.duckdb")
    police = [_m(2018, m) for m in (7, 8, 9, 11, 12)]
    rows = _rows("police-uk", "Possession of weapons", police)
    rows += _rows("police-uk", "Burglary", police)
    rows += _rows(
        "partner-a", "knife_crime", [_m(2018, 11), _m(2018, 12), _m(2019, 1), _m(2019, 2)]
    )
    insert_incidents(s, pd.DataFrame(rows))
    yield s
    s.close()


def test_months_and_categories_per_source(store):
    cov = read_coverage(store)
    assert cov.months["police-uk"] == (
        _m(2018, 7),
        _m(2018, 8),
        _m(2018, 9),
        _m(2018, 11),
        _m(2018, 12),
    )
    assert cov.delivered["partner-a"] == frozenset({"knife_crime"})
    assert cov.sources == ("partner-a", "police-uk")


def test_a_source_reports_what_it_delivered_and_police_uk_its_crime_types(store):
    cov = read_coverage(store)
    # police.uk has delivered no Drugs here, but Drugs is one of its crime types.
    assert cov.can_report("police-uk", "Drugs")
    assert not cov.can_report("police-uk", "modern_slavery")
    assert not cov.can_report("partner-a", "Drugs")
    assert cov.theme_sources("knife_crime", THEMES) == ("partner-a", "police-uk")
    assert cov.theme_sources("county_lines", THEMES) == ("police-uk",)
    assert cov.theme_sources("modern_slavery", THEMES) == ()
    assert cov.theme_sources("port_events", THEMES) == ()
    assert "Drugs" in POLICE_UK_CRIME_TYPES and "Possession of weapons" in POLICE_UK_CRIME_TYPES


@pytest.mark.parametrize(
    ("theme", "first", "last", "status", "days"),
    [
        # Every expected source has every month: complete.
        ("knife_crime", _m(2018, 7), _m(2018, 9), "complete", 31 + 31 + 30),
        # October is a gap inside police.uk's months: partial, and its days do not count.
        ("county_lines", _m(2018, 10), _m(2018, 12), "partial", 30 + 31),
        # The partner's data starts in November: before it, it is not expected.
        ("knife_crime", _m(2018, 7), _m(2018, 8), "complete", 62),
        # police.uk ends in December: in January and February only the partner is expected.
        ("knife_crime", _m(2019, 1), _m(2019, 2), "complete", 31 + 28),
        # County lines in 2019: police.uk's months end before, no one else reports it.
        ("county_lines", _m(2019, 1), _m(2019, 3), "empty", 0),
        # A quarter holding one month of a source running into it.
        ("knife_crime", _m(2019, 1), _m(2019, 3), "partial", 31 + 28),
        # October alone: the one month with no data from anyone.
        ("county_lines", _m(2018, 10), _m(2018, 10), "empty", 0),
        # No source can report modern slavery: no data, whatever the months.
        ("modern_slavery", _m(2018, 7), _m(2018, 12), "empty", 0),
    ],
)
def test_period_status_and_days_with_data(store, theme, first, last, status, days):
    cov = read_coverage(store).period(Filters(themes=(theme,)), THEMES, first, last)
    assert cov.status == status
    assert cov.days == days


def test_partial_message_names_the_missing_months(store):
    cov = read_coverage(store).period(
        Filters(themes=("knife_crime",), month_from=_m(2018, 9), month_to=_m(2018, 12)), THEMES
    )
    assert cov.status == "partial"
    assert cov.message() == (
        "Partial: partner-a has no data for September and October 2018; police.uk has no "
        "data for October 2018 (data for 3 of 4 months)."
    )
    assert [cov.month_status(m) for m in cov.months] == ["partial", "empty", "complete", "complete"]


def test_sources_chosen_limit_the_expected_sources(store):
    cov = read_coverage(store)
    only_police = Filters(themes=("knife_crime",), sources=("police-uk",))
    assert cov.period(only_police, THEMES, _m(2019, 1), _m(2019, 1)).empty
    assert cov.period(only_police, THEMES, _m(2018, 11), _m(2018, 12)).status == "complete"
    assert cov.uncovered_themes(Filters(themes=("knife_crime", "port_events")), THEMES) == (
        "port_events",
    )


def test_month_words_and_ranges():
    months = [_m(2018, 10), _m(2018, 11), _m(2018, 12), _m(2024, 11), _m(2025, 1)]
    assert month_ranges(months) == "2018-10 to 2018-12, 2024-11, 2025-01"
    assert month_words(months) == "October to December 2018, November 2024 and January 2025"
    assert month_words([_m(2018, 7), _m(2018, 8)]) == "July and August 2018"
    assert month_words([_m(2018, 12), _m(2019, 1)]) == "December 2018 to January 2019"


def test_an_empty_store_covers_nothing(tmp_path):
    cov = read_coverage(Store(tmp_path / "none.duckdb"))
    assert cov == Coverage()
    assert cov.period(Filters(themes=("knife_crime",)), THEMES).empty


def test_summary_says_which_sources_cover_which_months_per_theme(store, capsys):
    assert main(["--db", str(store.path), "summary", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    coverage = data["coverage"]
    assert coverage["sources"]["police-uk"]["ranges"] == "2018-07 to 2018-09, 2018-11 to 2018-12"
    assert coverage["sources"]["police-uk"]["themes"] == ["knife_crime", "county_lines"]
    assert coverage["sources"]["partner-a"]["themes"] == ["knife_crime"]
    assert coverage["themes"]["knife_crime"]["ranges"] == "2018-07 to 2018-09, 2018-11 to 2019-02"
    assert coverage["themes"]["knife_crime"]["gaps"] == "2018-10"
    assert coverage["themes"]["modern_slavery"] == {
        "label": "Modern slavery",
        "sources": [],
        "months": [],
        "ranges": "no data",
        "gaps": "none",
    }
    assert main(["--db", str(store.path), "summary"]) == 0
    text = capsys.readouterr().out
    assert "police-uk                2018-07 to 2018-09, 2018-11 to 2018-12" in text
    assert "Modern slavery           no data: no loaded source can report it" in text
    assert "no data for 2018-10" in text
