"""A :class:`MapModel` drawn for paper: vector shapes in British National Grid.

The dashboard draws the same model with MapLibre over Web Mercator; on paper the map is drawn
with plain filled ``Scatter`` traces in grid metres instead: no WebGL and no tiles (which come
out blank or missing in static exports), equal scale in both directions, so the scale bar is
true, and crisp vector output with real text. Classes and colours are the model's own, so the
paper map matches the screen.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from html import escape

import numpy as np
import plotly.graph_objects as go
import shapely
from shapely.ops import nearest_points

from dashboard.export import _bng
from dashboard.export._basemap_print import attribution_annotation, basemap_traces, place_names
from dashboard.export._labels import POSITIONS, Placed, Placer, short_port_name, two_lines
from dashboard.figures.palette import WITHHELD_HATCH, pattern_ink
from dashboard.views.map_model import Feature, LegendItem, MapModel, Outline

FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
PIECE_EDGE = "#a9b1ba"  # a little lighter than on screen: boundaries must stand out on paper
LINK_COLOUR = "rgba(106,61,154,0.7)"
PORT_COLOUR = "#1b7837"
PLACE_COLOUR = "#4a4f57"  # the basemap's place names: quieter than the areas' names
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
    """A place name drawn on the map (district or division names), inside its area."""

    text: str
    lon: float
    lat: float
    size: int = 11
    shape: object | None = None  # the area in BNG metres: the name must fit inside it


# The repeat of a class's fill pattern on paper, in CSS px (the legend's swatches repeat alike).
HATCH_PX = 5


def print_figure(model: MapModel, frame: Frame, labels: tuple[Label, ...] = ()) -> go.Figure:
    extent = fit_extent(_bng.bounds_to_bng(model.bounds), frame)
    per_px = (extent.x1 - extent.x0) / frame.width
    placer = Placer(extent.x0, extent.x1, extent.y0, extent.y1, per_px)
    _reserve_furniture(placer, extent, frame)
    _reserve_message(placer, model, extent)
    fig = go.Figure()
    base = model.base
    if base is not None:
        fig.add_traces(basemap_traces(base))
        credit = attribution_annotation(base, FONT, placer)
    for item in model.legend:
        fig.add_trace(_class_trace(item, [f for f in model.features if f.klass == item.key]))
    fig.add_traces(_deprivation_traces(model))
    for outline in model.outlines:
        fig.add_trace(_outline_trace(outline))
    fig.add_traces(_place_markers(model, placer))
    far = _add_links(fig, model, extent, placer)
    ports = _add_ports(fig, model, placer)
    if model.mark is not None:
        ports.insert(0, _add_mark(fig, model.mark, placer))
    # Ports and "from ..." first (each is named once, at one point); area names then find
    # room inside their areas; home areas last (the key lists them all).
    for name, x, y, radius in ports:
        placer.place(name, x, y, 9, positions=POSITIONS, weight=600, gap_px=radius)
    for name, x, y, inward in far:
        placer.place(f"from {name}", x, y, 9, positions=inward, weight=600, gap_px=4)
    leaders = _place_area_labels(placer, labels)
    if leaders:
        fig.add_trace(leader_trace(leaders))
    for name, x, y in _origin_points(model):
        placer.place(name, x, y, 8, positions=POSITIONS, gap_px=2)
    names = place_names(placer, base) if base is not None else 0
    marks = placer.placed[: len(placer.placed) - names]
    if names:
        fig.add_trace(_label_trace(placer.placed[-names:], colour=PLACE_COLOUR))
    if marks:
        fig.add_trace(_label_trace(marks))
    _add_scale_bar(fig, extent, frame)
    _add_north_arrow(fig, frame)
    _layout(fig, extent, frame)
    if base is not None and credit is not None:
        fig.add_annotation(**credit)
    if model.empty_message:
        fig.add_annotation(
            text="<br>".join(_message_lines(model.empty_message)),  # our words: no markup
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
            showarrow=False,
            font={"size": _MESSAGE_PX, "family": FONT},
            bgcolor="white",
        )
    return fig


_MESSAGE_PX = 14
_MESSAGE_CHARS = 56  # per line: a message across the map's middle stays inside the frame


def _message_lines(text: str) -> list[str]:
    """The map's message in lines of at most about 56 characters, broken between words."""
    return textwrap.wrap(text, _MESSAGE_CHARS) or [text]


