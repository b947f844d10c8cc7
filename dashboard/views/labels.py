"""The words around a map: titles, the period, the breadcrumb, sources and caveats.

Every map says what it shows (title, period, sources, the security marking) and warns where
the data or the boundaries are approximate, where a category is only a proxy for a theme,
where data is synthetic and which disclosure rules hid what.
"""

from __future__ import annotations

from dashboard.state import ViewState
from dashboard.views.context import AppContext, options
from dashboard.views.counts import ViewCounts
from dashboard.views.map_model import Note
from dashboard.views.profile import profile
from geo.areas import boundaries
from geo.disclosure import Audience, DisclosurePolicy, rules_text
from geo.filters import Filters
from geo.themes import PARTNER_CATEGORIES

COUNTY_NAME = "Kent and Medway"
SOURCE_NAMES = {
    "police-uk": "police.uk street-level crime (Open Government Licence v3.0; locations are "
    "police.uk's anonymised snap points)",
    "synthetic-demo": "synthetic demo data (not real incidents)",
}
# Approximate area of an H3 cell by resolution, in square kilometres.
CELL_AREA_KM2 = {5: 252.9, 6: 36.13, 7: 5.16, 8: 0.737, 9: 0.105, 10: 0.015}


def marking(audience: Audience) -> str:
    return "OFFICIAL-SENSITIVE" if audience is Audience.RESTRICTED else "OFFICIAL"


def period_text(state: ViewState) -> str:
    if state.month_from is None or state.month_to is None:
        return "no data loaded"
    if state.month_from == state.month_to:
        return f"{state.month_from:%B %Y}"
    return f"{state.month_from:%B %Y} to {state.month_to:%B %Y}"


def area_name(ctx: AppContext, level: str, code: str | None) -> str:
    if level == "county" or code is None:
        return COUNTY_NAME
    area = options(ctx).area(level, code)
    return area.name if area else code


def area_title(ctx: AppContext, state: ViewState) -> str:
    name = area_name(ctx, state.level, state.area_code)
    if state.level == "division":
        return f"{name} division, {area_name(ctx, 'district', state.district)}"
    return name


def breadcrumb(ctx: AppContext, state: ViewState) -> tuple[tuple[str, str | None, str], ...]:
    trail = [("county", None, COUNTY_NAME)]
    if state.district:
        trail.append(("district", state.district, area_name(ctx, "district", state.district)))
    if state.division:
        trail.append(("division", state.division, area_name(ctx, "division", state.division)))
    if state.cell:
        trail.append(("cell", state.cell, "Selected hexagon"))
    return tuple(trail)


def selection_text(
    ctx: AppContext, state: ViewState, audience: Audience = Audience.RESTRICTED
) -> str:
    """What is counted, in words: "Knife crime and county lines", or "Knife crime and County
    lines (police.uk proxies: Possession of weapons, Drugs)" where only proxies count.

    Themes with no data under the view's filters are left out (a police.uk-only view has no
    port events), unless nothing at all matches. For the public audience, themes and
    categories it does not map (restricted ones) are left out of the words, as they are left
    out of the counts."""
    hidden: set[str] = set()
    if audience is Audience.PUBLIC:
        hidden = set(DisclosurePolicy.from_settings(ctx.settings).restricted_categories(ctx.themes))
    present = set(categories_present(ctx, state, audience)) - hidden
    themes = []  # (label, the proxies it is counted from, where it is counted only from them)
    for t in state.themes or ():
        cats = [c for c in ctx.themes.categories_for(t) if c not in hidden]
        there = [c for c in cats if c in present]
        if not cats or (present and not there):
            continue
        proxies = [c for c in there if ctx.themes.is_proxy(c)]
        themes.append((ctx.themes.theme(t).label, proxies if proxies == there else []))
    extra = [ctx.themes.label(c) for c in state.categories if c not in hidden]
    if not themes and not extra:
        return "Nothing selected"
    if themes and all(p for _, p in themes):
        words = _and([label for label, _ in themes]) + _proxies([c for _, p in themes for c in p])
        words = _and([words, *extra])
    else:
        words = _and([label + _proxies(p) for label, p in themes] + extra)
    return words[0].upper() + words[1:]


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _proxies(categories: list[str]) -> str:
    if not categories:
        return ""
    noun = "proxy" if len(categories) == 1 else "proxies"
    return f" (police.uk {noun}: {', '.join(categories)})"


