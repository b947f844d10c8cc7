"""No false zeros, no unfair comparisons: the whole class, on the dashboard's store.

Every measure (count, hot spots, change, emerging) x both audiences x county, district and
division, for a period with no data loaded and for a partial period: an empty view says "no
data loaded" on the map, the panel and the export rows (never 0, never "not significant");
a partial view says it is partial and compares per day over the days with data.

The store (``dashboard_store``): the shared boundaries, police.uk October to December 2018
and the synthetic demo from November 2024 to October 2026. So January to March 2024 has no
data from any source; October to December 2024 is partial (the demo starts in November);
December 2018 to January 2019 is partial (police.uk ends in December).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest
from scipy import stats

from dashboard.export._rows import area_rows, piece_rows
from dashboard.figures.map_figure import map_figure
from dashboard.state import MEASURES, ViewState
from dashboard.views.context import AppContext, options
from dashboard.views.map_view import map_model
from dashboard.views.panel_view import hotspot_summary, panel_model
from dashboard.views.public import resolve_view
from geo.disclosure import Audience
from geo.store import Store

pytestmark = pytest.mark.shared_data

MAIDSTONE = "E07000110"
AUDIENCES = (Audience.PUBLIC, Audience.RESTRICTED)
EMPTY = ViewState(month_from=date(2024, 1, 1), month_to=date(2024, 3, 1))
# Public: Q3 2024/25 (the demo's November and December); Part 2 the same months.
PARTIAL = ViewState(month_from=date(2024, 10, 1), month_to=date(2024, 12, 1))
# Words that would read as a finding about crime on a view with no data.
FINDINGS = {"0", "Not significant", "No pattern detected", "no change", "No change"}


@pytest.fixture(scope="module")
def ctx(dashboard_store):
    c = AppContext.create(Store(dashboard_store.db_path), dashboard_store)
    yield c
    c.store.close()


@pytest.fixture(scope="module")
def division(ctx) -> str:
    return options(ctx).divisions_of(MAIDSTONE)[0].code


def _at(state: ViewState, level: str, division: str) -> ViewState:
    if level == "district":
        return state.go_to("district", MAIDSTONE)
    if level == "division":
        return state.go_to("division", division, parent=MAIDSTONE)
    return state


LEVELS = ("county", "district", "division")


@pytest.mark.parametrize("audience", AUDIENCES, ids=str)
@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("measure", MEASURES)
def test_an_empty_period_is_no_data_on_every_map(ctx, division, audience, level, measure):
    state = _at(replace(EMPTY, measure=measure), level, division)
    model = map_model(ctx, state, audience)
    assert model.features, "the area is still drawn"
    assert {f.klass for f in model.features} == {"no_data"}
    assert all(f.value is None and f.label == "no data loaded" for f in model.features)
    assert not FINDINGS & {f.label for f in model.features}
    assert [item.key for item in model.legend] == ["no_data"]
    assert model.legend[0].label == "No data loaded (not a count of 0)"
    assert model.empty_message
    # The figure sent to the browser too (a county map sends alike pieces as one feature):
    # every card it shows says so.
    cards = [
        text
        for trace in map_figure(model, ctx.settings)["data"]
        if trace["type"] == "choroplethmap"
        for text in trace["text"]
    ]
    assert cards and all(text.endswith("<br>no data loaded") for text in cards), cards[:3]
    said = " ".join(n.text for n in model.notes if n.warn)
    if audience is Audience.PUBLIC:
        assert "No figures are published for January 2024 to March 2024" in said
        assert "no data is loaded for those months" in said
    else:
        assert "No data loaded for January to March 2024" in said
        assert "October to December 2018 (police.uk)" in said  # what is loaded


@pytest.mark.parametrize("audience", AUDIENCES, ids=str)
@pytest.mark.parametrize("level", LEVELS)
def test_an_empty_period_is_no_data_in_the_panel_and_export_rows(ctx, division, audience, level):
    state = _at(EMPTY, level, division)
    panel = panel_model(ctx, state, audience)
    assert panel.total == "no data loaded" and panel.status == "empty"
    assert panel.top_areas == [] and panel.top_cells == [] and panel.themes == []
    assert panel.trend == {} and "No data loaded" in panel.trend_empty
    assert panel.notes and panel.notes[0].startswith(("No data", "No figures"))
    assert hotspot_summary(ctx, state, audience) == [
        "No data loaded for this period: no hot spot statistics."
    ]
    rows = area_rows(ctx, state, audience)
    assert rows and all(r.count.text == "no data loaded" and r.count.value is None for r in rows)
    assert all(r.change is None for r in rows)
    pieces = piece_rows(ctx, state, audience)
    assert pieces and all(p.count.text == "no data loaded" for p in pieces)
    assert all(p.measures[m][0] == "no_data" for p in pieces for m in MEASURES)


@pytest.mark.parametrize("audience", AUDIENCES, ids=str)
@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("measure", MEASURES)
def test_a_partial_period_is_drawn_as_partial(ctx, division, audience, level, measure):
    state = _at(replace(PARTIAL, measure=measure), level, division)
    model = map_model(ctx, state, audience)
    assert "(partial: data for 2 of 3 months)" in model.subtitle
    warned = [n.text for n in model.notes if n.warn and n.text.startswith("Partial:")]
    assert warned == [
        "Partial: the synthetic demo has no data for October 2024 (data for 2 of 3 months). "
        "The figures are for the months with data only; a change is compared per day over "
        "them."
    ]
    assert "no_data" not in {f.klass for f in model.features} or measure == "change"
    if measure == "change":
        # The period before (July to September 2024) has no data: nothing is compared.
        assert {f.klass for f in model.features} == {"no_data"}
        assert all(f.label == "no earlier data" for f in model.features)
        # ... and the map says so: this period has incidents, so never "no incidents".
        assert model.empty_message.startswith("No earlier data to compare with")
    else:
        assert model.empty_message is None or "No incidents" not in model.empty_message


def _per_day_checked(model, days: tuple[int, int]) -> int:
    """Every change piece's p-value against scipy with p0 from the days with data."""
    p0 = days[0] / sum(days)
    pattern = rf"This period: (\d+) in {days[0]} days; previous: (\d+) in {days[1]} days"
    checked = 0
    for f in model.features:
        found = re.search(pattern, f.hover)
        if not found:
            assert f.klass in {"withheld"}, f.hover
            continue
        a, b = int(found.group(1)), int(found.group(2))
        if a + b:
            p = stats.binomtest(a, a + b, p0).pvalue
            assert re.search(r"p ([=<] [0-9.]+)", f.hover).group(1) == _p(p)
            checked += 1
    return checked


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


