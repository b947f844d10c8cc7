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

import numpy as np

from dashboard.state import ViewState
from dashboard.views import geometry as geo_view
from dashboard.views import public_stats
from dashboard.views.cell_trend import cell_trend
from dashboard.views.context import AppContext, data_coverage, hidden_categories, options
from dashboard.views.counts import view_counts
from dashboard.views.harm import area_rate_text
from dashboard.views.labels import area_title
from dashboard.views.loaded import (
    empty_text,
    period_heading,
    thin_text,
    uncovered_text,
    view_coverage,
)
from dashboard.views.measures import emerging_result, hotspot_result, stats_filters
from dashboard.views.profile import profile
from dashboard.views.public import (
    block_coverage,
    block_of,
    block_trend,
    publication,
    resolve_view,
    theme_node,
    thin_or,
)
from dashboard.views.resolution import view_resolution
from geo.disclosure import STATUS_NAMES, Audience, Count, DisclosurePolicy, display_text
from geo.filters import Filters, add_months, months_between
from geo.store import PeriodCoverage, month_words, source_name, untested_reason
from geo.store.queries.incidents import incident_records

MIN_TREND_STEPS = public_stats.MIN_STEPS  # fewer periods: no trend, no emerging analysis

TOP_N = 5
BLOCK_UNITS = {1: "month", 3: "quarter", 6: "half-year", 12: "year"}
NO_DATA = "no data"
NO_EARLIER = "no earlier data to compare"


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
    # Per series and point: "complete", "partial" (drawn hollow, dashed) or "empty" (a gap).
    trend_status: dict[str, list[str]] = field(default_factory=dict)
    trend_empty: str = ""  # what the chart says when it has nothing to draw
    top_cells: list[tuple[str, str, str]] = field(default_factory=list)  # hex, place, count
    top_cells_note: str = ""  # why no hexagon is listed, when none is
    top_areas: list[AreaRow] = field(default_factory=list)
    top_areas_title: str = ""
    notes: list[str] = field(default_factory=list)
    restricted_districts: list[tuple[str, str]] = field(default_factory=list)
    cell: dict | None = None
    status: str = "complete"  # the view's coverage: complete, partial or empty
    coverage: list[str] = field(default_factory=list)  # which sources cover which months
    rate: str = ""  # per 1,000 residents, districts and divisions (dashboard.views.harm)


def panel_model(ctx: AppContext, state: ViewState, audience: Audience) -> PanelModel:
    state = resolve_view(ctx, state, audience)
    policy = DisclosurePolicy.from_settings(ctx.settings)
    cov = view_coverage(ctx, state, audience)
    heading = period_heading(ctx, state, audience)
    model = PanelModel(area_title(ctx, state), heading, "", status=cov.status)
    model.coverage = coverage_lines(ctx, audience)
    if audience is Audience.PUBLIC and state.themes:
        model.total_label = ctx.themes.theme(state.themes[0]).label
        model.trend_title = f"Incidents by {BLOCK_UNITS[policy.period_months]}"
    uncovered = uncovered_text(ctx, state, audience)
    if cov.empty and not (state.themes == () and not state.categories):
        # Nothing loaded for these months: no total, no ranking, no trend point is a 0.
        model.total = "no data loaded"
        model.notes.append(empty_text(ctx, cov, audience))
        model.trend_empty = "No data loaded<br>for this period."
        model.top_cells_note = "No data loaded for this period."
        model.cell = None
        return model
    if cov.partial:
        model.notes.append(f"{cov.message()} Figures are for the months with data only.")
    if uncovered:
        model.notes.append(uncovered)
    thin = thin_text(ctx, state, audience, compared=True)
    if thin:
        model.notes.append(thin)
    res = view_resolution(ctx, state, audience)
    counts = view_counts(ctx, state.filters(), audience, res)
    model.total = counts.area(state.level, state.area_code).text
    model.rate = area_rate_text(ctx, state, audience, counts.area(state.level, state.area_code))
    detailed = audience is Audience.RESTRICTED or state.level != "division"
    if state.month_from and detailed:
        model.themes = theme_rows(ctx, state, audience)
        model.trend_months, model.trend_labels, model.trend, model.trend_status = trend(
            ctx, state, audience
        )
    elif not detailed:
        model.notes.append(
            "Breakdowns by theme and by month are published for the county and districts only."
        )
        model.trend_empty = "Figures are published<br>for the county and districts only."
    model.top_cells = top_cells(ctx, state, audience, res)
    if not model.top_cells:
        model.top_cells_note = _no_top_cells(counts.area(state.level, state.area_code), policy.k)
    model.top_areas_title, model.top_areas = top_areas(ctx, state, audience, res)
    if audience is Audience.PUBLIC:
        model.restricted_districts = _restricted_districts(ctx, counts, state)
    model.cell = cell_detail(ctx, state, audience)
    return model