def categories_present(
    ctx: AppContext, state: ViewState, audience: Audience = Audience.RESTRICTED
) -> list[str]:
    """The categories that have incidents under the view's filters (area included).

    Public: the categories the view's sources can hold, from which sources cover its period
    (:func:`sources_in_view`), never from which categories hold its incidents. Named beside
    a "fewer than k", k-1 categories present would say that it is k-1."""
    filters = state.filters()
    if audience is Audience.PUBLIC:
        # police.uk files hold police.uk crime types; partner files (and the demo) hold the
        # partner categories.
        sources = set(sources_in_view(ctx, state, audience))
        police, partner = "police-uk" in sources, bool(sources - {"police-uk"})
        return [
            c
            for c in sorted(filters.category_set(ctx.themes))
            if c not in filters.exclude_categories
            and (partner if c in PARTNER_CATEGORIES else police)
        ]
    found = profile(ctx, filters).categories()  # the view's one grouped query
    return [c for c in found if c not in filters.exclude_categories]


def sources_in_view(
    ctx: AppContext, state: ViewState, audience: Audience = Audience.RESTRICTED
) -> list[str]:
    """The sources of the view's incidents. Public: the sources with anything loaded for the
    view's period, county-wide and of any category (which sources cover these months), not
    which hold the view's own incidents (k-1 of them beside a "fewer than k" would pin it)."""
    filters = state.filters()
    if audience is Audience.PUBLIC:
        covered = Filters(month_from=filters.month_from, month_to=filters.month_to)
        return profile(ctx, covered).sources()
    return profile(ctx, filters).sources()


def data_notes(
    ctx: AppContext,
    state: ViewState,
    audience: Audience,
    counts: ViewCounts,
    res: int,
    measure_notes: list[str],
    measure_warnings: list[str] = (),
) -> list[Note]:
    notes: list[Note] = []
    sources = sources_in_view(ctx, state, audience)
    if sources:
        notes.append(
            Note(
                "Sources: "
                + "; ".join(SOURCE_NAMES.get(s, f"{s} (partner data)") for s in sources)
                + "."
            )
        )
    if "synthetic-demo" in sources:
        notes.append(Note("Synthetic demo data: these are not real incidents.", warn=True))
    notes += [Note(n, warn=True) for n in _proxy_notes(ctx, state, audience)]
    outside = counts.area("district", None) if state.level == "county" else None
    notes.append(
        Note(
            f"Hexagons: H3 resolution {res} (about {CELL_AREA_KM2[res]:g} km² each), cut at "
            "division boundaries, so each hexagon's count is the incidents placed in that "
            "division whose location lies in that hexagon, and the pieces add up to the area "
            "totals."
        )
    )
    if outside is not None and outside.status != "zero":
        notes.append(Note(outside_text(outside), warn=True))
    boundary = boundary_note(ctx)
    if boundary:
        notes.append(Note(boundary, warn=boundary.lower().startswith("boundaries approximate")))
    notes += [Note(n) for n in measure_notes]
    # What may mislead a reader of the statistic (too few months, ...): read with care.
    notes += [Note(n, warn=True) for n in measure_warnings]
    if audience is Audience.PUBLIC:
        notes += [Note(text) for text in rules_text(counts.rules)]
    return notes


def outside_text(outside) -> str:
    """The note on incidents placed outside every district boundary (a published Count)."""
    if outside.withheld:
        many = f"Some incidents ({outside.text}) lie"
    else:
        many = (
            f"{outside.text} incident lies"
            if outside.value == 1
            else f"{outside.text} incidents lie"
        )
    return (
        f"{many} outside every district boundary (at sea, or just over the county "
        f"edge): they are not drawn on the map and not counted in any area, {COUNTY_NAME} "
        "included."
    )


def _proxy_notes(ctx: AppContext, state: ViewState, audience: Audience) -> list[str]:
    """A proxy's caveat, where the view really counts some of it."""
    filters = state.filters()
    present = set(categories_present(ctx, state, audience))
    out = []
    for category in filters.category_set(ctx.themes):
        rule = ctx.themes.rule_for(category)
        if rule and rule.proxy and category in present and rule.note:
            out.append("Proxy: " + rule.note)
    return out


def boundary_note(ctx: AppContext) -> str | None:
    return ctx.cached("boundary-note", lambda: boundaries.boundary_note(ctx.store))
