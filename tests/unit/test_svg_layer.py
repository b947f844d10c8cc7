"""The print map's bottom layer written as SVG (dashboard/export/_svg_layer.py): paths read
back point for point, the split of the figure's traces, valid nested SVG, and pattern ids
unique across maps in one page. The picture itself is compared with plotly.js's drawing in
tests/integration/test_export_maps.py and test_export_basemap.py."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.export._svg_layer import _dash, _path, layered_map, split_at

pytestmark = pytest.mark.unit


@settings(max_examples=200, deadline=None)
@given(
    runs=st.lists(
        st.lists(st.tuples(st.floats(-1e4, 1e4), st.floats(-1e4, 1e4)), min_size=1, max_size=6),
        min_size=1,
        max_size=5,
    ),
    close=st.booleans(),
)
def test_a_path_holds_every_point_of_every_run_in_order(runs, close):
    x = np.concatenate([np.append([p[0] for p in r], np.nan) for r in runs])
    y = np.concatenate([np.append([p[1] for p in r], np.nan) for r in runs])
    d = _path(x, y, close=close)
    subpaths = re.findall(r"M[^M]*", d)
    assert len(subpaths) == len(runs)
    for sub, run in zip(subpaths, runs, strict=True):
        assert sub.endswith("Z") is close
        points = re.findall(r"(-?[\d.]+),(-?[\d.]+)", sub)
        assert len(points) == len(run)
        for (a, b), (px, py) in zip(points, run, strict=True):
            assert float(a) == pytest.approx(px, abs=0.0051)  # to 0.01 px
            assert float(b) == pytest.approx(py, abs=0.0051)


def test_a_path_of_gaps_only_is_empty():
    assert _path(np.array([np.nan, np.nan]), np.array([np.nan, 1.0]), close=True) == ""


def test_dashes_scale_with_the_line_as_plotly_js_does():
    assert _dash("dash", 1.0) == ' stroke-dasharray="9,9"'  # 3 x max(width, 3)
    assert _dash("dash", 4.0) == ' stroke-dasharray="12,12"'
    assert _dash("solid", 2.0) == "" and _dash(None, 2.0) == ""


def _figure() -> go.Figure:
    fig = go.Figure()
    ring = {"x": [0, 10, 10, 0, 0, None, 2, 2, 4, 2], "y": [0, 0, 10, 10, 0, None, 2, 4, 2, 2]}
    fig.add_trace(go.Scatter(**ring, mode="lines", fill="toself", fillcolor="#ff0000",
                             fillpattern={"shape": "/", "bgcolor": "#ff0000",
                                          "fgcolor": "#000000", "size": 5}))  # fmt: skip
    fig.add_trace(go.Scatter(x=[0, 10], y=[5, 5], mode="lines", line={"dash": "dash"}))
    fig.add_trace(go.Scatter(x=[5], y=[5], mode="markers"))
    fig.add_trace(go.Scatter(x=[0, 10], y=[0, 10], mode="lines"))
    fig.update_layout(xaxis={"range": [0, 10]}, yaxis={"range": [0, 10]})
    return fig


def test_the_bottom_layer_is_the_leading_line_and_fill_traces():
    assert split_at(_figure()) == 2  # the line after the markers is drawn over them


def _plotly_like(figure: go.Figure, width: int, height: int) -> str:
    """A stand-in for plotly.js's SVG of the top traces (the browser is tested elsewhere)."""
    kinds = ",".join(t.mode for t in figure.data)
    head = f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
    return f"{head}<desc>{kinds}</desc></svg>"


def test_the_layers_nest_in_one_valid_svg_with_unique_pattern_ids():
    one = layered_map(_figure(), 100, 100, _plotly_like)
    two = layered_map(_figure(), 100, 100, _plotly_like)
    root = ET.fromstring(one)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg" and root.get("viewBox") == "0 0 100 100"
    assert root.find(f"{ns}svg/{ns}desc").text == "markers,lines"  # the top: the rest
    (pattern,) = root.iter(f"{ns}pattern")
    fills = [p for p in root.iter(f"{ns}path") if p.get("fill", "").startswith("url(")]
    assert [f.get("fill") for f in fills] == [f"url(#{pattern.get('id')})"]
    # y runs down in SVG: the square's corner (0, 0) is at the foot of the frame.
    assert fills[0].get("d").startswith("M0.00,100.00L100.00,100.00")
    ids = set(re.findall(r'<pattern id="([^"]+)"', one)) & set(
        re.findall(r'<pattern id="([^"]+)"', two)
    )
    assert not ids  # two maps in one pack never share a pattern id
