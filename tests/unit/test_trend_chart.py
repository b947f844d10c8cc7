"""The briefing pack's trend charts: a theme with no point says why in its chart, with no
scale to read a 0 from (a reviewer read an empty port-of-entry chart over its 0 line as
"none happened"); a theme with points keeps its scale and says nothing of the kind."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.export._charts import NO_DATA_TEXT, WITHHELD_TEXT, trend_figure

pytestmark = pytest.mark.unit

MONTHS = [date(2018, 10, 1), date(2018, 11, 1), date(2018, 12, 1)]


def _chart(series, status):
    fig = trend_figure(MONTHS, series, 700, status=status)
    notes = {}
    for a in fig.layout.annotations:
        if a.text in (NO_DATA_TEXT, WITHHELD_TEXT):
            notes[a.xref.split()[0]] = a.text
    return fig, notes


def test_an_empty_theme_says_no_data_loaded_and_shows_no_scale():
    fig, notes = _chart(
        {"Knife crime": [20, 1, 0], "Port-of-entry events": [None, None, None]},
        {"Knife crime": ["complete"] * 3, "Port-of-entry events": ["empty"] * 3},
    )
    assert notes == {"x2": NO_DATA_TEXT}
    assert fig.layout.yaxis2.showticklabels is False and fig.layout.yaxis2.zeroline is False
    # The theme with points keeps its scale, its 0 line and its values (a 0 is a real 0).
    assert fig.layout.yaxis.showticklabels is not False and fig.layout.yaxis.zeroline
    texts = [t for tr in fig.data if tr.text is not None for t in tr.text]
    assert "0" in texts


def test_a_theme_whose_every_figure_is_withheld_says_so_not_no_data():
    _, notes = _chart(
        {"County lines": [5, 7, 6], "Modern slavery": [None, None, None]},
        {"County lines": ["complete"] * 3, "Modern slavery": ["complete", "partial", "complete"]},
    )
    assert notes == {"x2": WITHHELD_TEXT}


def test_a_theme_with_some_points_is_not_called_empty():
    _, notes = _chart(
        {"Knife crime": [None, 4, None]}, {"Knife crime": ["empty", "complete", "empty"]}
    )
    assert notes == {}


def test_without_status_an_empty_series_is_no_data():
    _, notes = _chart({"Knife crime": [None, None, None]}, None)
    assert notes == {"x": NO_DATA_TEXT}


def test_thin_and_partial_points_are_drawn_apart_each_with_its_own_mark():
    """A point holding a thin month is a hollow diamond named "thin", a partial one a
    hollow circle; lines touching either are dashed, and only complete points are joined
    by the solid line (so no solid fall runs into a month short of records)."""
    from dashboard.figures.trend import PARTIAL_NAME, THIN_NAME, series_traces

    x = ["Oct", "Nov", "Dec", "Jan"]
    traces = series_traces(
        x, [113, 70, 63, 50], ["complete", "thin", "thin", "partial"], name="k", colour="#000"
    )
    solid, dashed, *marks = traces
    assert solid["y"] == [113, None, None, None]
    assert dashed["line"]["dash"] == "dash" and dashed["x"].count(None) == 3
    by_name = {m["name"]: m for m in marks}
    assert by_name[THIN_NAME]["marker"]["symbol"] == "diamond-open"
    assert by_name[THIN_NAME]["x"] == ["Nov", "Dec"]
    assert by_name[PARTIAL_NAME]["marker"]["symbol"] == "circle-open"
    assert by_name[PARTIAL_NAME]["x"] == ["Jan"]
