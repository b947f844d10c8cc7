"""The print map's bottom layer written as SVG here, the rest drawn by plotly.js over it.

Nearly all of a print map's drawing is its filled pieces: 7,500 hexagon pieces on a county map
(and the basemap's land and water under them), which plotly.js lays out for about half a
second (a second in a browser just started). They are plain paths in a fixed frame, so they
are written here straight from the figure's arrays (one vectorised pass) as SVG: the same
paths plotly.js draws for ``fill="toself"`` traces (every ring a closed sub-path of one path,
nonzero winding, so holes run the other way round), the same strokes, dashes and fill patterns
(plotly.js's pattern tiles: ``drawing.pattern`` in its source). plotly.js then draws only the
light part (markers, lines with markers, labels, scale bar, north arrow, attribution) on a
transparent background over it, in the same frame. The split is a prefix of the figure's
traces, so the order of drawing is the figure's.

``tests/integration/test_export_maps.py`` compares the two layers' picture with plotly.js's
drawing of the whole figure, pixel by pixel.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import plotly.graph_objects as go

_FLUID = 'width="100%" height="100%" preserveAspectRatio="xMidYMid meet"'
# Pattern ids are unique in the page: a pack holds many maps, and an id repeated in one HTML
# document resolves to its first use (a district's hatch drawn in another map's colours).
_IDS = itertools.count()


def split_at(figure: go.Figure) -> int:
    """How many leading traces this module draws: plain line and fill traces (no markers,
    no text), as long as they run from the first."""
    n = 0
    for trace in figure.data:
        if trace.type != "scatter" or trace.mode != "lines" or trace.visible is False:
            break
        n += 1
    return n


def layered_map(figure: go.Figure, width: int, height: int, draw_top) -> str:
    """The figure as one SVG that scales to its box: its bottom traces written here, the
    rest drawn by ``draw_top(figure, width, height)`` (plotly.js) on a transparent
    background and nested over them, in the same frame."""
    n = split_at(figure)
    top = go.Figure(data=figure.data[n:], layout=figure.layout)  # not a copy of the pieces
    top.update_layout(paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" {_FLUID}>'
        f"{bottom_layer(figure, n, width, height)}{draw_top(top, width, height)}</svg>"
    )


def bottom_layer(figure: go.Figure, n: int, width: int, height: int) -> str:
    """The first ``n`` traces of ``figure`` (see :func:`split_at`) as SVG elements in the
    figure's frame (0 to ``width``, 0 to ``height``), on its background colour."""
    prefix = f"fp{next(_IDS)}-"
    layout = figure.layout
    x0, x1 = layout.xaxis.range
    y0, y1 = layout.yaxis.range
    sx, sy = width / (x1 - x0), height / (y1 - y0)
    defs, body = [], []
    for i, trace in enumerate(figure.data[:n]):
        x = (np.asarray(trace.x, dtype=float) - x0) * sx
        y = (y1 - np.asarray(trace.y, dtype=float)) * sy
        fill = trace.fill == "toself"
        d = _path(x, y, close=fill)
        if not d:
            continue
        paint = "none"
        if fill:
            paint = trace.fillcolor or "none"
            if trace.fillpattern is not None and trace.fillpattern.shape:
                defs.append(_pattern(f"{prefix}{i}", trace.fillpattern))
                paint = f"url(#{prefix}{i})"
        # One element fills and then strokes, as plotly.js draws a trace's fill and then
        # its line: half the text of two elements for the same picture.
        line = trace.line
        lw = float(line.width) if line.width is not None else 2.0
        stroke = (
            f' stroke="{line.color}" stroke-width="{lw:g}"{_dash(line.dash, lw)}'
            if lw > 0
            else ' stroke="none"'
        )
        body.append(f'<path d="{d}" fill="{paint}"{stroke}/>')
    background = layout.paper_bgcolor or "white"
    return (
        f"<defs>{''.join(defs)}</defs>"
        f'<rect width="{width}" height="{height}" fill="{background}"/>'
        f"{''.join(body)}"
    )


