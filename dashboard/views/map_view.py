"""The map of one view state: pieces, values and classes, outlines, legend and notes.

A plain function of the store, the state and the audience (no Dash), so exports draw exactly
what the dashboard draws and tests check its numbers against the store.
"""

from __future__ import annotations

from dataclasses import replace

import h3.api.basic_int as h3i
import numpy as np

from dashboard.figures import palette
from dashboard.state import ViewState
from dashboard.views import geometry as geo_view
from dashboard.views import measures
from dashboard.views.basemap import map_base
from dashboard.views.context import AppContext
from dashboard.views.counts import ViewCounts, view_counts
from dashboard.views.labels import (
    area_title,
    boundary_note,
    breadcrumb,
    data_notes,
    marking,
    selection_text,
)
from dashboard.views.loaded import (
    empty_text,
    period_heading,
    thin_text,
    uncovered_text,
    view_coverage,
)
from dashboard.views.map_model import Feature, LegendItem, MapModel, Note, Outline, PlaceMark
from dashboard.views.overlays import PUBLIC_LINKS_NOTE, county_lines, ports
from dashboard.views.places import nearest_towns
from dashboard.views.public import resolve_view
from dashboard.views.resolution import view_resolution
from geo.disclosure import Audience, DisclosurePolicy, counts_of
from geo.grid import str_to_cell

KENT_BOUNDS = (-0.02, 50.85, 1.50, 51.56)
NEAR_ORIGIN_WEST, NEAR_ORIGIN_NORTH = -0.8, 51.9  # roughly London and the home counties


def map_model(ctx: AppContext, state: ViewState, audience: Audience) -> MapModel:
    """The map of a view, with the basemap for its area under it (when one is loaded)."""
    model = _map_model(ctx, state, audience)
    area = resolve_view(ctx, state, audience)
    if "imd" in state.layers:
        model = _with_deprivation(ctx, model, area.district)
    if "places" in state.layers:
        model = _with_places(ctx, model, area, audience)
    if area.mark is not None:
        lat, lon, name = area.mark
        model = replace(model, mark=PlaceMark(name, (lon, lat)))
    bounds = geo_view.area_bounds(ctx, area.level, area.area_code) or KENT_BOUNDS
    base = map_base(ctx, area.level, bounds)
    if base is None:
        return model
    notes = tuple(Note(f"Basemap: {text}.", warn=True) for text in base.notes)
    return replace(model, base=base, notes=model.notes + notes)


def _with_deprivation(ctx: AppContext, model: MapModel, district: str | None) -> MapModel:
    """The IMD overlay over the map's box, its source in the notes (or why there is none).
    The same for both audiences: it holds the published deciles and nothing else."""
    from dashboard.views.deprivation_layer import deprivation_layer  # noqa: PLC0415

    layer = deprivation_layer(ctx, model.bounds, district)
    if layer.reason:
        return replace(model, notes=(*model.notes, Note(layer.reason, warn=True)))
    printed = " ".join(n.text for n in model.notes)
    credits = [c for c in (layer.shapes_credit, layer.credit) if c and c not in printed]
    note = Note(" ".join([f"Deprivation overlay: {layer.source}", *credits]))
    return replace(model, deprivation=layer, notes=(*model.notes, note))


def _with_places(ctx: AppContext, model: MapModel, state: ViewState, audience) -> MapModel:
    """Schools and care locations open in the period, their registers named in the notes."""
    from dashboard.views.places_layer import register_layer  # noqa: PLC0415

    layer = register_layer(ctx, state, audience)
    notes = (
        [Note(f"Places from the registers: {'; '.join(layer.sources)}.")] if layer.sources else []
    )
    if layer.note:
        notes.append(Note(layer.note, warn=not layer.sources))
    return replace(model, places=layer if layer.places else None, notes=(*model.notes, *notes))


