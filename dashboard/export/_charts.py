"""Monthly trend charts for the briefing pack: one small chart per theme, in one figure."""

from __future__ import annotations

import math
from datetime import date

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.export._print_figure import FONT
from dashboard.figures.trend import series_traces

# The side panel's trend colours (dark, distinct, readable with colour-vision deficiencies).
COLOURS = ["#0b4f8a", "#b35806", "#1b7837", "#762a83", "#57606a"]
PANEL_HEIGHT_PX = 210


def trend_figure(
    months: list[date],
    series: dict[str, list[int | None]],
    width: int,
    labels: list[str] | None = None,
    *,
    status: dict[str, list[str]] | None = None,
) -> go.Figure:
    """Small multiples, two to a row, each with its own scale from zero and its values
    printed on the points (withheld months, and months with no data loaded, are gaps). With
    ``labels`` (the public pack: one point per period block) the points are named by them
    instead of by month. A partial point (``status``) is a hollow marker on a dashed line,
    printed "(partial)"."""
    names = list(series)
    cols = 2 if len(names) > 1 else 1
    rows = max(1, math.ceil(len(names) / cols))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=names,
        horizontal_spacing=0.1,
        vertical_spacing=0.16 if rows > 1 else 0.1,
    )
    empty: list[tuple[str, int, int]] = []
    for i, name in enumerate(names):
        values = series[name]
        for trace in series_traces(
            labels or months,
            values,
            (status or {}).get(name),
            name=name,
            colour=COLOURS[i % len(COLOURS)],
            text=True,
        ):
            kind = trace.pop("type")
            assert kind == "scatter"
            trace["textfont"] = {"size": 9, "family": FONT}
            fig.add_trace(go.Scatter(**trace), row=i // cols + 1, col=i % cols + 1)
        top = max((v for v in values if v is not None), default=0)
        # Room above the highest point for its label; at least 0 to 5 for an empty series.
        fig.update_yaxes(range=[0, max(top * 1.25, 5)], row=i // cols + 1, col=i % cols + 1)
        if all(v is None for v in values):
            empty.append((name, i // cols + 1, i % cols + 1))
    fig.update_yaxes(
        gridcolor="#e6e9ed",
        zeroline=True,
        zerolinecolor="#8c959f",
        tickfont={"size": 9},
        autorange=False,
    )
    if labels:
        fig.update_xaxes(type="category", tickfont={"size": 9}, showgrid=False, ticks="outside")
    else:
        fig.update_xaxes(
            tickformat="%b %Y",
            tickfont={"size": 9},
            showgrid=False,
            ticks="outside",
            dtick="M1" if len(months) <= 8 else "M3",
        )
    fig.update_annotations(font={"size": 11, "family": FONT})
    for name, row, col in empty:  # after the axes' and titles' common style: it differs
        _say_why_empty(fig, (status or {}).get(name), row=row, col=col)
    fig.update_layout(
        width=width,
        height=PANEL_HEIGHT_PX * rows,
        showlegend=False,
        margin={"l": 40, "r": 12, "t": 28, "b": 30},
        paper_bgcolor="white",
        plot_bgcolor="white",
        font={"family": FONT, "color": "#1f2328"},
    )
    return fig


NO_DATA_TEXT = "No data loaded<br>(not a count of 0)"
WITHHELD_TEXT = "Every figure withheld<br>(not a count of 0)"


def _say_why_empty(fig: go.Figure, status: list[str] | None, *, row: int, col: int) -> None:
    """A chart with no point says why in its plot area, and shows no scale: an empty frame
    over a 0 line reads as "none happened" (a reviewer read the port-of-entry chart so)."""
    empty = not status or all(s == "empty" for s in status)
    fig.add_annotation(
        text=NO_DATA_TEXT if empty else WITHHELD_TEXT,
        name="empty-chart",
        xref="x domain",
        yref="y domain",
        x=0.5,
        y=0.5,
        showarrow=False,
        font={"size": 10, "color": "#57606a", "family": FONT},
        row=row,
        col=col,
    )
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, row=row, col=col)