@pytest.mark.parametrize("level", LEVELS)
def test_change_with_a_partial_period_is_per_day_over_the_days_with_data(ctx, division, level):
    """Part 2 and Part 1: Q4 2024/25 (90 days) against the partial Q3 (November and
    December, 61 days). Part 2's December 2018 to January 2019 has data for December only
    (31 days) against October and November (61 days), but December is a thin month (8,418
    police.uk records against October's 19,385): shown per day, not tested."""
    restricted = ViewState(
        themes=("county_lines",), month_from=date(2025, 1, 1), month_to=date(2025, 3, 1)
    )
    model = map_model(ctx, _at(replace(restricted, measure="change"), level, division),
                      Audience.RESTRICTED)  # fmt: skip
    assert _per_day_checked(model, (90, 61)) > 0
    assert any("90 days with data against 61" in n.text for n in model.notes)
    thin = replace(restricted, month_from=date(2018, 12, 1), month_to=date(2019, 1, 1))
    model = map_model(ctx, _at(replace(thin, measure="change"), level, division),
                      Audience.RESTRICTED)  # fmt: skip
    assert any("31 days with data against 61" in n.text for n in model.notes)
    per_day = [f for f in model.features if re.search(r"in 31 days; previous: [^0]", f.hover)]
    assert per_day and all("not tested (thin months)" in f.hover for f in per_day)
    assert not {f.klass for f in model.features} & {"up_sig", "down_sig", "up", "down"}
    public = ViewState(themes=("knife_crime",), month_from=date(2025, 1, 1), res=6)
    model = map_model(ctx, _at(replace(public, measure="change"), level, division),
                      Audience.PUBLIC)  # fmt: skip
    assert "Q4 2024/25" in model.subtitle
    _per_day_checked(model, (90, 61))
    assert any("90 days with data against 61" in n.text for n in model.notes)
    assert any(
        "the synthetic demo has no data for October 2024" in n.text and "61 days" in n.text
        for n in model.notes
    )
    rows = panel_model(ctx, _at(public, level, division), Audience.PUBLIC).themes
    for r in rows:
        assert r.previous.endswith("(partial)") or r.previous in {"no data", "not published"}


