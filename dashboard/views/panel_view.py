"""The side panel of one view: totals by theme with change, the monthly trend, top hexagons
and areas, the hotspot summary, and a hexagon's detail. Plain data, no Dash.

Totals come from incidents placed in the area (the same counts the map's pieces add up to).
For the public audience every figure is a published one, a node of the tree of one (period
block, theme) pair: each theme's row is that theme's own node, the previous figure is the
previous block's node, and the trend has one point per block (see ``public``). Themes and
trends are given for the county and districts only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from dashboard.state import ViewState
from dashboard.views import geometry as geo_view
from dashboard.views.context import AppContext, options
from dashboard.views.counts import view_counts
from dashboard.views.labels import area_title
from dashboard.views.measures import emerging_result, hotspot_result, stats_filters
from dashboard.views.navigation import previous_period_loaded
from dashboard.views.profile import profile
from dashboard.views.public import (
    block_of,
    block_trend,
    period_label,
    publication,
    resolve_view,
    theme_node,
)
from dashboard.views.resolution import view_resolution
from geo.disclosure import Audience, Count, DisclosurePolicy
from geo.filters import Filters, add_months, months_between

TOP_N = 5
BLOCK_UNITS = {1: "month", 3: "quarter", 6: "half-year", 12: "year"}


@dataclass(frozen=True)
class ThemeRow:
    label: str
    current: str
    previous: str
    change: str
    significant: bool | None


@dataclass(frozen=True)
class AreaRow:
    level: str
    code: str
    name: str
    count: str
    value: int | None


@dataclass
class PanelModel:
    title: str
    period: str
    total: str
    themes: list[ThemeRow] = field(default_factory=list)
    total_label: str = "Total"
    trend_title: str = "Incidents by month"
    trend_months: list[date] = field(default_factory=list)
    trend_labels: list[str] = field(default_factory=list)  # public: one point per block
    trend: dict[str, list[int | None]] = field(default_factory=dict)
    top_cells: list[tuple[str, str, str]] = field(default_factory=list)  # hex, place, count
    top_cells_note: str = ""  # why no hexagon is listed, when none is
    top_areas: list[AreaRow] = field(default_factory=list)
    top_areas_title: str = ""
    notes: list[str] = field(default_factory=list)
    restricted_districts: list[tuple[str, str]] = field(default_factory=list)
    cell: dict | None = None


def panel_model(ctx: AppContext, state: ViewState, audience: Audience) -> PanelModel:
    state = resolve_view(ctx, state, audience)
    policy = DisclosurePolicy.from_settings(ctx.settings)
    res = view_resolution(ctx, state, audience)
    counts = view_counts(ctx, state.filters(), audience, res)
    total = counts.area(state.level, state.area_code)
    model = PanelModel(area_title(ctx, state), period_label(ctx, state, audience), total.text)
    detailed = audience is Audience.RESTRICTED or state.level != "division"
    compare = previous_period_loaded(state, options(ctx))
    if audience is Audience.PUBLIC and state.themes:
        model.total_label = ctx.themes.theme(state.themes[0]).label
        model.trend_title = f"Incidents by {BLOCK_UNITS[policy.period_months]}"
    if state.month_from and detailed:
        model.themes = theme_rows(ctx, state, audience, compare=compare)
        model.trend_months, model.trend_labels, model.trend = trend(ctx, state, audience)
    elif not detailed:
        model.notes.append(
            "Breakdowns by theme and by month are published for the county and districts only."
        )
    model.top_cells = top_cells(ctx, state, audience, res)
    if not model.top_cells:
        model.top_cells_note = _no_top_cells(total, policy.k)
    model.top_areas_title, model.top_areas = top_areas(ctx, state, audience, res)
    if audience is Audience.PUBLIC:
        model.restricted_districts = _restricted_districts(ctx, counts)
    model.cell = cell_detail(ctx, state, audience)
    return model


def hotspot_summary(ctx, state: ViewState, audience: Audience) -> list[str]:
    """How many hot and cold cells, and which emerging patterns, in the area (its own
    callback: the statistics take longer than the rest of the panel)."""
    from geo.emerging import CATEGORY_LABELS  # noqa: PLC0415 - statistics load on first use

    state = resolve_view(ctx, state, audience)
    res = view_resolution(ctx, state, audience)
    filters = stats_filters(ctx, state, audience)
    if filters is None or state.month_from is None:
        return []
    classes = hotspot_result(ctx, filters, res).counts_by_class()
    hot = {k: v for k, v in classes.items() if k.startswith("hot") and v}
    cold = {k: v for k, v in classes.items() if k.startswith("cold") and v}
    lines = [
        f"Gi* hot spots: {sum(hot.values())} hexagons"
        + (" (" + ", ".join(f"{k[4:]}%: {v}" for k, v in hot.items()) + ")" if hot else ""),
        f"Gi* cold spots: {sum(cold.values())} hexagons",
    ]
    emerging = emerging_result(ctx, filters, res).counts_by_category()
    patterns = [
        f"{CATEGORY_LABELS[k].lower()}: {v}" for k, v in emerging.items() if v and k != "no_pattern"
    ]
    lines.append("Emerging patterns: " + ("; ".join(patterns) if patterns else "none found"))
    return lines


def _parts(ctx: AppContext, filters: Filters, key: str) -> dict:
    """Exact located counts by ``"category"`` or ``"month"``: Part 2 only."""
    return profile(ctx, filters).located_by(key, filters.exclude_categories)


def _theme_parts(ctx: AppContext, filters: Filters, state: ViewState) -> dict[str, int]:
    """Counts by theme label (categories outside any theme under their own name)."""
    parts: dict[str, int] = {}
    for category, n in _parts(ctx, filters, "category").items():
        theme = ctx.themes.theme_of(category)
        key = ctx.themes.theme(theme).label if theme in (state.themes or ()) else category
        parts[key] = parts.get(key, 0) + n
    return parts


def theme_rows(
    ctx: AppContext, state: ViewState, audience: Audience, *, compare: bool = True
) -> list[ThemeRow]:
    """Totals by theme with change on the previous period: exact for Part 2; for Part 1
    each public theme's own node (see :func:`public_theme_rows`)."""
    from geo.change import change_table  # noqa: PLC0415 - statistics load on first use

    if audience is Audience.PUBLIC:
        return public_theme_rows(ctx, state, compare=compare)
    filters = state.filters()
    now = _theme_parts(ctx, filters, state)
    if not compare:
        return [
            ThemeRow(k, f"{n:,}", "not loaded", "no earlier data to compare", None)
            for k, n in sorted(now.items())
        ]
    before = _theme_parts(ctx, filters.previous_period(), state)
    rows = []
    for key in sorted(set(now) | set(before)):
        a, b = now.get(key, 0), before.get(key, 0)
        t = change_table([a], [b]).iloc[0]
        rows.append(ThemeRow(key, f"{a:,}", f"{b:,}", t.label, bool(t.significant)))
    return rows