def _map_model(ctx: AppContext, state: ViewState, audience: Audience) -> MapModel:
    state = resolve_view(ctx, state, audience)
    policy = DisclosurePolicy.from_settings(ctx.settings)
    cov = view_coverage(ctx, state, audience)
    if cov.empty and not _nothing_selected(state):
        return no_data_model(ctx, state, audience, cov)
    res = view_resolution(ctx, state, audience)
    counts = view_counts(ctx, state.filters(), audience, res)
    pieces = drawn_pieces(ctx, state, res, counts)
    values = measures.classify(ctx, state, audience, res, counts, pieces)
    names = geo_view.area_names(ctx)
    towns = ctx.cached(
        ("towns", state.level, state.area_code, res, len(pieces)),
        lambda: nearest_towns([p["cell"] for p in pieces]),
    )
    features = tuple(_feature(p, values, names, t) for p, t in zip(pieces, towns, strict=True))
    present = {f.klass for f in features}
    legend = tuple(
        LegendItem(c.key, c.label, c.colour, c.outline, c.screen_cue, c.hatch, c.paper_cue)
        for c in values.legend
        if c.key in present
    )
    links = county_lines(ctx, state, audience) if "lines" in state.layers else ()
    bounds = geo_view.area_bounds(ctx, state.level, state.area_code) or KENT_BOUNDS
    return MapModel(
        title=f"{selection_text(ctx, state, audience)}: {values.title}",
        subtitle=f"{area_title(ctx, state)}, {period_heading(ctx, state, audience)}",
        measure=state.measure,
        marking=marking(audience),
        banner=_banner(audience),
        features=features,
        legend=legend,
        legend_title=values.legend_title,
        outlines=_outlines(ctx, state) + _selected(state, audience, policy),
        bounds=_with_origins(bounds, links),
        notes=_coverage_notes(ctx, state, audience, cov)
        + tuple(data_notes(ctx, state, audience, counts, res, values.notes, values.warnings))
        + _far_origins(links)
        + _public_links(state, audience),
        breadcrumb=breadcrumb(ctx, state),
        links=links,
        ports=ports(ctx, state, audience) if "ports" in state.layers else (),
        resolution=res,
        empty_message=_empty_message(state, counts, features),
    )


MEASURE_TITLES = {
    "count": "incidents",
    "hotspots": "hot spots (Getis-Ord Gi*)",
    "change": "change on the previous period",
    "emerging": "emerging hot spots",
}


def no_data_model(ctx: AppContext, state: ViewState, audience: Audience, cov) -> MapModel:
    """The map of a view with no data loaded: the area's hexagons in the no-data shade,
    each saying so, and no number, class or statistic anywhere (a 0 or a "not significant"
    would read as a finding about crime)."""
    res = view_resolution(ctx, state, audience)
    names = geo_view.area_names(ctx)
    pieces = []
    for leaf in geo_view.drawn_leaves(ctx, state.level, state.area_code):
        shapes = geo_view.piece_shapes(ctx, leaf, res)
        for cell, hex_id, geometry in zip(
            shapes.cells.tolist(), shapes.hexes, shapes.geometries, strict=True
        ):
            if cell not in shapes.whole:
                pieces.append((cell, hex_id, leaf, geometry))
    why = empty_text(ctx, cov, audience)
    features = tuple(
        Feature(
            key=f"{hex_id}|{leaf.code or ''}",
            cell=hex_id,
            area=leaf.code,
            district=leaf.district,
            geometry=geometry,
            klass="no_data",
            value=None,
            label=NO_DATA_LABEL,
            hover=f"<b>{names.get(leaf.code or '', leaf.code or '')}</b><br>{NO_DATA_LABEL}",
        )
        for _cell, hex_id, leaf, geometry in pieces
    )
    notes = [Note(why, warn=True)]
    boundary = boundary_note(ctx)
    if boundary:
        notes.append(Note(boundary))
    return MapModel(
        title=f"{selection_text(ctx, state, audience)}: {MEASURE_TITLES[state.measure]}",
        subtitle=f"{area_title(ctx, state)}, {period_heading(ctx, state, audience)}",
        measure=state.measure,
        marking=marking(audience),
        banner=_banner(audience),
        features=features,
        legend=(LegendItem("no_data", NO_DATA_LEGEND, palette.NO_DATA),) if features else (),
        legend_title="No data loaded",
        outlines=_outlines(ctx, state)
        + _selected(state, audience, DisclosurePolicy.from_settings(ctx.settings)),
        bounds=geo_view.area_bounds(ctx, state.level, state.area_code) or KENT_BOUNDS,
        notes=tuple(notes),
        breadcrumb=breadcrumb(ctx, state),
        resolution=res,
        empty_message=_short(cov),
    )


