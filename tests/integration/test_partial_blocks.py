"""A quarter holding one loaded month is partial: drawn as partial, compared per day over its
days with data, and never the public default.

The review's case, built on purpose: police.uk knife crime with September 2018 (50) and
October to December 2018 (45 + 46 + 45 = 136). Q2 2018/19 (July to September) holds one
month of data. Plotted as a whole quarter the trend jumps 50 -> 136, "up 172%"; per day it is
50 in 30 days against 136 in 92 days, down 11%.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dashboard.features.panel import _trend_figure
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.map_view import map_model
from dashboard.views.panel_view import panel_model
from dashboard.views.public import resolve_view
from geo.disclosure import Audience
from geo.settings import Settings
from geo.store import Store
from socmap.cli import EXIT_NO_DATA, main
from tests.support.synthetic import MAIDSTONE, disk_polygon, insert_area, insert_incidents

COUNTS = {date(2018, 9, 1): 50, date(2018, 10, 1): 45, date(2018, 11, 1): 46, date(2018, 12, 1): 45}


def _store(path, months) -> Settings:
    settings = Settings(db_path=path, cookie_secure=False)
    store = Store(path)
    insert_area(store, "district", "E07000110", "Maidstone", disk_polygon(MAIDSTONE, 8))
    insert_area(
        store, "division", "E58000711", "Maidstone Central", disk_polygon(MAIDSTONE, 8),
        parent="E07000110",
    )  # fmt: skip
    rng = np.random.default_rng(1)
    rows = []
    for month in months:
        n = COUNTS[month]
        rows.append(
            pd.DataFrame(
                {
                    "category": "Possession of weapons",
                    "month": [month] * n,
                    "latitude": MAIDSTONE[0] + rng.normal(0, 0.01, n),
                    "longitude": MAIDSTONE[1] + rng.normal(0, 0.015, n),
                    "district": "E07000110",
                    "division": "E58000711",
                }
            )
        )
    insert_incidents(store, pd.concat(rows, ignore_index=True))
    store.close()
    return settings


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    settings = _store(tmp_path_factory.mktemp("partial") / "s.duckdb", list(COUNTS))
    c = AppContext.create(Store(settings.db_path), settings)
    yield c
    c.store.close()


def test_the_default_is_the_latest_complete_quarter(ctx):
    shown = resolve_view(ctx, ViewState(), Audience.PUBLIC)
    assert (shown.month_from, shown.month_to) == (date(2018, 10, 1), date(2018, 12, 1))


def test_the_trend_marks_the_one_month_quarter_partial_in_the_figure_data(ctx):
    panel = panel_model(ctx, ViewState(), Audience.PUBLIC)
    name = "Knife crime (published)"
    assert panel.trend_labels == ["Q2<br>18/19", "Q3<br>18/19"]
    assert panel.trend[name] == [50, 136]
    assert panel.trend_status[name] == ["partial", "complete"]
    figure = _trend_figure(panel)
    solid, dashed, hollow = figure["data"]
    # The solid line and filled markers hold complete points only.
    assert solid["y"] == [None, 136] and solid["marker"]["symbol"] == "circle"
    # The partial point: a hollow marker, said in its hover and in the legend.
    assert hollow["x"] == ["Q2<br>18/19"] and hollow["y"] == [50]
    assert hollow["marker"]["symbol"] == "circle-open"
    assert hollow["customdata"] == ["partial"]
    assert "partial" in hollow["name"] and "partial" in hollow["hovertemplate"]
    # The segment to it is dashed.
    assert dashed["line"]["dash"] == "dash" and dashed["y"] == [50, 136, None]
    # The key is page text under the chart (a legend inside it covered the axis): the theme's
    # line and the hollow partial marker.
    from dashboard.features.panel import trend_legend
    from dashboard.figures.trend import PARTIAL_NAME

    assert figure["layout"]["showlegend"] is False
    key = str(trend_legend(panel))
    assert name in key and PARTIAL_NAME in key


def test_a_whole_quarter_is_compared_with_a_partial_one_per_day(ctx):
    rows = {r.label: r for r in panel_model(ctx, ViewState(), Audience.PUBLIC).themes}
    knife = rows["Knife crime"]
    assert (knife.current, knife.previous) == ("136", "50 (partial)")
    p = stats.binomtest(136, 186, 92 / 122).pvalue
    assert p > 0.05
    assert knife.change == "down 11% per day, not significant (partial period)"
    assert stats.binomtest(136, 186, 0.5).pvalue < 1e-6  # the "tripling" it once read as


def test_the_partial_quarter_can_be_chosen_and_is_drawn_as_partial(ctx):
    state = ViewState(month_from=date(2018, 9, 1))
    shown = resolve_view(ctx, state, Audience.PUBLIC)
    assert (shown.month_from, shown.month_to) == (date(2018, 7, 1), date(2018, 9, 1))
    model = map_model(ctx, state, Audience.PUBLIC)
    assert model.subtitle.endswith("(partial: data for 1 of 3 months)")
    assert any(n.warn and "no data for July and August 2018" in n.text for n in model.notes)


@pytest.fixture(scope="module")
def no_complete(tmp_path_factory):
    """September and October only: Q2 is partial and Q3 is not over."""
    settings = _store(
        tmp_path_factory.mktemp("nocomplete") / "s.duckdb", [date(2018, 9, 1), date(2018, 10, 1)]
    )
    c = AppContext.create(Store(settings.db_path), settings)
    yield c
    c.store.close()


def test_with_no_complete_quarter_the_public_view_says_so(no_complete, capsys):
    shown = resolve_view(no_complete, ViewState(), Audience.PUBLIC)
    assert shown.month_from is None and shown.month_to is None
    model = map_model(no_complete, ViewState(), Audience.PUBLIC)
    assert {f.klass for f in model.features} == {"no_data"}
    said = [n.text for n in model.notes if n.warn]
    assert said[0] == (
        "No complete quarter of Knife crime data is loaded yet, so nothing is shown. Partial "
        "quarters can be chosen: Q2 2018/19 (July to September 2018)."
    )
    panel = panel_model(no_complete, ViewState(), Audience.PUBLIC)
    assert panel.total == "no data loaded" and panel.trend == {}
    db = str(no_complete.store.path)
    assert main(["--db", db, "export", "data", "--out", "/dev/null/x.csv"]) == EXIT_NO_DATA
    assert "No complete quarter of Knife crime data is loaded yet" in capsys.readouterr().err