def _reserve_message(placer: Placer, model: MapModel, extent: Extent) -> None:
    """Keep labels off the message drawn in the map's middle (its white box hid a
    district's name under it, printed all the same)."""
    if not model.empty_message:
        return
    lines = _message_lines(model.empty_message)
    half_w = (max(len(line) for line in lines) * 0.55 + 2) * _MESSAGE_PX * placer.per_px / 2
    half_h = (len(lines) * 1.3 + 1) * _MESSAGE_PX * placer.per_px / 2
    cx, cy = (extent.x0 + extent.x1) / 2, (extent.y0 + extent.y1) / 2
    placer.block(cx - half_w, cy - half_h, cx + half_w, cy + half_h)


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
    x, y = _bng.geojson_rings_xy([f.geometry for f in feats])
    # Withheld counts are hatched on paper: light, and plainly not a colour of the scale.
    # A class with a pattern of its own (emerging patterns) is filled with it, in white on
    # dark fills and near black on light ones: its second cue beside colour. The ink is
    # opaque, as in the legend's swatches and as the contrast check (test_palette_cvd)
    # assumes: plotly.js draws a pattern at half strength unless told.
    if item.key == "withheld":
        hatch = {"shape": "/", "bgcolor": item.colour, "fgcolor": WITHHELD_HATCH, "size": 7,
                 "solidity": 0.12, "fgopacity": 1}  # fmt: skip
    elif item.hatch:
        hatch = {"shape": item.hatch, "bgcolor": item.colour, "size": HATCH_PX,
                 "fgcolor": pattern_ink(item.colour), "solidity": 0.3, "fgopacity": 1}  # fmt: skip
    else:
        hatch = None
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


def _deprivation_traces(model: MapModel) -> list[go.Scatter]:
    """The IMD overlay's decile outlines, least deprived first so that a more deprived
    neighbour's line lies on top along a shared edge (a little thinner than on screen)."""
    if model.deprivation is None:
        return []
    bands = sorted(model.deprivation.bands, key=lambda b: -b.decile)
    return [_line_trace(b.lines, b.width * 0.8, b.colour, b.label) for b in bands]


def _place_markers(model: MapModel, placer: Placer) -> list[go.Scatter]:
    """Schools and care locations as dots (no names on paper: a county of schools would
    bury the map; the table export lists them), kept clear of the place names."""
    from dashboard.views.places_layer import COLOURS, SIZES  # noqa: PLC0415

    if model.places is None:
        return []
    out = []
    for register in ("schools", "care"):
        mine = [p for p in model.places.places if p.register == register]
        if mine:
            x, y = _bng.lonlat_to_bng(
                np.array([p.lonlat[0] for p in mine]), np.array([p.lonlat[1] for p in mine])
            )
            for a, b in zip(x, y, strict=True):
                placer.reserve(float(a), float(b), SIZES[register] * 0.35)
            out.append(
                go.Scatter(
                    x=x, y=y, mode="markers", hoverinfo="skip", showlegend=False,
                    marker={"size": SIZES[register] * 0.7, "color": COLOURS[register],
                            "line": {"width": 0.5, "color": "white"}},
                )
            )  # fmt: skip
    return out


def _outline_trace(outline: Outline) -> go.Scatter:
    return _line_trace(outline.coords, outline.width, outline.colour, outline.name)


def _line_trace(coords, width: float, colour: str, name: str) -> go.Scatter:
    x, y = _lines_xy(coords)
    return go.Scatter(
        x=x,
        y=y,
        mode="lines",
        hoverinfo="skip",
        showlegend=False,
        line={"width": width, "color": colour},
        name=name,
    )