NO_SOURCE = "no data (no loaded source can report it)"
RESTRICTED_COVERAGE = (
    "district totals for each published period, where any are loaded (a restricted "
    "category: the months its records fall in are not given)"
)


def _hexagons(n: int) -> str:
    return f"{n} hexagon" if n == 1 else f"{n} hexagons"


def coverage_lines(ctx: AppContext, audience: Audience) -> list[str]:
    """ "Knife crime: October to December 2018 (police.uk); ..." for every theme: which
    sources have data for which months (a month or theme without any is no data, not 0)."""
    coverage = data_coverage(ctx, audience)
    policy = DisclosurePolicy.from_settings(ctx.settings)
    hidden = hidden_categories(ctx) if audience is Audience.PUBLIC else frozenset()
    lines = []
    for theme in ctx.themes.themes:
        if hidden and set(ctx.themes.categories_for(theme.key)) <= hidden:
            # Restricted: one table per block, so nothing of its records' months is given,
            # not even whether any are loaded outside the block: the same words either way.
            if policy.restricted_display == "district":
                lines.append(f"{theme.label}: {RESTRICTED_COVERAGE}")
            continue
        sources = coverage.theme_sources(theme.key, ctx.themes)
        parts = [
            f"{month_words(coverage.months[s])} ({source_name(s)})"
            for s in sources
            if coverage.months.get(s)
        ]
        text = "; ".join(parts) if parts else NO_SOURCE
        lines.append(f"{theme.label}: {text}")
    return lines


def hotspot_summary(ctx, state: ViewState, audience: Audience) -> list[str]:
    """How many hot and cold cells, and which emerging patterns, in the area (its own
    callback: the statistics take longer than the rest of the panel)."""
    state = resolve_view(ctx, state, audience)
    cov = view_coverage(ctx, state, audience)
    if cov.empty:
        return ["No data loaded for this period: no hot spot statistics."]
    res = view_resolution(ctx, state, audience)
    if state.month_from is None:
        return []
    if audience is Audience.PUBLIC:
        counts = view_counts(ctx, state.filters(), audience, res)
        if counts.split is not None and counts.split.public is None:
            return []
        # Classes from the published figures only, as the public map draws them.
        classes = public_stats.public_hotspots(ctx, state, res).counts_by_class()
        emerging = public_stats.public_emerging(ctx, state, res)
        analysed = len(emerging.steps) >= MIN_TREND_STEPS
        return _summary_lines(
            classes, emerging.counts_by_category(), emerging.notes, cov, analysed=analysed
        )
    filters = stats_filters(ctx, state, audience)
    if filters is None:
        return []
    classes = hotspot_result(ctx, filters, res).counts_by_class()
    result = emerging_result(ctx, filters, res)
    analysed = len(result.months) >= MIN_TREND_STEPS
    return _summary_lines(
        classes, result.counts_by_category(), result.warnings, cov, analysed=analysed
    )


def _summary_lines(
    classes: dict[str, int],
    emerging: dict[str, int],
    warnings: tuple[str, ...],
    cov,
    *,
    analysed: bool,
) -> list[str]:
    from geo.stats import CATEGORY_LABELS, RATE_WORDS  # noqa: PLC0415 - statistics load on first use

    hot = {k: v for k, v in classes.items() if k.startswith("hot") and v}
    cold = {k: v for k, v in classes.items() if k.startswith("cold") and v}
    # The classes are false-discovery-rate levels, said as such (not "99%").
    by_rate = ", ".join(f"{v} with at most {RATE_WORDS[int(k[4:])]}" for k, v in hot.items())
    lines = [
        f"Gi* hot spots: {_hexagons(sum(hot.values()))} over the whole period"
        + (f" ({by_rate} false alarms)" if hot else ""),
        f"Gi* cold spots: {_hexagons(sum(cold.values()))} over the whole period",
    ]
    patterns = [
        f"{CATEGORY_LABELS[k].lower()}: {v}" for k, v in emerging.items() if v and k != "no_pattern"
    ]
    if not analysed:  # one period: no trend, so nothing was looked for ("none found" is not)
        lines.append("Emerging patterns: not analysed (too few periods for a trend)")
    else:
        lines.append("Emerging patterns: " + ("; ".join(patterns) if patterns else "none found"))
    # The two statistics answer different questions, and a reader seeing "0 hot spots" beside
    # a map of emerging hot spots would take one of them to be wrong: say why both hold.
    for side, found in (("hot", hot), ("cold", cold)):
        if not found and any(v and k.endswith(f"_{side}") for k, v in emerging.items()):
            lines.append(
                f"No hexagon is a {side} spot over the period taken as a whole; the emerging "
                f"patterns come from hexagons that were {side} in some of its months (each "
                "month is tested on its own)."
            )
    lines.extend(_sentence(w) for w in warnings)
    if cov.partial:
        lines.append(f"{cov.message()} The statistics use the months with data only.")
    return lines


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


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


