"""Trend lines that show which points are partial: one series as plotly trace dicts.

A point whose period is not all loaded (a quarter holding one month of data) is drawn as a
hollow marker, joined to its neighbours by a dashed line, and named "partial" in its hover
and in the legend; a period without data is a gap. Solid markers and lines join complete
points only, so no solid line ever runs from a whole period to a part of one. The side panel
and the briefing pack's charts draw with these.
"""

from __future__ import annotations

PARTIAL_NAME = "partial period (not every month loaded)"


def series_traces(
    x: list,
    values: list[int | None],
    status: list[str] | None,
    *,
    name: str,
    colour: str,
    text: bool = False,
    marker_size: int = 6,
    show_partial_legend: bool = True,
) -> list[dict]:
    """Traces for one series: complete points (solid), links touching a partial point
    (dashed), partial points (hollow markers)."""
    status = list(status or ["complete"] * len(values))
    complete = [v if s == "complete" else None for v, s in zip(values, status, strict=True)]
    labels = [f"{v:,}" if v is not None else "" for v in values]
    solid = {
        "type": "scatter",
        "x": list(x),
        "y": complete,
        "name": name,
        "legendgroup": name,
        "mode": "lines+markers+text" if text else "lines+markers",
        "line": {"color": colour, "width": 2},
        "marker": {"color": colour, "size": marker_size, "symbol": "circle"},
        "connectgaps": False,
        "hovertemplate": "%{x}: %{y:,}<extra>" + name + "</extra>",
    }
    if text:
        solid.update(
            text=[t if s == "complete" else "" for t, s in zip(labels, status, strict=True)],
            textposition="top center",
            cliponaxis=False,
        )
    traces = [solid]
    partial = [i for i, s in enumerate(status) if s == "partial" and values[i] is not None]
    if not partial:
        return traces
    dx: list = []
    dy: list = []
    for i in range(len(values) - 1):
        ends = (i, i + 1)
        touches = any(status[j] == "partial" for j in ends)
        if touches and all(values[j] is not None for j in ends):
            dx += [x[i], x[i + 1], None]
            dy += [values[i], values[i + 1], None]
    if dx:
        traces.append(
            {
                "type": "scatter",
                "x": dx,
                "y": dy,
                "mode": "lines",
                "line": {"color": colour, "width": 2, "dash": "dash"},
                "legendgroup": name,
                "showlegend": False,
                "hoverinfo": "skip",
                "connectgaps": False,
            }
        )
    hollow = {
        "type": "scatter",
        "x": [x[i] for i in partial],
        "y": [values[i] for i in partial],
        "name": PARTIAL_NAME,
        "legendgroup": f"{name} partial",
        "showlegend": show_partial_legend,
        "mode": "markers+text" if text else "markers",
        "marker": {
            "color": colour,
            "size": marker_size + 3,
            "symbol": "circle-open",
            "line": {"color": colour, "width": 2},
        },
        "customdata": ["partial"] * len(partial),
        "hovertemplate": "%{x}: %{y:,} (partial: not every month loaded)<extra>"
        + name
        + "</extra>",
    }
    if text:
        hollow.update(
            text=[f"{labels[i]} (partial)" for i in partial],
            textposition="top center",
            cliponaxis=False,
        )
    traces.append(hollow)
    return traces