def _add_links(fig: go.Figure, model: MapModel, extent: Extent, placer: Placer) -> list:
    """County lines, cut at the frame: a line from a home area off the map ends in an arrow
    at the edge. Returns those home areas with the point and positions for "from ..."."""
    if not model.links:
        return []
    top = max(link.lines for link in model.links) or 1
    inset = 3 * placer.per_px
    frame_box = shapely.box(
        extent.x0 + inset, extent.y0 + inset, extent.x1 - inset, extent.y1 - inset
    )
    far: dict[str, tuple] = {}
    for link in model.links:
        x, y = _lines_xy([(link.destination_lonlat, link.origin_lonlat)])
        line = shapely.LineString([(x[0], y[0]), (x[1], y[1])]).intersection(frame_box)
        if line.is_empty or not isinstance(line, shapely.LineString):
            continue
        (dx, dy), (ox, oy) = line.coords[0], line.coords[-1]
        cut = not frame_box.buffer(-inset / 2).contains(shapely.Point(x[1], y[1]))
        if cut:
            far.setdefault(link.origin, (ox, oy, _inward(ox, oy, extent, placer.per_px)))
        fig.add_trace(
            go.Scatter(
                x=[dx, ox],
                y=[dy, oy],
                mode="lines+markers",
                hoverinfo="skip",
                showlegend=False,
                marker={
                    "size": [7, 10 if cut else 4],
                    "color": "#6a3d9a",
                    "symbol": ["circle", "arrow" if cut else "circle"],
                    "angleref": "previous",
                },
                line={"width": 1 + 4 * link.lines / top, "color": LINK_COLOUR},
            )
        )
    return [(name, x, y, pos) for name, (x, y, pos) in far.items()]


def _inward(x: float, y: float, extent: Extent, per_px: float) -> tuple[str, ...]:
    """Label positions that point into the map from a point on its edge."""
    near = 8 * per_px
    if y >= extent.y1 - near:
        return ("bottom center", "middle right", "middle left")
    if y <= extent.y0 + near:
        return ("top center", "middle right", "middle left")
    if x <= extent.x0 + near:
        return ("middle right", "bottom center", "top center")
    return ("middle left", "bottom center", "top center")


def _origin_points(model: MapModel) -> list[tuple[str, float, float]]:
    """Each home area once, busiest first (links come ordered by their number of lines)."""
    seen: dict[str, tuple[float, float]] = {}
    for link in model.links:
        seen.setdefault(link.origin, link.origin_lonlat)
    if not seen:
        return []
    x, y = _bng.lonlat_to_bng([p[0] for p in seen.values()], [p[1] for p in seen.values()])
    return [(escape(n), float(a), float(b)) for n, a, b in zip(seen, x, y, strict=True)]


def _add_ports(fig: go.Figure, model: MapModel, placer: Placer) -> list:
    """Port markers; returns their short names and points for labels."""
    if not model.ports:
        return []
    top = max(p.events for p in model.ports) or 1
    x, y = _bng.lonlat_to_bng(
        [p.lonlat[0] for p in model.ports], [p.lonlat[1] for p in model.ports]
    )
    sized = model.ports_sized
    sizes = [8 + 14 * math.sqrt(p.events / top) if sized else 10.0 for p in model.ports]
    fig.add_trace(
        go.Scatter(
            x=x.tolist(),
            y=y.tolist(),
            mode="markers",
            hoverinfo="skip",
            showlegend=False,
            marker={
                "size": sizes,
                "color": PORT_COLOUR,
                "opacity": 0.85,
                "line": {"width": 1, "color": "white"},
            },
        )
    )
    for a, b, size in zip(x, y, sizes, strict=True):
        placer.reserve(float(a), float(b), size / 2)
    return [
        (escape(short_port_name(p.name)), float(a), float(b), size / 2)
        for p, a, b, size in zip(model.ports, x, y, sizes, strict=True)
    ]