def theme_rows(ctx: AppContext, state: ViewState, audience: Audience) -> list[ThemeRow]:
    """Totals by theme with change on the previous period, per day over the days with data
    of each theme in each period: exact for Part 2; for Part 1 each public theme's own node
    (see :func:`public_theme_rows`). A theme no loaded source covers reads "no data"."""
    if audience is Audience.PUBLIC:
        return public_theme_rows(ctx, state)
    filters = state.filters()
    before = filters.previous_period()
    now = _theme_parts(ctx, filters, state)
    then = _theme_parts(ctx, before, state)
    keys = [(ctx.themes.theme(t).label, (t,), ()) for t in state.themes or ()]
    labels = {label for label, _, _ in keys}
    keys += [(k, (), (k,)) for k in sorted(set(now) | set(then)) if k not in labels]
    coverage = data_coverage(ctx, Audience.RESTRICTED)
    rows = []
    for label, theme, category in keys:
        f = replace(filters, themes=theme, categories=category, district=None, division=None)
        covers = (coverage.period(f, ctx.themes), coverage.period(f.previous_period(), ctx.themes))
        untested = untested_reason(coverage.thin_in(covers))
        a, b = _known(now.get(label, 0)), _known(then.get(label, 0))
        rows.append(_theme_row(label, a, b, *covers, untested=untested))
    return rows


def _known(n: int) -> Count:
    return Count(None, "shown" if n else "zero", n, f"{n:,}")


def _theme_row(
    label: str, a: Count, b: Count, now: PeriodCoverage, then: PeriodCoverage, *, untested: str
):
    """One theme's row: its count, the previous one and the change per day, with "no data"
    where no source covering the theme has data (never a 0, never "new from none"), and no
    test where ``untested`` says why (a thin month)."""
    from geo.stats import change_table  # noqa: PLC0415 - statistics load on first use

    if now.empty:
        return ThemeRow(label, NO_DATA, NO_DATA if then.empty else b.text, "no data loaded", None)
    mark = " (partial)" if now.partial else ""
    if then.empty:
        return ThemeRow(label, a.text + mark, NO_DATA, NO_EARLIER, None)
    if a.withheld or b.withheld:
        return ThemeRow(label, a.text + mark, b.text, "not published", None)
    t = change_table([a.value], [b.value], days=(now.days, then.days), untested=untested)
    t = t.iloc[0]
    change = t.label + (" (partial period)" if now.partial or then.partial else "")
    prior = b.text + (" (partial)" if then.partial else "")
    return ThemeRow(label, a.text + mark, prior, change, bool(t.significant))


def public_theme_rows(ctx, state: ViewState) -> list[ThemeRow]:
    """Each public theme's node for the area in its own (block, theme) tree, and in the
    previous block's: no figure here is a sum across themes or blocks."""
    block = block_of(ctx, state)
    pub = publication(ctx)
    coverage = data_coverage(ctx, Audience.PUBLIC)
    rows = []
    for theme in pub.themes:
        label = ctx.themes.theme(theme).label
        now = block_coverage(ctx, block, theme)
        before = block.previous()
        published = before in pub.blocks
        then = block_coverage(ctx, before, theme) if published else _nothing(before)
        a = theme_node(ctx, theme, block, state.level, state.area_code)
        b = theme_node(ctx, theme, before, state.level, state.area_code) if published else a
        untested = untested_reason(coverage.thin_in((now, then)))
        rows.append(_theme_row(label, a, b, now, then, untested=untested))
    return rows


def _nothing(block) -> PeriodCoverage:
    return PeriodCoverage(block.first, block.last, (), {}, {})


