"""County-lines links and port-of-entry events drawn over the hexagons.

Links go from the line's home area (often a London borough, outside Kent) to the Kent place
it supplies, with the number of lines. For the public audience the counts are suppressed as a
side table of their own, and every point is snapped to the centre of its public hexagon, so
no position finer than a public hexagon reaches the page.
"""

from __future__ import annotations

import h3.api.basic_int as h3i

from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.map_model import Link, PortMarker
from geo.disclosure import Audience, Count, DisclosurePolicy, suppress_breakdown
from geo.store.queries.incidents import county_line_links
from geo.store.queries.ports import port_event_counts


def _snap(lon: float, lat: float, audience: Audience, res: int) -> tuple[float, float]:
    if audience is Audience.RESTRICTED:
        return round(lon, 5), round(lat, 5)
    lat_c, lon_c = h3i.cell_to_latlng(h3i.latlng_to_cell(lat, lon, res))
    return round(lon_c, 5), round(lat_c, 5)


def county_lines(ctx: AppContext, state: ViewState, audience: Audience) -> tuple[Link, ...]:
    """Links into the area in the period, by origin and destination."""
    rows = county_line_links(ctx.store, state.filters(), ctx.themes)
    policy = DisclosurePolicy.from_settings(ctx.settings)
    shown = _published({(r[0], r[1]): int(r[6]) for r in rows}, audience, policy.k)
    links = []
    for origin, dest, olon, olat, dlon, dlat, _n in rows:
        count = shown[(origin, dest)]
        if count.status == "zero":
            continue
        links.append(
            Link(
                origin=origin,
                destination=dest,
                origin_lonlat=_snap(olon, olat, audience, policy.max_res),
                destination_lonlat=_snap(dlon, dlat, audience, policy.max_res),
                # A withheld count must not show through the line's width either.
                lines=count.value or 1,
                label=f"<b>{origin} to {dest}</b><br>County lines: {count.text}",
            )
        )
    return tuple(links)


def ports(ctx: AppContext, state: ViewState, audience: Audience) -> tuple[PortMarker, ...]:
    rows = port_event_counts(ctx.store, state.filters(), ctx.themes)
    policy = DisclosurePolicy.from_settings(ctx.settings)
    shown = _published({r[0]: int(r[3]) for r in rows}, audience, policy.k)
    out = []
    for name, lon, lat, _n in rows:
        count = shown[name]
        if count.status == "zero":
            continue
        out.append(
            PortMarker(
                name=name,
                lonlat=_snap(lon, lat, audience, policy.max_res),
                events=count.value or 1,
                label=f"<b>{name}</b><br>Port-of-entry events: {count.text}",
                text=count.text,
            )
        )
    return tuple(out)


def _published(parts: dict, audience: Audience, k: int) -> dict[object, Count]:
    """Exact counts for Part 2; for Part 1 suppressed as a side table of their own."""
    if audience is Audience.RESTRICTED:
        return {key: Count(key, "shown", n, f"{n:,}") for key, n in parts.items()}
    if not parts:
        return {}
    return dict(suppress_breakdown(parts, k).parts)
