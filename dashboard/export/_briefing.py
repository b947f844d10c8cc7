"""What a briefing pack says: plain data gathered from the dashboard's view functions.

The pack covers the county for one period: the overview and hot spot maps, every district
and division with change on the previous period, the hot spot and emerging hot spot summary,
trends by theme, one page per district and the method notes. The public (Part 1) pack is one
(period block, theme) pair of the public view: its maps and tables are one theme's figures for
one published block, compared with the previous block; its tables by theme and its trends
give each public theme's own published figure for each block, never a sum across them.
Every number comes from the same functions the dashboard uses (:mod:`dashboard.views`), so
for the public audience every figure is a published (suppressed) one, and for the restricted
audience an exact one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from dashboard.export._rows import AreaRow, area_rows, view_resolution
from dashboard.state import ViewState
from dashboard.views import public_stats
from dashboard.views.context import AppContext, options
from dashboard.views.counts import view_counts
from dashboard.views.harm import HarmPage, harm_page
from dashboard.views.loaded import (
    comparable,
    period_heading,
    previous_coverage,
    view_coverage,
    view_thin,
)
from dashboard.views.map_model import MapModel
from dashboard.views.map_view import map_model
from dashboard.views.measures import emerging_result, hotspot_result, stats_filters
from dashboard.views.panel_view import PanelModel, hotspot_summary, panel_model, trend
from dashboard.views.places import nearest_towns
from dashboard.views.public import period_label, publication, resolve_view
from geo.disclosure import Audience
from geo.grid import cell_to_str, str_to_cell
from geo.store import untested_reason

TOP_HOT = 10


@dataclass
class DistrictPage:
    code: str
    name: str
    state: ViewState
    model: MapModel
    panel: PanelModel
    areas: list[AreaRow]


@dataclass
class HotCell:
    hex: str
    place: str
    klass: str
    z: float | None  # None in public: no score is published
    count: str
    town: str = ""  # "in or near Dover"


@dataclass
class Briefing:
    state: ViewState
    audience: Audience
    period: str
    previous_period: str | None
    overview: MapModel
    hotspots: MapModel
    emerging: MapModel
    panel: PanelModel
    areas: list[AreaRow]
    hot_cells: list[HotCell]
    hot_classes: dict[str, int]
    emerging_categories: dict[str, int]
    emerging_notes: list[str]
    trend_months: list[date]
    trend_labels: list[str]  # public: one point per period block, named as the block is
    trends: dict[str, list[int | None]]
    withheld_themes: list[str]
    # Per series and point: complete, partial (hollow, dashed) or empty (a gap).
    trend_status: dict[str, list[str]] = field(default_factory=dict)
    status: str = "complete"  # the period's coverage: complete, partial or empty
    untested: str = ""  # why no change is tested ('' when changes are: see geo.stats._change)
    hotspot_lines: list[str] = field(default_factory=list)
    districts: list[DistrictPage] = field(default_factory=list)
    harm: list[HarmPage] = field(default_factory=list)  # the county's, then each district's


def briefing_model(
    ctx: AppContext, state: ViewState, audience: Audience, progress=None
) -> Briefing:
    """Everything the pack shows for the county view ``state`` (its area is ignored)."""
    opts = options(ctx)
    state = resolve_view(ctx, state.go_to("county", None), audience)
    months, labels, trends, withheld, status = theme_trends(ctx, state, audience)
    hot = _hotspot_summary(ctx, state, audience)
    brief = Briefing(
        state=state,
        audience=audience,
        period=period_heading(ctx, state, audience),
        previous_period=_previous_text(ctx, state, audience),
        overview=map_model(ctx, state, audience),
        hotspots=map_model(ctx, replace(state, measure="hotspots"), audience),
        emerging=map_model(ctx, replace(state, measure="emerging"), audience),
        panel=panel_model(ctx, state, audience),
        areas=area_rows(ctx, state, audience),
        hot_cells=hot[0],
        hot_classes=hot[1],
        emerging_categories=hot[2],
        emerging_notes=hot[3],
        trend_months=months,
        trend_labels=labels,
        trends=trends,
        withheld_themes=withheld,
        hotspot_lines=hotspot_summary(ctx, state, audience),
        trend_status=status,
        status=view_coverage(ctx, state, audience).status,
        untested=untested_reason(view_thin(ctx, state, audience, compared=True)),
    )
    for area in opts.districts:
        if progress:
            progress(f"district {area.name}")
        brief.districts.append(district_page(ctx, state, audience, area.code, area.name))
    if progress:
        progress("harm and deprivation")
    brief.harm = [harm_page(ctx, state, audience)]
    brief.harm += [harm_page(ctx, state, audience, area.code) for area in opts.districts]
    return brief


def district_page(
    ctx: AppContext, county: ViewState, audience: Audience, code: str, name: str
) -> DistrictPage:
    state = county.go_to("district", code)
    return DistrictPage(
        code,
        name,
        state,
        map_model(ctx, state, audience),
        panel_model(ctx, state, audience),
        area_rows(ctx, state, audience),
    )


def _previous_text(ctx: AppContext, state: ViewState, audience: Audience) -> str | None:
    """The period compared with, marked when partial (None: nothing to compare)."""
    then = previous_coverage(ctx, state, audience)
    if not comparable(view_coverage(ctx, state, audience), then):
        return None
    before = state.filters().previous_period()
    earlier = replace(state, month_from=before.month_from, month_to=before.month_to)
    text = period_label(ctx, earlier, audience)
    now = view_coverage(ctx, state, audience)
    if then.partial:
        text += f" (partial: {then.message()})"
    if now.days != then.days:
        text += f"; changes are per day ({now.days} days with data against {then.days})"
    return text


def theme_trends(ctx: AppContext, state: ViewState, audience: Audience):
    """Counts of each theme for the county over time: by month and exact for Part 2; for
    Part 1 one point per published block for every public theme, each the county's node in
    that (block, theme) tree, and none for restricted themes, which the public sees only as
    district totals. Returns (x, labels, series, withheld theme labels, status per point)."""
    series: dict[str, list[int | None]] = {}
    status: dict[str, list[str]] = {}
    withheld: list[str] = []
    months: list[date] = []
    labels: list[str] = []
    keys = state.themes or ()
    if audience is Audience.PUBLIC:
        keys = publication(ctx).themes
        withheld = [t.label for t in ctx.themes.themes if t.key not in keys]
    if view_coverage(ctx, state, audience).empty:
        return months, labels, series, withheld, status
    for key in keys:
        single = replace(state, themes=(key,), categories=())
        months, labels, by_label, marks = trend(ctx, single, audience)
        if by_label:
            name, values = next(iter(by_label.items()))
            label = ctx.themes.theme(key).label
            series[label] = list(values)
            status[label] = list(marks.get(name, []))
    return months, labels, series, withheld, status


def _hotspot_summary(ctx: AppContext, state: ViewState, audience: Audience):
    """The hottest cells with their place, class and published count; class and pattern
    counts; and the emerging analysis' notes. Public: classes from the published figures
    only, ranked without any score (see :mod:`dashboard.views.public_stats`)."""
    res = view_resolution(ctx, state, audience)
    counts = cell_counts(map_model(ctx, state, audience))
    if audience is Audience.PUBLIC:
        return _public_hotspot_summary(ctx, state, res, counts)
    filters = stats_filters(ctx, state, audience)
    if filters is None or view_coverage(ctx, state, audience).empty:
        return [], {}, {}, []
    gi = hotspot_result(ctx, filters, res)
    hot = gi.hot()
    # Hot cells holding incidents first (a cell with none can be hot through its
    # neighbours: the table says so), each group by Gi* z as the statistic ranks them.
    held = [counts.get(int(c), "0") != "0" for c in hot["cell"]]
    hot = hot.assign(_held=held).sort_values(["_held", "gi_z"], ascending=False).head(TOP_HOT)
    rows = [
        (int(r["cell"]), r["cell_hex"], r["class"], float(r["gi_z"])) for _, r in hot.iterrows()
    ]
    emerging = emerging_result(ctx, filters, res)
    return (
        _hot_cells(ctx, rows, res, counts, audience),
        gi.counts_by_class(),
        emerging.counts_by_category(),
        list(emerging.notes),
    )


_STRENGTH = {"hot_99": 0, "hot_95": 1, "hot_90": 2}


def _public_hotspot_summary(ctx: AppContext, state: ViewState, res: int, counts: dict):
    """Public: hot cells holding published incidents first, each group by class (strongest
    first), then by published value; no z-score, which exact counts would give away."""
    pub = view_counts(ctx, state.filters(), Audience.PUBLIC, res)
    if pub.split is not None and pub.split.public is None:
        return [], {}, {}, []
    gi = public_stats.public_hotspots(ctx, state, res)
    hot = [(c, k) for c, k in gi.classes.items() if k in _STRENGTH]
    hot.sort(
        key=lambda ck: (
            counts.get(ck[0], "0") == "0",
            _STRENGTH[ck[1]],
            -gi.published.get(ck[0], 0.0),
            ck[0],
        )
    )
    rows = [(c, cell_to_str(c), k, None) for c, k in hot[:TOP_HOT]]
    emerging = public_stats.public_emerging(ctx, state, res)
    return (
        _hot_cells(ctx, rows, res, counts, Audience.PUBLIC),
        gi.counts_by_class(),
        emerging.counts_by_category(),
        list(emerging.notes + emerging.warnings),
    )


def _hot_cells(ctx: AppContext, rows: list, res: int, counts: dict, audience: Audience):
    from geo.areas import cells_to_places  # noqa: PLC0415 - statistics load on first use

    if not rows:
        return []
    cells = np.array([r[0] for r in rows], dtype=np.uint64)
    places = cells_to_places(ctx.store, cells, res).set_index("cell")
    towns = nearest_towns(cells)
    out = []
    for (cell, hex_id, klass, z), town in zip(rows, towns, strict=True):
        p = places.loc[np.uint64(cell)]
        out.append(HotCell(hex_id, _place(p, audience), klass, z, counts.get(cell, "0"), town))
    return out


def _place(p, audience: Audience) -> str:
    """Division (district); for Part 2 also the street police.uk or the partner gave."""
    area = p["division_name"] or p["district_name"] or "outside Kent and Medway"
    if p["division_name"] and p["district_name"]:
        area += f" ({p['district_name']})"
    if audience is Audience.RESTRICTED and p["place"]:
        return f"{p['place']}, {area}"
    return area


def cell_counts(model: MapModel) -> dict[int, str]:
    """Each cell's published count: the sum of its pieces (a cell cut by boundaries has
    several); "at least N" where a piece's count is withheld (the sum of the others)."""
    pieces: dict[int, list] = {}
    for f in model.features:
        pieces.setdefault(str_to_cell(f.cell), []).append(f)
    out = {}
    for cell, feats in pieces.items():
        shown = sum(int(f.value) for f in feats if f.value is not None)
        if all(f.value is not None for f in feats):
            out[cell] = f"{shown:,}"
        else:
            out[cell] = f"at least {shown:,}" if shown else "withheld"
    return out
