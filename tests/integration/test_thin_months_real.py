"""Thin months on the real Kent data: December 2018 holds 8,418 police.uk records against a
typical (median) month's 13,815, and a reviewer read the fall into it as a significant fall
in crime. Every view that counts or compares December says so; one that does not, does not.
The figures in the Part 2 note are checked against a direct count of the store's rows."""

from __future__ import annotations

import re
import statistics

import duckdb
import pytest

from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.map_view import map_model
from dashboard.views.panel_view import panel_model
from geo.disclosure import Audience
from geo.store import Store

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def settings(kent_stores, tmp_path_factory):
    return kent_stores.copy(tmp_path_factory.mktemp("thin"))


def _thin(notes) -> list[str]:
    return [n for n in notes if n.startswith("Thin month")]


def _map_notes(settings, audience, query):
    ctx = AppContext.create(Store(settings.db_path), settings, audience)
    model = map_model(ctx, ViewState.from_query(query), audience)
    return _thin([n.text for n in model.notes if n.warn])


def test_part_2_names_december_with_the_stores_own_figures(settings):
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        by_month = dict(
            con.execute(
                "SELECT strftime(month, '%Y-%m'), count(*) FROM incidents "
                "WHERE source = 'police-uk' GROUP BY 1"
            ).fetchall()
        )
    typical = statistics.median(by_month.values())
    (note,) = _map_notes(settings, Audience.RESTRICTED, "?from=2018-10&to=2018-12")
    december = by_month["2018-12"]
    assert f"December 2018 (police.uk: {december:,} records" in note
    assert f"{december / typical:.0%} of its typical month's {typical:,.0f}" in note
    assert [m for m, n in by_month.items() if n < 0.75 * typical] == ["2018-12"]


@pytest.mark.parametrize(
    ("query", "warned"),
    [
        ("?from=2018-10&to=2018-12", True),
        ("?from=2018-11&to=2018-12&m=change", True),  # December in the period
        ("?from=2018-10&to=2018-11", False),  # neither it nor a comparison with it
        ("?from=2018-10&to=2018-10", False),
    ],
)
def test_part_2_warns_wherever_december_is_counted_or_compared(settings, query, warned):
    assert bool(_map_notes(settings, Audience.RESTRICTED, query)) is warned


def test_the_public_is_told_without_a_figure(settings):
    (note,) = _map_notes(settings, Audience.PUBLIC, "")
    assert "December 2018 (police.uk)" in note
    assert not re.search(r"\d[\d,]*\s*(records|%)", note)
    ctx = AppContext.create(Store(settings.db_path), settings, Audience.PUBLIC)
    panel = panel_model(ctx, ViewState.from_query(""), Audience.PUBLIC)
    assert _thin(panel.notes) == [note]


def test_the_panel_warns_for_its_comparison_with_the_period_before(settings):
    """The Part 2 panel sets each theme beside the period before: a period ending in
    November is compared with one holding no December, so no warning; the months after
    it, with December, carry one."""
    ctx = AppContext.create(Store(settings.db_path), settings, Audience.RESTRICTED)
    for query, warned in (("?from=2018-10&to=2018-11", False), ("?from=2018-12&to=2018-12", True)):
        panel = panel_model(ctx, ViewState.from_query(query), Audience.RESTRICTED)
        assert bool(_thin(panel.notes)) is warned, query
