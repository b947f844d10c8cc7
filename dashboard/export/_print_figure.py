"""A :class:`MapModel` drawn for paper: vector shapes in British National Grid.

The dashboard draws the same model with MapLibre over Web Mercator; on paper the map is drawn
with plain filled ``Scatter`` traces in grid metres instead: no WebGL and no tiles (which come
out blank or missing in static exports), equal scale in both directions, so the scale bar is
true, and crisp vector output with real text. Classes and colours are the model's own, so the
paper map matches the screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from dashboard.export import _bng
from dashboard.figures.palette import WITHHELD_HATCH
from dashboard.views.map_model import Feature, LegendItem, MapModel, Outline

FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
PIECE_EDGE = "#a9b1ba"  # a little lighter than on screen: boundaries must stand out on paper
LINK_COLOUR = "rgba(106,61,154,0.7)"
PORT_COLOUR = "#1b7837"
_PAD = 0.03  # white space around the area, as a share of its size
_NICE = (1, 2, 2.5, 5)


@dataclass(frozen=True)
class Frame:
    """The map's drawing area in CSS pixels (96 to the inch)."""

    width: int
    height: int


@dataclass(frozen=True)
class Extent:
    x0: float
    x1: float
    y0: float
    y1: float

    @property
    def metres_per_px(self) -> float:
        return self.x1 - self.x0


@dataclass(frozen=True)
class Label:
    """A place name drawn on the map (district or division names)."""

    text: str
    lon: float
    lat: float
    size: int = 11
    width_m: float | None = None  # the area's width: a name much wider is left off

    def fits(self, metres_per_px: float) -> bool:
        if self.width_m is None:
            return True
        text_px = 0.55 * self.size * len(self.text)  # Liberation Sans, bold, on average
        return text_px <= 1.15 * self.width_m / metres_per_px


def print_figure(model: MapModel, frame: Frame, labels: tuple[Label, ...] = ()) -> go.Figure:
    extent = fit_extent(_bng.bounds_to_bng(model.bounds), frame)
    fig = go.Figure()
    for item in model.legend:
        fig.add_trace(_class_trace(item, [f for f in model.features if f.klass == item.key]))
    for outline in model.outlines:
        fig.add_trace(_outline_trace(outline))
    _add_links(fig, model)
    _add_ports(fig, model)
    per_px = (extent.x1 - extent.x0) / frame.width
    shown = tuple(lb for lb in labels if lb.fits(per_px))
    if shown:
        fig.add_trace(_label_trace(shown))
    _add_scale_bar(fig, extent, frame)
    _add_north_arrow(fig, frame)
    _layout(fig, extent, frame)
    if model.empty_message:
        fig.add_annotation(
            text=model.empty_message,
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
            showarrow=False,
            font={"size": 14},
            bgcolor="white",
        )
    return fig


def fit_extent(bounds: tuple[float, ...], frame: Frame) -> Extent:
    """The BNG box shown: the area's box with a margin, widened in one direction to the
    frame's shape, so both axes have the same metres per pixel."""
    x0, y0, x1, y1 = bounds
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    x0, x1, y0, y1 = x0 - _PAD * w, x1 + _PAD * w, y0 - _PAD * h, y1 + _PAD * h
    per_px = max((x1 - x0) / frame.width, (y1 - y0) / frame.height)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = per_px * frame.width / 2, per_px * frame.height / 2
    return Extent(cx - half_w, cx + half_w, cy - half_h, cy + half_h)


def _class_trace(item: LegendItem, feats: list[Feature]) -> go.Scatter:
    x, y = _bng.rings_xy(_bng.shapes_to_bng([f.geometry for f in feats]) if feats else [])
    # Withheld counts are hatched on paper: light, and plainly not a colour of the scale.
    hatch = (
        {"shape": "/", "bgcolor": item.colour, "fgcolor": WITHHELD_HATCH, "size": 7,
         "solidity": 0.12}
        if item.key == "withheld"
        else None
    )  # fmt: skip
    return go.Scatter(
        x=x,
        y=y,
        mode="lines",
        fill="toself",
        fillcolor=item.colour,
        fillpattern=hatch,
        line={"width": 0.3, "color": PIECE_EDGE},
        name=item.label,
        hoverinfo="skip",
        showlegend=False,
    )