NO_DATA_LABEL = "no data loaded"
NO_DATA_LEGEND = "No data loaded (not a count of 0)"


def _short(cov) -> str:
    """Two short lines over the map (an annotation does not wrap): the caption says more."""
    return cov.headline or "No data loaded for this period<br>(see the notes): not a count of 0"


def _coverage_notes(ctx: AppContext, state: ViewState, audience: Audience, cov):
    """Warnings for a partial period, and for themes no loaded source can report."""
    notes = []
    if cov.partial:
        notes.append(
            Note(
                f"{cov.message()} The figures are for the months with data only; a change "
                "is compared per day over them.",
                warn=True,
            )
        )
    uncovered = uncovered_text(ctx, state, audience)
    if uncovered:
        notes.append(Note(uncovered, warn=True))
    thin = thin_text(ctx, state, audience)
    if thin:
        notes.append(Note(thin, warn=True))
    return tuple(notes)


def _nothing_selected(state: ViewState) -> bool:
    return state.themes == () and not state.categories


def _public_links(state: ViewState, audience: Audience) -> tuple[Note, ...]:
    """The county-lines layer asked for in the public view: why it draws nothing."""
    if audience is Audience.PUBLIC and "lines" in state.layers:
        return (Note(PUBLIC_LINKS_NOTE),)
    return ()


def _far_origins(links) -> tuple[Note, ...]:
    """Say which county lines run off the map (their home areas are too far to show)."""
    far = _far(links)
    if not far:
        return ()
    return (
        Note(f"County lines from {', '.join(far)} run to the map's edge (too far away to show)."),
    )


def _far(links) -> list[str]:
    return list(
        dict.fromkeys(
            k.origin
            for k in links
            if not (
                k.origin_lonlat[0] > NEAR_ORIGIN_WEST and k.origin_lonlat[1] < NEAR_ORIGIN_NORTH
            )
        )
    )


def _with_origins(bounds: tuple[float, ...], links) -> tuple[float, ...]:
    """Widen the view to show where county lines come from when that is near (London and
    the home counties); lines from further away run off the map, named in their hover."""
    near = [
        k.origin_lonlat
        for k in links
        if k.origin_lonlat[0] > NEAR_ORIGIN_WEST and k.origin_lonlat[1] < NEAR_ORIGIN_NORTH
    ]
    if not near:
        return bounds
    lons = [bounds[0], bounds[2], *(lon for lon, _ in near)]
    lats = [bounds[1], bounds[3], *(lat for _, lat in near)]
    return (min(lons), min(lats), max(lons), max(lats))


def drawn_pieces(ctx: AppContext, state: ViewState, res: int, counts: ViewCounts) -> list[dict]:
    """:func:`_pieces`, for the public view computed once per data version for the map and
    the public statistics (which read exactly what the map draws). Callers must not change
    the list or its pieces."""
    if counts.public is None:
        return _pieces(ctx, state, res, counts)
    key = ("public-drawn", counts.public.filters, state.level, state.area_code, res,
           _nothing_selected(state))  # fmt: skip
    return ctx.cached(key, lambda: _pieces(ctx, state, res, counts))


def _pieces(ctx: AppContext, state: ViewState, res: int, counts: ViewCounts) -> list[dict]:
    """Every piece of the area at ``res`` with its published count."""
    if state.themes == () and not state.categories:
        return []
    out = []
    # Incidents outside every boundary are not drawn: no area of the map holds them, and a
    # whole hexagon over the coast or the county edge would read as part of Kent. The notes
    # say how many there are; no area's total, the county's included, counts them.
    for leaf in geo_view.drawn_leaves(ctx, state.level, state.area_code):
        shapes = geo_view.piece_shapes(ctx, leaf, res)
        leaf_key = leaf.code
        status, value = counts.piece_codes(leaf_key, shapes.cells)
        if shapes.whole:
            # A whole hexagon away from its division lies over other areas' pieces: draw
            # it only to show incidents it holds, never as a 0 or a grey over a neighbour
            # (value -1: withheld, 0: none).
            whole = np.isin(shapes.cells, np.fromiter(shapes.whole, np.uint64, len(shapes.whole)))
            keep = np.flatnonzero(~(whole & (value <= 0)))
        else:
            keep = np.arange(shapes.cells.size)
        cells = shapes.cells[keep]
        found = counts_of(leaf_key, cells, status[keep], value[keep], counts.k_of_pieces)
        for cell, i, count in zip(cells.tolist(), keep.tolist(), found, strict=True):
            out.append(
                {
                    "cell": cell,
                    "hex": shapes.hexes[i],
                    "leaf": leaf_key,
                    "district": leaf.district,
                    "geometry": shapes.geometries[i],
                    "count": count,
                }
            )
    return out


