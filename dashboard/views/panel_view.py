"""The side panel of one view: totals by theme with change, the monthly trend, top hexagons
and areas, the hotspot summary, and a hexagon's detail. Plain data, no Dash.

Totals come from incidents placed in the area (the same counts the map's pieces add up to).
For the public audience every figure is a published one: breakdowns are suppressed against
the map's own count of the area, and breakdowns by theme and month are given for the county
and districts only (finer tables could be differenced against each other).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from dashboard.state import ViewState
from dashboard.views import geometry as geo_view
from dashboard.views.context import AppContext, options
from dashboard.views.counts import view_counts
from dashboard.views.labels import area_title, period_text
from dashboard.views.measures import emerging_result, hotspot_result, stats_filters
from dashboard.views.navigation import previous_period_loaded, resolve
from dashboard.views.profile import profile
from geo.disclosure import Audience, Count, DisclosurePolicy
from geo.filters import Filters, add_months, months_between

TOP_N = 5


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
    trend_months: list[date] = field(default_factory=list)
    trend: dict[str, list[int | None]] = field(default_factory=dict)
    top_cells: list[tuple[str, str, str]] = field(default_factory=list)  # hex, place, count
    top_areas: list[AreaRow] = field(default_factory=list)
    top_areas_title: str = ""
    notes: list[str] = field(default_factory=list)
    restricted_districts: list[tuple[str, str]] = field(default_factory=list)
    cell: dict | None = None


def panel_model(ctx: AppContext, state: ViewState, audience: Audience) -> PanelModel:
    state = resolve(state, options(ctx), ctx.themes)
    policy = DisclosurePolicy.from_settings(ctx.settings)
    res = policy.resolution(audience, state.resolution())
    counts = view_counts(ctx, state.filters(), audience, res)
    total = counts.area(state.level, state.area_code)
    model = PanelModel(area_title(ctx, state), period_text(state), total.text)
    detailed = audience is Audience.RESTRICTED or state.level != "division"
    if state.month_from and detailed:
        model.themes = theme_rows(
            ctx, state, audience, compare=previous_period_loaded(state, options(ctx))
        )
        model.trend_months, model.trend = trend(ctx, state, audience, total)
    elif not detailed:
        model.notes.append(
            "Breakdowns by theme and by month are published for the county and districts only."
        )
    model.top_cells = top_cells(ctx, state, audience, res)
    model.top_areas_title, model.top_areas = top_areas(ctx, state, audience, res)
    if audience is Audience.PUBLIC:
        model.restricted_districts = _restricted_districts(ctx, counts)
    model.cell = cell_detail(ctx, state, audience)
    return model


def hotspot_summary(ctx, state: ViewState, audience: Audience) -> list[str]:
    """How many hot and cold cells, and which emerging patterns, in the area (its own
    callback: the statistics take longer than the rest of the panel)."""
    from geo.emerging import CATEGORY_LABELS  # noqa: PLC0415 - statistics load on first use

    state = resolve(state, options(ctx), ctx.themes)
    policy = DisclosurePolicy.from_settings(ctx.settings)
    res = policy.resolution(audience, state.resolution())
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
    """Exact located counts by ``"category"`` or ``"month"``."""
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
    from geo.change import change_table  # noqa: PLC0415 - statistics load on first use

    filters = _visible_filters(ctx, state, audience)
    if filters is None:
        return []
    now = _published(ctx, state, audience, filters, _theme_parts(ctx, filters, state))
    if not compare:
        return [
            ThemeRow(k, c.text, "not loaded", "no earlier data to compare", None)
            for k, c in sorted(now.items())
        ]
    before_filters = filters.previous_period()
    before = _published(
        ctx, state, audience, before_filters, _theme_parts(ctx, before_filters, state)
    )
    rows = []
    for key in sorted(set(now) | set(before)):
        a = now.get(key) or _zero(key)
        b = before.get(key) or _zero(key)
        if a.withheld or b.withheld:
            rows.append(ThemeRow(key, a.text, b.text, "not published", None))
            continue
        t = change_table([a.value], [b.value]).iloc[0]
        rows.append(ThemeRow(key, a.text, b.text, t.label, bool(t.significant)))
    return rows


def _zero(key) -> Count:
    return Count(key, "zero", 0, "0")


def _visible_filters(ctx, state: ViewState, audience: Audience) -> Filters | None:
    filters = state.filters()
    if audience is Audience.RESTRICTED:
        return filters
    split = view_counts(ctx, filters, audience, 8).split
    if split is None or split.public is None:
        return None
    return replace(split.public, district=filters.district, division=filters.division)


def _published(
    ctx, state: ViewState, audience: Audience, filters: Filters, parts: dict
) -> dict[object, Count]:
    """Parts of the area's count under ``filters`` (whose period may differ from the view's)."""
    counts = view_counts(ctx, filters, audience, 8)
    return counts.breakdown(state.level, state.area_code, parts)


def trend(ctx, state: ViewState, audience: Audience, total: Count):
    """Monthly counts in the period: by theme for Part 2, the published total for Part 1."""
    months = [
        add_months(state.month_from, i)
        for i in range(months_between(state.month_from, state.month_to))
    ]
    filters = _visible_filters(ctx, state, audience)
    if filters is None:
        return months, {}
    if audience is Audience.RESTRICTED:
        series = {}
        for theme in state.themes or ():
            f = replace(filters, themes=(theme,), categories=())
            parts = _parts(ctx, f, "month")
            series[ctx.themes.theme(theme).label] = [parts.get(m, 0) for m in months]
        if state.categories:
            f = replace(filters, themes=(), categories=state.categories)
            parts = _parts(ctx, f, "month")
            series["Chosen categories"] = [parts.get(m, 0) for m in months]
        return months, series
    parts = _parts(ctx, filters, "month")
    published = _published(ctx, state, audience, filters, {m: parts.get(m, 0) for m in months})
    return months, {"All selected (published)": [published[m].value for m in months]}


def top_cells(ctx, state: ViewState, audience: Audience, res: int) -> list[tuple[str, str, str]]:
    counts = view_counts(ctx, state.filters(), audience, res)
    names = geo_view.area_names(ctx)
    found = []
    for leaf in geo_view.leaves_in(ctx, state.level, state.area_code):
        shapes = geo_view.piece_shapes(ctx, leaf, res)
        for hex_id, c in zip(
            shapes.hexes, counts.pieces(leaf.code or None, shapes.cells), strict=True
        ):
            if c.value:
                found.append((c.value, hex_id, names.get(leaf.code, "outside"), c.text))
    found.sort(key=lambda t: (-t[0], t[1]))
    return [(h, place, text) for _, h, place, text in found[:TOP_N]]


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
    """The selected hexagon: its published count and, for Part 2 only, its incidents."""
    if not state.cell:
        return None
    from geo.cells import cell_resolution, str_to_cell  # noqa: PLC0415

    state = resolve(state, options(ctx), ctx.themes)
    cell = str_to_cell(state.cell)
    res = cell_resolution(cell)
    policy = DisclosurePolicy.from_settings(ctx.settings)
    if audience is Audience.PUBLIC and res > policy.max_res:
        return None
    leaf = state.division or state.district
    count = view_counts(ctx, state.filters(), audience, res).piece(leaf, cell)
    detail = {"hex": state.cell, "count": count.text, "incidents": []}
    if policy.allows_records(audience):
        detail["incidents"] = _incidents_in(ctx, state, cell, res)
    return detail


def _incidents_in(ctx, state: ViewState, cell: int, res: int, limit: int = 100) -> list[tuple]:
    from geo.cells import parent_sql  # noqa: PLC0415

    expr, params = parent_sql("cell", res)
    where, wparams = state.filters().where(ctx.themes)
    return ctx.store.fetch_rows(
        f"SELECT CASE WHEN date IS NULL THEN strftime(month, '%Y-%m') "
        f"ELSE strftime(date, '%Y-%m-%d') END, category, coalesce(incident_id, '(no id)'), "
        f"coalesce(location, destination, port, ''), source "
        f"FROM incidents WHERE {expr} = ? AND {where} ORDER BY month DESC, date DESC LIMIT ?",
        [*params, cell, *wparams, limit],
    )