def _lines_xy(coords) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) line strings as BNG x and y arrays separated by NaN."""
    gap = np.array([[np.nan, np.nan]])
    parts = [part for line in coords for part in (np.asarray(line, dtype=float), gap)]
    if not parts:
        return np.array([]), np.array([])
    lonlat = np.concatenate(parts)
    x, y = _bng.lonlat_to_bng(lonlat[:, 0], lonlat[:, 1])
    keep = np.isfinite(x) & np.isfinite(y)
    return np.where(keep, np.round(x, 1), np.nan), np.where(keep, np.round(y, 1), np.nan)


def _outline_trace(outline: Outline) -> go.Scatter:
    x, y = _lines_xy(outline.coords)
    return go.Scatter(
        x=x,
        y=y,
        mode="lines",
        hoverinfo="skip",
        showlegend=False,
        line={"width": outline.width, "color": outline.colour},
        name=outline.name,
    )


def _add_links(fig: go.Figure, model: MapModel) -> None:
    if not model.links:
        return
    top = max(link.lines for link in model.links) or 1
    for link in model.links:
        x, y = _lines_xy([(link.origin_lonlat, link.destination_lonlat)])
        fig.add_trace(
            go.Scatter(
                x=x[:2],
                y=y[:2],
                mode="lines+markers",
                hoverinfo="skip",
                showlegend=False,
                marker={"size": [4, 7], "color": "#6a3d9a"},
                line={"width": 1 + 4 * link.lines / top, "color": LINK_COLOUR},
            )
        )


def _add_ports(fig: go.Figure, model: MapModel) -> None:
    if not model.ports:
        return
    top = max(p.events for p in model.ports) or 1
    x, y = _bng.lonlat_to_bng(
        [p.lonlat[0] for p in model.ports], [p.lonlat[1] for p in model.ports]
    )
    fig.add_trace(
        go.Scatter(
            x=x.tolist(),
            y=y.tolist(),
            mode="markers+text",
            hoverinfo="skip",
            showlegend=False,
            marker={
                "size": [8 + 14 * math.sqrt(p.events / top) for p in model.ports],
                "color": PORT_COLOUR,
                "opacity": 0.85,
                "line": {"width": 1, "color": "white"},
            },
            text=[p.name for p in model.ports],
            textposition="middle right",
            textfont={"family": FONT, "size": 10, "color": "#0f3d1e", "shadow": "auto"},
        )
    )


def _label_trace(labels: tuple[Label, ...]) -> go.Scatter:
    x, y = _bng.lonlat_to_bng([lb.lon for lb in labels], [lb.lat for lb in labels])
    return go.Scatter(
        x=x.tolist(),
        y=y.tolist(),
        mode="text",
        text=[lb.text for lb in labels],
        hoverinfo="skip",
        showlegend=False,
        cliponaxis=True,
        # A white halo keeps names legible over any class colour.
        textfont={
            "family": FONT,
            "size": [lb.size for lb in labels],
            "color": "#1f2328",
            "weight": 600,
            "shadow": "0px 0px 2px #ffffff",
        },
    )


def nice_length(max_metres: float) -> float:
    """The longest 1, 2, 2.5 or 5 times a power of ten not over ``max_metres``."""
    power = 10 ** math.floor(math.log10(max(max_metres, 1.0)))
    return max(n * power for n in _NICE if n * power <= max_metres)


def _add_scale_bar(fig: go.Figure, extent: Extent, frame: Frame) -> None:
    """Four alternating segments at the bottom right, on a white box, in grid metres."""
    per_px = (extent.x1 - extent.x0) / frame.width
    length = nice_length(0.22 * frame.width * per_px)
    right = extent.x1 - 18 * per_px
    left = right - length
    base = extent.y0 + 22 * per_px
    bar_h = 5 * per_px
    fig.add_shape(
        type="rect",
        x0=left - 10 * per_px,
        x1=right + 22 * per_px,
        y0=base - 8 * per_px,
        y1=base + 26 * per_px,
        fillcolor="rgba(255,255,255,0.9)",
        line={"width": 0},
        layer="above",
    )
    for i in range(4):
        seg = length / 4
        fig.add_shape(
            type="rect",
            x0=left + i * seg,
            x1=left + (i + 1) * seg,
            y0=base,
            y1=base + bar_h,
            fillcolor="#1f2328" if i % 2 == 0 else "white",
            line={"width": 0.8, "color": "#1f2328"},
            layer="above",
        )
    for frac in (0, 0.5, 1):
        text = _distance_text(length * frac, final=frac == 1)
        fig.add_annotation(
            x=left + frac * length,
            y=base + bar_h,
            text=text,
            showarrow=False,
            yanchor="bottom",
            yshift=1,
            font={"size": 10, "family": FONT},
        )


def _distance_text(metres: float, *, final: bool) -> str:
    if metres == 0:
        return "0"
    value = metres / 1000 if metres >= 1000 else metres
    unit = " km" if metres >= 1000 else " m"
    text = f"{value:g}"
    return text + unit if final else text


def _add_north_arrow(fig: go.Figure, frame: Frame) -> None:
    """Grid north, top right, on a white box so it reads over any hexagon."""
    x = 1 - 26 / frame.width
    top = 1 - 10 / frame.height
    fig.add_shape(
        type="rect",
        xref="paper",
        yref="paper",
        x0=x - 14 / frame.width,
        x1=x + 14 / frame.width,
        y0=top - 72 / frame.height,
        y1=top,
        fillcolor="rgba(255,255,255,0.9)",
        line={"width": 0},
        layer="above",
    )
    fig.add_annotation(
        x=x,
        y=top - 26 / frame.height,
        xref="paper",
        yref="paper",
        ax=0,
        ay=40,
        showarrow=True,
        arrowhead=2,
        arrowsize=1.3,
        arrowwidth=2.2,
        arrowcolor="#1f2328",
        text="",
    )
    fig.add_annotation(
        x=x,
        y=top - 2 / frame.height,
        xref="paper",
        yref="paper",
        yanchor="top",
        showarrow=False,
        text="<b>N</b>",
        font={"size": 14, "family": FONT},
    )


def _layout(fig: go.Figure, extent: Extent, frame: Frame) -> None:
    hidden = {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": True}
    fig.update_layout(
        width=frame.width,
        height=frame.height,
        margin={"l": 0, "r": 0, "t": 0, "b": 0, "pad": 0},
        paper_bgcolor="white",
        plot_bgcolor="white",
        showlegend=False,
        font={"family": FONT, "color": "#1f2328"},
        xaxis={**hidden, "range": [extent.x0, extent.x1]},
        yaxis={**hidden, "range": [extent.y0, extent.y1], "scaleanchor": "x", "scaleratio": 1},
    )
