"""The figures of one view as rows: hexagon pieces with every measure, and areas with change.

Tables, GIS layers and the briefing pack all take their numbers from here, and here takes
them from the dashboard's own view functions: a piece's count, class and statistic are the
ones :func:`map_model` draws for each measure, and an area's count is the one the side panel
shows. For the public audience every number is a published one (``Count.value`` is None
where a count is withheld), and a change is given only where both periods are published.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import h3.api.basic_int as h3i

from dashboard.state import MEASURES, ViewState
from dashboard.views import geometry as geo_view
from dashboard.views.context import AppContext, Options, options
from dashboard.views.counts import ViewCounts, view_counts
from dashboard.views.labels import COUNTY_NAME
from dashboard.views.loaded import comparable, previous_coverage, view_coverage, view_thin
from dashboard.views.map_model import MapModel
from dashboard.views.map_view import NO_DATA_LABEL, map_model
from dashboard.views.resolution import view_resolution
from geo.disclosure import Audience, Count
from geo.grid import str_to_cell
from geo.store import untested_reason

OUTSIDE_NAME = "Outside Kent and Medway boundaries"


@dataclass(frozen=True)
class Change:
    previous: Count
    pct: float | None  # per day; None where the previous count is 0 or a count is withheld
    label: str
    p: float | None
    q: float | None
    significant: bool | None
    days: tuple[int, int] | None = None  # days with data in this period and the previous one


def no_data(key: object = None) -> Count:
    """A figure for months with no data loaded: no value, and words that say so (a 0 would
    be a count of incidents)."""
    return Count(key, "no_data", None, NO_DATA_LABEL)


@dataclass(frozen=True)
class AreaRow:
    level: str  # county | district | division
    code: str | None
    name: str
    parent: str | None
    count: Count
    change: Change | None  # None where no earlier period is loaded


def area_rows(ctx: AppContext, state: ViewState, audience: Audience) -> list[AreaRow]:
    """The view's area and every district and division inside it, in a committee's order:
    the area first, then each district followed by its divisions."""
    res = view_resolution(ctx, state, audience)
    areas = areas_in_view(options(ctx), state)
    cov = view_coverage(ctx, state, audience)
    if cov.empty:
        return [AreaRow(lv, code, name, up, no_data(), None) for lv, code, name, up in areas]
    counts = view_counts(ctx, state.filters(), audience, res)
    then_cov = previous_coverage(ctx, state, audience)
    before = None
    if comparable(cov, then_cov):
        before = view_counts(ctx, state.filters().previous_period(), audience, res)
    now = [counts.area(level, code) for level, code, _, _ in areas]
    days = (cov.days, then_cov.days) if before else None
    untested = untested_reason(view_thin(ctx, state, audience, compared=True))
    changes = _changes(areas, now, before, days, untested=untested)
    return [
        AreaRow(level, code, name, parent, c, ch)
        for (level, code, name, parent), c, ch in zip(areas, now, changes, strict=True)
    ]


def areas_in_view(opts: Options, state: ViewState) -> list[tuple[str, str | None, str, str | None]]:
    if state.level == "division":
        area = opts.area("division", state.division)
        return [("division", area.code, area.name, area.parent)] if area else []
    out = []
    if state.level == "county":
        out.append(("county", None, COUNTY_NAME, None))
        districts = opts.districts
    else:
        districts = tuple(a for a in opts.districts if a.code == state.district)
    for d in districts:
        out.append(("district", d.code, d.name, None))
        out += [("division", v.code, v.name, v.parent) for v in opts.divisions_of(d.code)]
    return out


def _changes(
    areas,
    now: list[Count],
    before: ViewCounts | None,
    days: tuple[int, int] | None,
    *,
    untested: str,
) -> list[Change | None]:
    """Change of each published count on the previous period's published count, per day
    over each period's days with data; the exact test is adjusted (Benjamini-Hochberg)
    within each level, as ``geo.stats._change`` does, and not made where ``untested`` says
    why (a thin month)."""
    from geo.stats import change_table  # noqa: PLC0415 - statistics load on first use

    if before is None:
        return [None] * len(areas)
    then = [before.area(level, code) for level, code, _, _ in areas]
    out: list[Change | None] = [
        Change(b, None, "not published", None, None, None, days) for b in then
    ]
    for level in ("county", "district", "division"):
        idx = [
            i
            for i, a in enumerate(areas)
            if a[0] == level and not now[i].withheld and not then[i].withheld
        ]
        if not idx:
            continue
        table = change_table(
            [now[i].value for i in idx],
            [then[i].value for i in idx],
            days=days,
            untested=untested,
        )
        for i, row in zip(idx, table.itertuples(index=False), strict=True):
            pct, p, q = (
                float(v) if math.isfinite(v) else None  # NaN: no previous count; untested
                for v in (row.pct_change, row.p, row.q)
            )
            sig = None if untested else bool(row.significant)  # None: not tested, not "no"
            out[i] = Change(then[i], pct, row.label, p, q, sig, days)
    return out


@dataclass(frozen=True)
class PieceRow:
    """One hexagon piece: where it is, its published count, and each measure's class."""

    hex: str
    resolution: int
    area: str | None
    area_name: str
    district: str | None
    district_name: str
    count: Count
    measures: dict[str, tuple[str, str, float | None, str]]  # measure: class, label, value, text
    centre: tuple[float, float]  # the hexagon's centre (lat, lon): never finer than public
    geometry: dict


def piece_rows(ctx: AppContext, state: ViewState, audience: Audience) -> list[PieceRow]:
    """Every piece on the view's map, with the class and value of all four measures."""
    res = view_resolution(ctx, state, audience)
    empty = view_coverage(ctx, state, audience).empty
    counts = None if empty else view_counts(ctx, state.filters(), audience, res)
    models = {m: map_model(ctx, replace(state, measure=m), audience) for m in MEASURES}
    names = geo_view.area_names(ctx)
    classes = {m: _by_key(model) for m, model in models.items()}
    rows = []
    for f in models["count"].features:
        cell = str_to_cell(f.cell)
        lat, lon = h3i.cell_to_latlng(cell)
        rows.append(
            PieceRow(
                hex=f.cell,
                resolution=res,
                area=f.area,
                area_name=names.get(f.area or "", OUTSIDE_NAME) if f.area else OUTSIDE_NAME,
                district=f.district,
                district_name=names.get(f.district or "", ""),
                count=no_data() if counts is None else counts.piece(f.area, cell),
                measures={m: classes[m].get(f.key, ("", "", None, "")) for m in MEASURES},
                centre=(round(lat, 5), round(lon, 5)),
                geometry=f.geometry,
            )
        )
    return rows


def _by_key(model: MapModel) -> dict[str, tuple[str, str, float | None, str]]:
    labels = {item.key: item.label for item in model.legend}
    return {
        f.key: (f.klass, labels.get(f.klass, f.klass), f.value, f.label) for f in model.features
    }
