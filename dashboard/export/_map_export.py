"""The map export: the dashboard's map of one view, on one sheet, as PDF or PNG."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import shapely
from shapely.ops import polylabel

from dashboard.browser import CSS_DPI, Renderer
from dashboard.export import _meta
from dashboard.export._bng import geometry_to_bng
from dashboard.export._context import pinned
from dashboard.export._meta import ExportInfo
from dashboard.export._print_figure import Label, print_figure
from dashboard.export._sheet import PAPERS, Paper, document, sheet_html
from dashboard.export._svg_layer import layered_map
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.counts import view_counts
from dashboard.views.labels import area_name
from dashboard.views.loaded import view_coverage
from dashboard.views.map_model import MapModel
from dashboard.views.map_view import map_model
from dashboard.views.public import resolve_view
from dashboard.views.resolution import view_resolution
from geo.disclosure import Audience
from geo.store.queries.areas import area_shapes

MAP_FORMATS = ("pdf", "png")
MIME = {
    "pdf": "application/pdf",
    "png": "image/png",
    "csv": "text/csv",
    "gpkg": "application/geopackage+sqlite3",
    "geojson": "application/geo+json",
}
MIN_DPI = 200


@dataclass(frozen=True)
class Export:
    """One exported file: its bytes, a file name that says what it is, and its record."""

    data: bytes
    filename: str
    mime: str
    info: ExportInfo


def export_map(
    ctx: AppContext,
    state: ViewState,
    audience: Audience,
    fmt: str,
    *,
    renderer: Renderer,
    user: str,
    client: str,
    paper: str = "a4-landscape",
    dpi: int = 300,
) -> Export:
    """The view's map as a PDF (vector, real text) or a PNG at ``dpi``; audited."""
    if fmt not in MAP_FORMATS:
        raise ValueError(f"map format {fmt!r}: expected pdf or png")
    if dpi < MIN_DPI:
        raise ValueError(f"dpi {dpi}: at least {MIN_DPI} for print")
    sheet = PAPERS[paper]
    renderer.start()  # Chromium starts while the map is computed
    ctx = pinned(ctx)
    state = resolve_view(ctx, state, audience)
    model = map_model(ctx, state, audience)
    info = _meta.new_info(
        ctx,
        state,
        audience,
        kind="map",
        fmt=fmt,
        title=model.title,
        user=user,
        client=client,
        rules=rules_for(ctx, state, audience),
    )
    body = map_sheet(ctx, state, model, info, renderer, sheet)
    html = document(f"{model.title}: {model.subtitle}", body, sheet)
    if fmt == "pdf":
        data = _meta.pdf_with_metadata(renderer.pdf(html), info)
    else:
        png = renderer.png(html, sheet.px(sheet.width_mm), sheet.px(sheet.height_mm), dpi / CSS_DPI)
        data = _meta.png_with_metadata(png, info, dpi)
    _meta.record(ctx, info, data)
    name = _meta.filename(info, area_name(ctx, state.level, state.area_code), fmt)
    return Export(data, name, MIME[fmt], info)


def rules_for(ctx: AppContext, state: ViewState, audience: Audience):
    """The rules applied to this view's figures (public: which rules withheld anything,
    never how many figures: see ``geo.disclosure.rules_applied``; none where the view has no
    data loaded, so no figure)."""
    if view_coverage(ctx, state, audience).empty:
        return ()
    if audience is Audience.PUBLIC:
        res = view_resolution(ctx, state, audience)
        return view_counts(ctx, state.filters(), audience, res).rules
    return None


def map_sheet(
    ctx: AppContext,
    state: ViewState,
    model: MapModel,
    info: ExportInfo,
    renderer: Renderer,
    paper: Paper,
    *,
    banners: bool = True,
    heading: str | None = None,
) -> str:
    """One sheet (an HTML section) with the model's map drawn as SVG."""
    frame = paper.map_frame
    figure = print_figure(model, frame, area_labels(ctx, state))
    svg = layered_map(figure, frame.width, frame.height, renderer.svg)
    return sheet_html(model, info, paper, svg, banners=banners, heading=heading)


def area_labels(ctx: AppContext, state: ViewState) -> tuple[Label, ...]:
    """District names on the county map, division names on a district's map, and the
    division's own name on its map (it had none: a few cut polygons in white space)."""
    if state.level == "county":
        level, parent, size = "district", None, 11
    elif state.level == "district":
        level, parent, size = "division", state.district, 8
    else:
        level, parent, size = "division", state.district, 11
    points = ctx.cached(("label-points", level, parent), lambda: _label_points(ctx, level, parent))
    if state.level == "division":
        name = area_name(ctx, "division", state.division)
        points = [p for p in points if p[0] == name]
    # Escaped: plotly reads a little HTML in text, and names come from boundary files.
    return tuple(Label(escape(name), lon, lat, size, shape) for name, lon, lat, shape in points)


def _label_points(ctx: AppContext, level: str, parent: str | None):
    out = []
    for area in area_shapes(ctx.store, level, parent=parent):
        code, shape = area.code, area.geometry
        largest = max(shapely.get_parts(shape), key=lambda p: p.area)
        # The pole of inaccessibility: inside the area, far from its edges (a centroid can
        # fall outside a crescent-shaped district).
        point = polylabel(largest, tolerance=0.002)
        # The area in grid metres, a little shrunk, so a name that fits stays clear of
        # the boundary line.
        inner = geometry_to_bng(largest.simplify(0.0005)).buffer(-100)
        out.append((area_name(ctx, level, code), point.x, point.y, inner))
    return out