def test_themes_no_source_covers_read_no_data(ctx):
    """In 2018 only police.uk is loaded: it has no modern slavery or port event type."""
    state = ViewState(month_from=date(2018, 10, 1), month_to=date(2018, 12, 1))
    panel = panel_model(ctx, state, Audience.PUBLIC)
    rows = {r.label: r for r in panel.themes}
    assert (rows["Port-of-entry events"].current, rows["Port-of-entry events"].change) == (
        "no data",
        "no data loaded",
    )
    assert rows["Knife crime"].current not in {"no data", "0"}
    assert panel.restricted_districts and all(t == "no data" for _, t in panel.restricted_districts)
    restricted = panel_model(ctx, state, Audience.RESTRICTED)
    rows = {r.label: r for r in restricted.themes}
    assert rows["Modern slavery"].current == "no data"
    assert rows["Port-of-entry events"].current == "no data"
    assert any("No data for Modern slavery and Port-of-entry events" in n for n in restricted.notes)
    # The map of port events in that block: no data, not a map of zeros.
    model = map_model(ctx, replace(state, themes=("port_events",)), Audience.PUBLIC)
    assert {f.klass for f in model.features} == {"no_data"}


@pytest.mark.parametrize("audience", AUDIENCES, ids=str)
def test_top_lists_hold_only_published_counts_above_zero(ctx, audience):
    """Q3 2018/19, modern slavery-free police.uk knife crime: many divisions have none."""
    for theme in ("knife_crime", "county_lines"):
        state = ViewState(themes=(theme,), month_from=date(2018, 10, 1), month_to=date(2018, 12, 1))
        panel = panel_model(ctx, state, audience)
        assert all(r.value and r.value > 0 for r in panel.top_areas), panel.top_areas
        assert all(text not in {"0", "no data"} for _, _, text in panel.top_cells)


def test_the_public_default_is_the_latest_complete_block(ctx):
    shown = resolve_view(ctx, ViewState(), Audience.PUBLIC)
    assert (shown.month_from, shown.month_to) == (date(2026, 7, 1), date(2026, 9, 1))
    # Asking for a month of the quarter not yet complete: not published, and said so.
    october = resolve_view(ctx, ViewState(month_from=date(2026, 10, 1)), Audience.PUBLIC)
    model = map_model(ctx, october, Audience.PUBLIC)
    assert {f.klass for f in model.features} == {"no_data"}
    assert any("the quarter holding it is not complete yet" in n.text for n in model.notes)


def test_the_monthly_trend_has_gaps_where_no_data_is_loaded(ctx):
    """Part 2, November 2018 to February 2019: police.uk ends in December, so January and
    February are gaps (None), never 0; themes police.uk cannot report have no points."""
    state = ViewState(month_from=date(2018, 11, 1), month_to=date(2019, 2, 1))
    panel = panel_model(ctx, state, Audience.RESTRICTED)
    knife = panel.trend["Knife crime"]
    assert knife[2:] == [None, None] and all(v and v > 0 for v in knife[:2])
    # November and December hold data, but are thin (drawn apart, as "thin"): not gaps.
    assert panel.trend_status["Knife crime"] == ["thin", "thin", "empty", "empty"]
    assert panel.trend["Modern slavery (no data)"] == [None] * 4
    assert panel.status == "partial"
    assert panel.period.endswith("(partial: data for 2 of 4 months)")