def public_theme_rows(ctx, state: ViewState, *, compare: bool) -> list[ThemeRow]:
    """Each public theme's node for the area in its own (block, theme) tree, and in the
    previous block's: no figure here is a sum across themes or blocks."""
    from geo.change import change_table  # noqa: PLC0415 - statistics load on first use

    block = block_of(ctx, state)
    rows = []
    for theme in publication(ctx).themes:
        label = ctx.themes.theme(theme).label
        a = theme_node(ctx, theme, block, state.level, state.area_code)
        if not compare:
            rows.append(ThemeRow(label, a.text, "not loaded", "no earlier data to compare", None))
            continue
        b = theme_node(ctx, theme, block.previous(), state.level, state.area_code)
        if a.withheld or b.withheld:
            rows.append(ThemeRow(label, a.text, b.text, "not published", None))
            continue
        t = change_table([a.value], [b.value]).iloc[0]
        rows.append(ThemeRow(label, a.text, b.text, t.label, bool(t.significant)))
    return rows


def trend(ctx, state: ViewState, audience: Audience):
    """``(x, labels, series)``: for Part 2 monthly exact counts by theme (labels empty); for
    Part 1 one point per block for the view's theme, each its own block's published node."""
    if audience is Audience.PUBLIC:
        starts, labels, values = block_trend(ctx, state)
        if not values or not state.themes:
            return starts, labels, {}
        name = ctx.themes.theme(state.themes[0]).label
        return starts, labels, {f"{name} (published)": values}
    months = [
        add_months(state.month_from, i)
        for i in range(months_between(state.month_from, state.month_to))
    ]
    filters = state.filters()
    series = {}
    for theme in state.themes or ():
        f = replace(filters, themes=(theme,), categories=())
        parts = _parts(ctx, f, "month")
        series[ctx.themes.theme(theme).label] = [parts.get(m, 0) for m in months]
    if state.categories:
        f = replace(filters, themes=(), categories=state.categories)
        parts = _parts(ctx, f, "month")
        series["Chosen categories"] = [parts.get(m, 0) for m in months]
    return months, [], series


