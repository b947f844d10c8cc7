"""From what the user did to the next view state: plain functions the callbacks call.

``resolve`` fills in the defaults a bare link leaves open (every SOC theme; the latest twelve
months of data), so the URL written back is explicit and a shared link always shows the same
view, whatever is loaded later.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from urllib.parse import urlencode

from dashboard.state import MEASURES, ViewState
from dashboard.views.context import Options
from geo.filters import add_months, months_between
from geo.themes import ThemeMap

DEFAULT_MONTHS = 12


def resolve(state: ViewState, opts: Options, themes: ThemeMap) -> ViewState:
    """The state with every default made explicit and every value checked against the data."""
    theme_keys = tuple(t.key for t in themes.themes)
    chosen = state.themes
    chosen = theme_keys if chosen is None else tuple(t for t in chosen if t in theme_keys)
    first, last = _period(state, opts)
    district = state.district if opts.area("district", state.district) else None
    division = state.division if opts.area("division", state.division) else None
    if division:
        district = opts.area("division", division).parent
    return replace(
        state,
        themes=chosen,
        categories=tuple(c for c in state.categories if c in opts.categories),
        sources=tuple(s for s in state.sources if s in opts.sources),
        month_from=first,
        month_to=last,
        district=district,
        division=division,
        measure=state.measure if state.measure in MEASURES else "count",
    )


def _period(state: ViewState, opts: Options) -> tuple[date | None, date | None]:
    """The period to show: within the loaded months. A period asked for that lies wholly
    outside them is kept as asked, so that the view says "no data loaded" for it rather
    than silently showing other months; one that overlaps them is cut to them (the page
    says so: ``dashboard.views.loaded.period_notice``)."""
    lo, hi = opts.first_month, opts.last_month
    if lo is None or hi is None:
        return None, None
    first, last = state.month_from, state.month_to
    if (first and first > hi) or (last and last < lo):
        return first or last, last or first
    last = min(max(state.month_to or hi, lo), hi)
    first = state.month_from or max(lo, add_months(last, 1 - DEFAULT_MONTHS))
    first = min(max(first, lo), last)
    return first, last


def month_index(opts: Options, month: date) -> int:
    """Position of ``month`` on the period slider (0 is the first month with data)."""
    assert opts.first_month is not None
    return months_between(opts.first_month, month) - 1


def month_at(opts: Options, index: int) -> date:
    assert opts.first_month is not None
    return add_months(opts.first_month, int(index))


def from_controls(
    state: ViewState,
    opts: Options,
    *,
    themes: list[str] | None,
    categories: list[str] | None,
    sources: list[str] | None,
    period: list[int] | None,
    measure: str | None,
    res: str | int | None,
    layers: list[str] | None,
) -> ViewState:
    """The state after a filter control changed (the area and the selected cell stay)."""
    changes: dict[str, object] = {
        "themes": tuple(themes or ()),
        "categories": tuple(categories or ()),
        "sources": tuple(sources or ()),
        "measure": measure if measure in MEASURES else "count",
        "res": int(res) if res not in (None, "", "auto") else None,
        "layers": tuple(layers or ()),
    }
    if period and len(period) == 2 and opts.first_month:
        changes["month_from"] = month_at(opts, min(period))
        changes["month_to"] = month_at(opts, max(period))
    return replace(state, **changes)


def after_map_click(state: ViewState, opts: Options, point: dict | None) -> ViewState:
    """A click on a hexagon piece: county -> its district, district -> its division,
    division (or a district without divisions, such as Medway) -> that hexagon's detail.

    A piece carries the code of the leaf area it was cut to: a division, or the district
    itself where the district has no divisions. So the codes are checked against the loaded
    areas: a district code in the division slot is no division to drill into (it was, and
    a click in Medway did nothing)."""
    custom = (point or {}).get("customdata")
    if not custom or len(custom) < 3:
        return state
    cell, area, district = custom[0], custom[1] or None, custom[2] or None
    division = opts.area("division", area)
    if division is not None:
        district = division.parent
    if state.level == "county" and opts.area("district", district):
        return state.go_to("district", district)
    if state.level == "district" and division is not None:
        return state.go_to("division", division.code, parent=division.parent)
    if not isinstance(cell, str) or not cell:
        return state
    return replace(state, cell=cell)


def after_area_pick(state: ViewState, opts: Options, picked: str) -> ViewState:
    """ "Go to an area": values are "county:", "district:CODE", "division:CODE", or a place
    found by search, "place:LAT,LON:DISTRICT:DIVISION:NAME" (see ``place_value``): the
    division holding it (in a district without divisions, the district), with the place
    marked."""
    if picked.startswith("place:"):
        return _after_place_pick(state, opts, picked)
    level, _, code = picked.partition(":")
    if level not in {"county", "district", "division"}:
        return state
    area = opts.area(level, code) if level != "county" else None
    if level != "county" and area is None:
        return state
    return state.go_to(level, code or None, parent=area.parent if area else None)


def play_step(state: ViewState, opts: Options) -> tuple[ViewState, bool]:
    """One step of playback: a single month, moving on by one. Returns (state, finished)."""
    if opts.last_month is None or state.month_to is None:
        return state, True
    start = state.month_from if state.month_from == state.month_to else None
    month = add_months(start, 1) if start else state.month_from or opts.last_month
    if month > opts.last_month:
        return state, True
    return replace(state, month_from=month, month_to=month), month >= opts.last_month


def place_value(
    lat: float, lon: float, district: str | None, division: str | None, name: str
) -> str:
    """The picker's value for a place found by search."""
    return f"place:{lat:.5f},{lon:.5f}:{district or ''}:{division or ''}:{name}"


def _after_place_pick(state: ViewState, opts: Options, picked: str) -> ViewState:
    parts = picked.split(":", 4)
    if len(parts) != 5:
        return state
    _, at, district, division, name = parts
    mark = ViewState.from_query(f"?{urlencode({'at': at, 'place': name})}").mark
    if mark is None:
        return state
    if opts.area("division", division):
        moved = state.go_to("division", division, parent=opts.area("division", division).parent)
    elif opts.area("district", district):
        moved = state.go_to("district", district)
    else:
        moved = state.go_to("county", None)
    return replace(moved, mark=mark)
