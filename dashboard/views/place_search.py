""" "Go to an area": the districts and divisions, and, as the user types, the towns, villages
and postcodes (full, sector, district) that ``geo.context.search_places`` finds, each leading
to the division that holds it (in Medway, which has no divisions, the district) with the
place marked on the map. Without context data loaded, areas only, as before."""

from __future__ import annotations

from dashboard.views.context import AppContext, Options
from dashboard.views.navigation import place_value
from geo.context import context_sets, search_places

MIN_CHARS = 2  # a single letter would list half the county
MAX_PLACES = 8


def place_search_ready(ctx: AppContext) -> bool:
    """Whether places or postcodes are loaded to search."""
    return ctx.cached(
        "place-search",
        lambda: any(s.kind in {"places", "postcodes"} for s in context_sets(ctx.store)),
    )


def area_options(opts: Options) -> list[dict]:
    return (
        [{"label": "Kent and Medway", "value": "county:"}]
        + [{"label": a.name, "value": f"district:{a.code}"} for a in opts.districts]
        + [{"label": f"{a.name} (division)", "value": f"division:{a.code}"} for a in opts.divisions]
    )


def picker_options(ctx: AppContext, opts: Options, text: str | None) -> list[dict]:
    """The areas, then the places matching ``text``. Each place option carries the typed
    text as its search words, so the dropdown's own filter (which matches words of the
    label) keeps it: "me44qb" finds "ME4 4QB", "Gilingham" finds Gillingham."""
    options = area_options(opts)
    typed = " ".join((text or "").split())
    if len(typed) < MIN_CHARS:
        return options
    names = {a.code: a.name for a in (*opts.districts, *opts.divisions)}
    found = ctx.cached(
        ("places", typed.lower()), lambda: search_places(ctx.store, typed, limit=MAX_PLACES)
    )
    places = []
    for m in found:
        where = names.get(m.division_code or "") or names.get(m.district_code or "")
        label = f"{m.name}: {m.detail}" + (f", in {where}" if where and m.division_code else "")
        value = place_value(m.latitude, m.longitude, m.district_code, m.division_code, m.name)
        places.append({"label": label, "value": value, "search": f"{typed} {label}"})
    return places + options