def _path(x: np.ndarray, y: np.ndarray, *, close: bool) -> str:
    """An SVG path: each NaN-separated run one sub-path ("M x,y L ..."), closed for a fill;
    coordinates to 0.01 px (plotly.js writes 0.01 too)."""
    gap = ~(np.isfinite(x) & np.isfinite(y))
    if gap.all():
        return ""
    # Where a run starts: a valid point after a gap (or the first point).
    starts = ~gap & np.concatenate(([True], gap[:-1]))
    ends = ~gap & np.concatenate((gap[1:], [True]))
    keep = ~gap
    xs = np.char.mod("%.2f", np.round(x[keep], 2))
    ys = np.char.mod("%.2f", np.round(y[keep], 2))
    points = np.char.add(np.char.add(xs, ","), ys)
    verbs = np.where(starts[keep], "M", "L")
    parts = np.char.add(verbs, points)
    if close:
        parts = np.where(ends[keep], np.char.add(parts, "Z"), parts)
    return "".join(parts.tolist())


def _dash(dash: str | None, width: float) -> str:
    """plotly.js's dash styles (``drawing.dashStyle``): lengths scale with the line, at
    least 3 px."""
    if not dash or dash == "solid":
        return ""
    t = max(width, 3.0)
    lengths = {
        "dot": (t, t),
        "dash": (3 * t, 3 * t),
        "longdash": (5 * t, 5 * t),
        "dashdot": (3 * t, t, t, t),
        "longdashdot": (5 * t, 2 * t, t, 2 * t),
    }.get(dash)
    if lengths is None:  # a list of lengths in px, as plotly.js accepts
        return f' stroke-dasharray="{dash.replace("px", "")}"'
    return f' stroke-dasharray="{",".join(f"{v:g}" for v in lengths)}"'


def _pattern(pid: str, fp) -> str:
    """One fill pattern tile as plotly.js draws it (``drawing.pattern``): ``size`` and
    ``solidity`` set the tile and the ink's width; diagonal tiles are size x sqrt(2)."""
    shape, size = fp.shape, float(fp.size if fp.size is not None else 8)
    solidity = float(fp.solidity if fp.solidity is not None else 0.3)
    ink, opacity = fp.fgcolor or "#444", float(fp.fgopacity if fp.fgopacity is not None else 1)
    diagonal = shape in ("/", "\\", "x")
    w = size * math.sqrt(2) if diagonal else size
    q = w / 4
    lines = {
        "/": f"M-{q:g},{q:g}l{w / 2:g},-{w / 2:g}M0,{w:g}L{w:g},0M{3 * q:g},{5 * q:g}"
        f"l{w / 2:g},-{w / 2:g}",
        "\\": f"M{3 * q:g},-{q:g}l{w / 2:g},{w / 2:g}M0,0L{w:g},{w:g}M-{q:g},{3 * q:g}"
        f"l{w / 2:g},{w / 2:g}",
        "|": f"M{w / 2:g},0L{w / 2:g},{w:g}",
        "-": f"M0,{w / 2:g}L{w:g},{w / 2:g}",
        "+": f"M{w / 2:g},0L{w / 2:g},{w:g}M0,{w / 2:g}L{w:g},{w / 2:g}",
    }
    lines["x"] = lines["/"] + lines["\\"]
    background = f'<rect width="{w:g}" height="{w:g}" fill="{fp.bgcolor}"/>' if fp.bgcolor else ""
    if shape == ".":
        if solidity < math.pi / 4:
            r = math.sqrt(solidity * size * size / math.pi)
        else:  # plotly.js's linear step from a quarter-pi solidity to 1
            lo, hi = size / 2, size / math.sqrt(2)
            r = lo + (hi - lo) * (solidity - math.pi / 4) / (1 - math.pi / 4)
        ink_el = (
            f'<circle cx="{w / 2:g}" cy="{w / 2:g}" r="{r:g}" fill="{ink}" opacity="{opacity:g}"/>'
        )
    else:
        stroke = size - size * math.sqrt(1 - solidity) if shape in ("x", "+") else solidity * size
        ink_el = (
            f'<path d="{lines[shape]}" stroke="{ink}" stroke-width="{stroke:g}" '
            f'opacity="{opacity:g}"/>'
        )
    return (
        f'<pattern id="{pid}" width="{w:g}" height="{w:g}" patternUnits="userSpaceOnUse">'
        f"{background}{ink_el}</pattern>"
    )