def top_cells(ctx, state: ViewState, audience: Audience, res: int) -> list[tuple[str, str, str]]:
    counts = view_counts(ctx, state.filters(), audience, res)
    names = geo_view.area_names(ctx)
    found = []
    for leaf in geo_view.drawn_leaves(ctx, state.level, state.area_code):
        shapes = geo_view.piece_shapes(ctx, leaf, res)
        for hex_id, c in zip(shapes.hexes, counts.pieces(leaf.code, shapes.cells), strict=True):
            if c.value:
                found.append((c.value, hex_id, names.get(leaf.code, leaf.code), c.text))
    found.sort(key=lambda t: (-t[0], t[1]))
    return [(h, place, text) for _, h, place, text in found[:TOP_N]]


def _no_top_cells(total: Count, k: int) -> str:
    """Why the busiest-hexagons list is empty: no incidents, or none publishable."""
    if total.status == "zero":
        return "No incidents."
    return f"No hexagon has a count that can be published (all below {k} or withheld)."


def top_areas(ctx, state: ViewState, audience: Audience, res: int):
    opts = options(ctx)
    counts = view_counts(ctx, state.filters(), audience, res)
    if state.level == "county":
        pool, title = opts.divisions, "Top divisions in Kent"
    elif state.level == "district":
        pool, title = opts.divisions_of(state.district), "Divisions in this district"
    else:
        return "", []
    rows = []
    for area in pool:
        c = counts.area("division", area.code)
        rows.append(AreaRow("division", area.code, area.name, c.text, c.value))
    rows.sort(key=lambda r: (-(r.value or 0), r.name))
    return title, rows[: TOP_N if state.level == "county" else len(rows)]


def _restricted_districts(ctx, counts) -> list[tuple[str, str]]:
    tree = counts.restricted_districts()
    if tree is None:
        return []
    return [(a.name, tree.area("district", a.code).text) for a in options(ctx).districts]


def cell_detail(ctx, state: ViewState, audience: Audience) -> dict | None:
    """The selected hexagon: its published count and, for Part 2 only, its incidents.

    A hexagon at county or district level can span divisions, and counts are kept by piece
    (the hexagon within one division), so its count is the sum of its pieces in the view's
    area. For Part 1 every number shown is a published one: the sum only where every piece
    is shown (it adds nothing to them) or where a single piece holds all its incidents (the
    sum is that piece); otherwise each division's piece is listed and the total withheld."""
    if not state.cell:
        return None
    from geo.cells import cell_resolution, str_to_cell  # noqa: PLC0415

    state = resolve_view(ctx, state, audience)
    cell = str_to_cell(state.cell)
    res = cell_resolution(cell)
    policy = DisclosurePolicy.from_settings(ctx.settings)
    if audience is Audience.PUBLIC and res != policy.max_res:
        return None  # the public view publishes hexagons of one size only
    counts = view_counts(ctx, state.filters(), audience, res)
    names = geo_view.area_names(ctx)
    parts = [
        (leaf, counts.piece(leaf.code, cell)) for leaf in geo_view.leaves_of_cell(ctx, state, cell)
    ]
    detail = {
        "hex": state.cell,
        "count": _cell_total([c for _, c in parts]),
        "place": _cell_place(parts, names),
        "parts": [(names.get(leaf.code, leaf.code), c.text) for leaf, c in parts]
        if len(parts) > 1
        else [],
        "incidents": [],
    }
    if policy.allows_records(audience):
        detail["incidents"] = _incidents_in(ctx, state, cell, res)
    return detail


def _cell_total(parts: list[Count]) -> str:
    if not parts:
        return "0"
    if all(not c.withheld for c in parts):
        return f"{sum(c.value for c in parts):,}"
    held = [c for c in parts if c.withheld or c.value]
    if len(held) == 1:
        return held[0].text
    return "not published (a part is withheld; see each division below)"


def _cell_place(parts, names: dict[str, str]) -> str:
    """Where the hexagon is: its division(s) and district."""
    if not parts:
        return "outside the area shown"
    divisions = [names.get(leaf.code, leaf.code) for leaf, _ in parts]
    district = parts[0][0].district
    text = " and ".join(divisions) if len(divisions) <= 2 else ", ".join(divisions)
    if district and district != parts[0][0].code:
        text += f" ({names.get(district, district)})"
    return text


def _incidents_in(ctx, state: ViewState, cell: int, res: int, limit: int = 100) -> list[tuple]:
    from geo.cells import cell_column  # noqa: PLC0415

    column = cell_column(res)  # a fixed identifier
    where, wparams = state.filters().where(ctx.themes)
    return ctx.store.fetch_rows(
        f"SELECT CASE WHEN date IS NULL THEN strftime(month, '%Y-%m') "
        f"ELSE strftime(date, '%Y-%m-%d') END, category, coalesce(incident_id, '(no id)'), "
        f"coalesce(location, destination, port, ''), source "
        f"FROM incidents WHERE {column} = ? AND {where} ORDER BY month DESC, date DESC LIMIT ?",
        [cell, *wparams, limit],
    )