def _add_mark(fig: go.Figure, mark, placer: Placer) -> tuple[str, float, float, float]:
    """The place searched for: a dark dot in a white ring, named first of all labels."""
    x, y = _bng.lonlat_to_bng([mark.lonlat[0]], [mark.lonlat[1]])
    fig.add_trace(
        go.Scatter(
            x=[float(x[0])],
            y=[float(y[0])],
            mode="markers",
            marker={"size": 11, "color": "#111111", "line": {"width": 3, "color": "white"}},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    placer.reserve(float(x[0]), float(y[0]), 8)
    return escape(mark.name), float(x[0]), float(y[0]), 8.0


def _place_area_labels(placer: Placer, labels: tuple[Label, ...]) -> list:
    """Area names inside their areas (on one line, on two, one size smaller), else beside
    them with a leader line. Returns the leader lines."""
    if not labels:
        return []
    x, y = _bng.lonlat_to_bng([lb.lon for lb in labels], [lb.lat for lb in labels])
    unplaced = []
    for lb, a, b in sorted(
        zip(labels, x, y, strict=True), key=lambda t: -(t[0].shape.area if t[0].shape else 0)
    ):
        placed = placer.place(
            lb.text,
            float(a),
            float(b),
            lb.size,
            positions=(
                "middle center",
                "top center",
                "bottom center",
                "middle right",
                "middle left",
            ),
            inside=lb.shape,
            weight=600,
            lines=two_lines(lb.text),
        )
        if placed is None:
            unplaced.append((lb, float(a), float(b)))
    # A name with no room inside its area (Dartford, Gravesham on the county map) is placed
    # beside it and led to it by a line, never left off: where it covers least of any other
    # area (Gravesham once sat over Rochester in Medway, as if it named that place), then
    # nearest. The line runs from the area's point to the edge of the name's box.
    shapes = [lb.shape for lb in labels]
    leaders = []
    for lb, a, b in unplaced:
        others = shapely.union_all([s for s in shapes if s is not None and s is not lb.shape])

        def cost(box, others=others):
            return box.intersection(others).area / box.area if not others.is_empty else 0.0

        found = placer.place_best(
            lb.text, a, b, lb.size, positions=POSITIONS, weight=600, cost=cost,
            gaps_px=(_LEADER_PX, 2 * _LEADER_PX, 3 * _LEADER_PX, 4 * _LEADER_PX),
            lines=two_lines(lb.text),
        )  # fmt: skip
        if found is not None:
            _, box = found
            end = nearest_points(box.exterior, shapely.Point(a, b))[0]
            leaders.append(((a, b), (end.x, end.y)))
    return leaders


_LEADER_PX = 14
# As dark as the names and as heavy as a district boundary: a faint leader was lost among
# the hexagon edges.
LEADER_COLOUR = "#1f2328"
LEADER_WIDTH = 1.2


def leader_trace(leaders: list) -> go.Scatter:
    """Lines from an area's point (a dot) to its name placed outside it."""
    x: list = []
    y: list = []
    for (a, b), (c, d) in leaders:
        x += [a, c, None]
        y += [b, d, None]
    return go.Scatter(
        x=x, y=y, mode="lines+markers", line={"width": LEADER_WIDTH, "color": LEADER_COLOUR},
        marker={"size": [4, 0, 0] * len(leaders), "color": LEADER_COLOUR},
        hoverinfo="skip", showlegend=False,
    )  # fmt: skip


def _label_trace(labels: list[Placed], colour: str = "#1f2328") -> go.Scatter:
    return go.Scatter(
        x=[lb.x for lb in labels],
        y=[lb.y for lb in labels],
        mode="text",
        text=[lb.text for lb in labels],
        textposition="middle center",
        hoverinfo="skip",
        showlegend=False,
        cliponaxis=True,
        # A white halo keeps names legible over any class colour.
        textfont={
            "family": FONT,
            "size": [lb.size for lb in labels],
            "color": colour,
            "weight": [lb.weight for lb in labels],
            "shadow": "0px 0px 2px #ffffff",
        },
    )


def _reserve_furniture(placer: Placer, extent: Extent, frame: Frame) -> None:
    """Keep labels off the north arrow (top right) and the scale bar (bottom right)."""
    per_px = placer.per_px
    placer.block(extent.x1 - 44 * per_px, extent.y1 - 86 * per_px, extent.x1, extent.y1)
    bar = nice_length(0.22 * frame.width * per_px) + 60 * per_px
    placer.block(extent.x1 - bar, extent.y0, extent.x1, extent.y0 + 56 * per_px)


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