def trend(ctx, state: ViewState, audience: Audience):
    """``(x, labels, series, status)``: for Part 2 monthly exact counts by theme (labels
    empty); for Part 1 one point per block for the view's theme, each its own block's
    published node. ``status`` gives each point's coverage: a month or block without data
    is a gap (None), never a 0; a partial one is drawn as partial, and one holding a thin
    month as thin."""
    if audience is Audience.PUBLIC:
        starts, labels, values, status = block_trend(ctx, state)
        if not values or not state.themes:
            return starts, labels, {}, {}
        name = f"{ctx.themes.theme(state.themes[0]).label} (published)"
        return starts, labels, {name: values}, {name: status}
    months = [
        add_months(state.month_from, i)
        for i in range(months_between(state.month_from, state.month_to))
    ]
    filters = state.filters()
    series, status = {}, {}
    wanted = [(ctx.themes.theme(t).label, (t,), ()) for t in state.themes or ()]
    if state.categories:
        wanted.append(("Chosen categories", (), state.categories))
    coverage = data_coverage(ctx, Audience.RESTRICTED)
    for name, theme, categories in wanted:
        f = replace(filters, themes=theme, categories=categories)
        cov = coverage.period(replace(f, district=None, division=None), ctx.themes)
        thin = {t.month for t in coverage.thin_in([cov])}
        marks = [thin_or(cov.month_status(m), m in thin) for m in months]
        parts = _parts(ctx, f, "month")
        key = name + (" (no data)" if all(m == "empty" for m in marks) else "")
        series[key] = [
            None if x == "empty" else parts.get(m, 0) for m, x in zip(months, marks, strict=True)
        ]
        status[key] = marks
    return months, [], series, status


def top_cells(ctx, state: ViewState, audience: Audience, res: int) -> list[tuple[str, str, str]]:
    counts = view_counts(ctx, state.filters(), audience, res)
    names = geo_view.area_names(ctx)
    found = []
    for leaf in geo_view.drawn_leaves(ctx, state.level, state.area_code):
        shapes = geo_view.piece_shapes(ctx, leaf, res)
        # The published values as arrays (-1: withheld, 0: none), the words made only for the
        # pieces listed: a Count for every piece of the county was a third of the panel's time.
        status, value = counts.piece_codes(leaf.code, shapes.cells)
        found.extend(
            (int(value[i]), shapes.hexes[i], leaf.code, int(status[i]))
            for i in np.flatnonzero(value > 0).tolist()
        )
    found.sort(key=lambda t: (-t[0], t[1]))
    return [
        (h, names.get(leaf, leaf), display_text(STATUS_NAMES[code], v, counts.k_of_pieces))
        for v, h, leaf, code in found[:TOP_N]
    ]


def _no_top_cells(total: Count, k: int) -> str:
    """Why the busiest-hexagons list is empty: no incidents, or none publishable."""
    if total.status == "zero":
        return "No incidents."
    return f"No hexagon has a count that can be published (all below {k} or withheld)."


def top_areas(ctx, state: ViewState, audience: Audience, res: int):
    opts = options(ctx)
    counts = view_counts(ctx, state.filters(), audience, res)
    if state.level == "county":
        # A ranking that leaves areas out says which: Medway has no county divisions, and
        # the public list ranks published counts only (a reader took the fifth listed for
        # the fifth busiest when two busier ones were withheld).
        pool, title = opts.divisions, "Top divisions in Kent (Medway has no county divisions)"
        if audience is Audience.PUBLIC:
            title = (
                "Top divisions in Kent with a published count (withheld counts are not "
                "ranked; Medway has no county divisions)"
            )
    elif state.level == "district":
        pool, title = opts.divisions_of(state.district), "Divisions in this district"
    else:
        return "", []
    rows = []
    for area in pool:
        c = counts.area("division", area.code)
        rows.append(AreaRow("division", area.code, area.name, c.text, c.value))
    rows.sort(key=lambda r: (-(r.value or 0), r.name))
    if state.level == "county":
        # A ranking holds only published counts above zero: a 0 or a withheld count at the
        # bottom of a "top" list (in alphabetical order) reads as a finding.
        return title, [r for r in rows if r.value][:TOP_N]
    return title, rows


def _restricted_districts(ctx, counts, state: ViewState) -> list[tuple[str, str]]:
    """The restricted categories' district totals: "no data" where no loaded source can
    report them in the block (police.uk has no modern slavery type: not 0)."""
    tree = counts.restricted_districts()
    if tree is None:
        return []
    block = block_of(ctx, state)
    policy = DisclosurePolicy.from_settings(ctx.settings)
    restricted = Filters(categories=policy.restricted_categories(ctx.themes))
    cov = (
        # Every category: the one question the public restricted table asks is whether any
        # of it is loaded in the block at all (its own "no data"), never which months.
        data_coverage(ctx, Audience.RESTRICTED).period(
            restricted, ctx.themes, block.first, block.last
        )
        if block
        else None
    )
    if cov is None or cov.empty:
        return [(a.name, NO_DATA) for a in options(ctx).districts]
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
    from geo.grid import cell_resolution, str_to_cell  # noqa: PLC0415

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
    detail["trend"] = cell_trend(ctx, state, audience, cell)
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
    """The newest incidents of the view in the hexagon (``res`` is the cell's own)."""
    return incident_records(ctx.store, state.filters(), ctx.themes, cell=cell, limit=limit)