def _feature(piece: dict, values: measures.Classified, names: dict[str, str], town: str):
    key = f"{piece['hex']}|{piece['leaf'] or ''}"
    klass, value, label, detail = values.by_piece[key]
    place = names.get(piece["leaf"] or "", "Outside Kent and Medway boundaries")
    if piece["district"] and piece["district"] != piece["leaf"]:
        place += f" ({names.get(piece['district'], piece['district'])})"
    # Place names, not the H3 id: "Margate (Thanet)", "in or near Margate".
    hover = f"<b>{place}</b><br>Hexagon {town}<br>{detail}"
    return Feature(
        key=key,
        cell=piece["hex"],
        area=piece["leaf"],
        district=piece["district"],
        geometry=piece["geometry"],
        klass=klass,
        value=value,
        label=label,
        hover=hover,
    )


def _outlines(ctx: AppContext, state: ViewState) -> tuple[Outline, ...]:
    districts = geo_view.outline_lines(ctx, "district")
    out = [
        Outline(
            "district",
            districts,
            1.6 if state.level == "county" else 0.8,
            "#24292f",
            "District boundaries",
        )
    ]
    if state.level == "county":
        divisions = geo_view.outline_lines(ctx, "division")
        out.insert(0, Outline("division", divisions, 0.4, "#8c959f", "Division boundaries"))
    elif state.district:
        divisions = geo_view.outline_lines(ctx, "division", state.district)
        out.insert(0, Outline("division", divisions, 0.9, "#57606a", "Division boundaries"))
    return tuple(o for o in out if o.coords)


def _selected(state: ViewState, audience: Audience, policy) -> tuple[Outline, ...]:
    """The selected hexagon's outline, drawn over everything (public: the public size only)."""
    if not state.cell:
        return ()
    cell = str_to_cell(state.cell)
    if audience is Audience.PUBLIC and h3i.get_resolution(cell) != policy.max_res:
        return ()
    ring = [(round(lon, 5), round(lat, 5)) for lat, lon in h3i.cell_to_boundary(cell)]
    return (Outline("selected", (tuple(ring + ring[:1]),), 3.0, "#000000", "Selected hexagon"),)


def _banner(audience: Audience) -> str:
    if audience is Audience.RESTRICTED:
        return "OFFICIAL-SENSITIVE: Part 2 (exempt). Not for publication."
    return "OFFICIAL: Part 1 (unrestricted). Small counts are suppressed."


def _empty_message(state: ViewState, counts: ViewCounts, features) -> str | None:
    if state.themes == () and not state.categories:
        return "Nothing selected: tick a theme or add a category."
    if counts.split is not None and counts.split.public is None:
        return (
            "The chosen categories are restricted: the public view shows them only as "
            "district totals (see the side panel)."
        )
    if state.measure == "change" and features and all(f.klass == "no_data" for f in features):
        # Every piece reads "no earlier data": this period may well have incidents, so
        # never "no incidents" (which is what an empty comparison used to print here).
        return (
            "No earlier data to compare with: nothing is loaded for the period before this "
            "one. This period's figures are on the count of incidents."
        )
    if not any(f.value for f in features) and all(f.klass in {"0", "no_data"} for f in features):
        return "No incidents match these filters in this area and period."
    return None


def with_area(state: ViewState, level: str, code: str | None) -> ViewState:
    """The state moved to another area (for exports of every district)."""
    return replace(state.go_to(level, code), cell=None)
