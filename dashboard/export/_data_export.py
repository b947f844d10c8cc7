"""The view's figures as a table (CSV) or GIS layers (GeoJSON, GeoPackage)."""

from __future__ import annotations

from dataclasses import replace

from dashboard.export import _layers, _meta
from dashboard.export._context import pinned
from dashboard.export._map_export import MIME, Export, rules_for
from dashboard.export._rows import area_rows, piece_rows
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.labels import area_name, area_title, selection_text
from dashboard.views.loaded import period_heading
from dashboard.views.map_view import map_model
from dashboard.views.public import resolve_view
from geo.disclosure import Audience

_WRITERS = {"csv": _layers.csv_bytes, "geojson": _layers.geojson_bytes, "gpkg": _layers.gpkg_bytes}


def export_data(
    ctx: AppContext, state: ViewState, audience: Audience, fmt: str, *, user: str, client: str
) -> Export:
    """Areas and hexagon pieces of the view, with counts and statistics; audited."""
    if fmt not in _WRITERS:
        raise ValueError(f"data format {fmt!r}: expected csv, geojson or gpkg")
    ctx = pinned(ctx)
    state = resolve_view(ctx, state, audience)
    title = (
        f"{selection_text(ctx, state, audience)}: incidents and statistics, "
        f"{area_title(ctx, state)}, {period_heading(ctx, state, audience)}"
    )
    info = _meta.new_info(
        ctx,
        state,
        audience,
        kind="table" if fmt == "csv" else "layers",
        fmt=fmt,
        title=title,
        user=user,
        client=client,
        rules=rules_for(ctx, state, audience),
    )
    model = map_model(ctx, state, audience)
    info = replace(info, caveats=[n.text for n in model.notes if n.warn])
    pieces = _layers.piece_frame(piece_rows(ctx, state, audience), info)
    areas = _layers.area_frame(ctx, area_rows(ctx, state, audience), info)
    data = _WRITERS[fmt](pieces, areas, info)
    _meta.record(ctx, info, data)
    name = _meta.filename(info, area_name(ctx, state.level, state.area_code), fmt)
    return Export(data, name, MIME[fmt], info)
