"""The basemap on paper: the same layers the dashboard draws (``dashboard.views.basemap``),
as filled and line ``Scatter`` traces in British National Grid under the hexagons, the place
names placed with the map's other labels (after them: an area's name, a port or a county line
matters more than a village), and the attribution the licences require printed on the map."""

from __future__ import annotations

from html import escape

import numpy as np
import plotly.graph_objects as go

from dashboard.export import _bng
from dashboard.export._labels import Placer
from dashboard.figures.map_figure import COAST, LAND, RAIL, RIVER, ROAD, SEA, WATER
from dashboard.views.basemap import MapBase

# Type by settlement class on paper (points): (size, weight).
_TYPE = {1: (10, 700), 2: (9, 600), 3: (7, 400), 4: (7, 400)}
# Around the point, in this order: the place's own spot first.
_PLACES = ("middle center", "top center", "bottom center", "middle right", "middle left")
_LINE_PT = {"county": 0.6, "district": 0.9, "division": 1.1}


def basemap_traces(base: MapBase) -> list[go.Scatter]:
    """The layers bottom to top: sea, land, inland water, coast, rivers, roads, railways."""
    width = _LINE_PT.get(base.level, 0.8)
    traces = []
    for shapes, colour in (
        ([base.sea] if base.sea else [], SEA),
        (base.land, LAND),
        (base.water, WATER),
    ):
        if shapes:
            x, y = _bng.rings_xy(_bng.shapes_to_bng(list(shapes)))
            traces.append(_trace(x, y, fill=colour, line={"width": 0, "color": colour}))
    for shapes, colour, dash in (
        (base.coastline, COAST, None),
        (base.rivers, RIVER, None),
        (base.roads, ROAD, None),
        (base.railways, RAIL, "dash"),
    ):
        if shapes:
            x, y = _bng.lines_xy(_bng.shapes_to_bng(list(shapes)))
            traces.append(_trace(x, y, line={"width": width, "color": colour, "dash": dash}))
    return traces


def _trace(x: np.ndarray, y: np.ndarray, *, fill: str | None = None, line: dict) -> go.Scatter:
    return go.Scatter(
        x=x,
        y=y,
        mode="lines",
        fill="toself" if fill else None,
        fillcolor=fill,
        line=line,
        hoverinfo="skip",
        showlegend=False,
    )


def place_names(placer: Placer, base: MapBase) -> int:
    """Place the basemap's names where they fit (in priority order: cities, towns,
    villages, suburbs; places in Kent and Medway before those beyond). Returns how many of
    ``placer.placed`` (the last ones) are place names."""
    if not base.labels:
        return 0
    before = len(placer.placed)
    ordered = sorted(
        range(len(base.labels)),
        key=lambda i: (not base.labels[i].in_kent_medway, base.labels[i].rank, i),
    )
    x, y = _bng.lonlat_to_bng([lb.lon for lb in base.labels], [lb.lat for lb in base.labels])
    for i in ordered:
        size, weight = _TYPE.get(base.labels[i].rank, _TYPE[4])
        placer.place(
            escape(base.labels[i].name), float(x[i]), float(y[i]), size,
            positions=_PLACES, weight=weight,
        )  # fmt: skip
    return len(placer.placed) - before


_ATTRIBUTION_PT = 7
_ATTRIBUTION_CHARS = 110  # per line


def attribution_lines(base: MapBase) -> list[str]:
    """The attribution in lines of at most about 110 characters, broken between parts."""
    lines: list[str] = []
    for part in base.attribution.split("; ") if base.attribution else []:
        if lines and len(lines[-1]) + 2 + len(part) <= _ATTRIBUTION_CHARS:
            lines[-1] += "; " + part
        else:
            lines.append(part)
    return lines


def attribution_annotation(base: MapBase, font: str, placer: Placer) -> dict | None:
    """The basemap's attribution, small, at the foot of the map frame (bottom left: the
    scale bar is bottom right), kept clear of labels."""
    lines = attribution_lines(base)
    if not lines:
        return None
    per_px = placer.per_px
    width = max(len(line) for line in lines) * 0.55 * _ATTRIBUTION_PT * per_px
    height = len(lines) * 1.3 * _ATTRIBUTION_PT * per_px
    placer.block(placer.x0, placer.y0, placer.x0 + width, placer.y0 + height)
    return {
        "text": "<br>".join(escape(line) for line in lines),
        "x": 0.0,
        "y": 0.0,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "left",
        "yanchor": "bottom",
        "showarrow": False,
        "align": "left",
        "font": {"family": font, "size": _ATTRIBUTION_PT, "color": "#3d444d"},
        "bgcolor": "rgba(255,255,255,0.85)",
    }
