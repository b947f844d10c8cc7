"""Trend lines that show which points are partial or thin: one series as plotly trace dicts.

A point whose period is not all loaded (a quarter holding one month of data) is drawn as a
hollow marker, joined to its neighbours by a dashed line, and named "partial" in its hover
and in the legend; a point holding a thin month (far fewer records than usual) likewise, as
a hollow diamond named "thin"; a period without data is a gap. Solid markers and lines join complete
points only, so no solid line ever runs from a whole period to a part of one. The side panel
and the briefing pack's charts draw with these.
"""

from __future__ import annotations

PARTIAL_NAME = "partial period (not every month loaded)"
THIN_NAME = "thin month (far fewer records than usual: likely incomplete)"
# The points drawn apart from complete ones: legend name, marker and hover words. A thin
# point (geo/store/_coverage.py) has data, but fewer records than its source's reference
# month, as a month often has when first published: read like a partial one, never as a
# fall in crime.
MARKS = {
    "partial": (PARTIAL_NAME, "circle-open", "partial: not every month loaded"),
    "thin": (THIN_NAME, "diamond-open", "thin: far fewer records than usual"),
}


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
    marked = {
        kind: [i for i, s in enumerate(status) if s == kind and values[i] is not None]
        for kind in MARKS
    }
    if not any(marked.values()):
        return traces
    dx: list = []
    dy: list = []
    for i in range(len(values) - 1):
        ends = (i, i + 1)
        touches = any(status[j] in MARKS for j in ends)
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
    for kind, points in marked.items():
        if not points:
            continue
        legend, symbol, hover = MARKS[kind]
        hollow = {
            "type": "scatter",
            "x": [x[i] for i in points],
            "y": [values[i] for i in points],
            "name": legend,
            "legendgroup": f"{name} {kind}",
            "showlegend": show_partial_legend,
            "mode": "markers+text" if text else "markers",
            "marker": {
                "color": colour,
                "size": marker_size + 3,
                "symbol": symbol,
                "line": {"color": colour, "width": 2},
            },
            "customdata": [kind] * len(points),
            "hovertemplate": f"%{{x}}: %{{y:,}} ({hover})<extra>{name}</extra>",
        }
        if text:
            hollow.update(
                text=[f"{labels[i]} ({kind})" for i in points],
                textposition="top center",
                cliponaxis=False,
            )
        traces.append(hollow)
    return traces
