"""County-lines links and port-of-entry events drawn over the hexagons.

Links go from the line's home area (often a London borough, outside Kent) to the Kent place
it supplies, with the number of lines: for Part 2 only. Ports are drawn with their events for
Part 2; for the public, where each port is and nothing of its events.

Why the public gets neither a link nor a port's count: each is a breakdown of the hexagons'
figures by another key (origin, port), and one suppressed as a side table of its own can be
set against the hexagon tree. A red-team attack did exactly that on the demo store: the ports'
published counts, in the county view and each district's, with the districts' totals, pinned
three districts' withheld port-event counts at 4 and a dozen secondary-suppressed hexagons per
quarter (``tests/integration/test_public_layers.py`` runs it). Even a link drawn without a
count says "at least one" for its destination, and four links into one hexagon published as
"fewer than 5" say 4. The ports' positions come from the ports register, not from the
incidents, so drawing every port tells nothing about the period's events.
"""

from __future__ import annotations

from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.map_model import Link, PortMarker
from geo.disclosure import Audience
from geo.store.queries.incidents import county_line_links
from geo.store.queries.ports import port_event_counts, port_rows

PUBLIC_PORT_NOTE = (
    "A port of entry. The public view gives no count per port: events at a port are "
    "counted in the map's hexagons with the rest of the theme."
)
PUBLIC_LINKS_NOTE = (
    "County lines' home areas are shown in the Part 2 view only: a count of lines by home "
    "area, set against the map's figures, could give away the small counts it withholds."
)


def county_lines(ctx: AppContext, state: ViewState, audience: Audience) -> tuple[Link, ...]:
    """Links into the area in the period, by origin and destination (Part 2 only: none for
    the public, see the module's note)."""
    if audience is Audience.PUBLIC:
        return ()
    rows = county_line_links(ctx.store, state.filters(), ctx.themes)
    return tuple(
        Link(
            origin=origin,
            destination=dest,
            origin_lonlat=(round(olon, 5), round(olat, 5)),
            destination_lonlat=(round(dlon, 5), round(dlat, 5)),
            lines=int(n),
            label=f"<b>{origin} to {dest}</b><br>County lines: {int(n):,}",
        )
        for origin, dest, olon, olat, dlon, dlat, n in rows
        if n
    )


def ports(ctx: AppContext, state: ViewState, audience: Audience) -> tuple[PortMarker, ...]:
    """Part 2: each port with events in the view, sized by them. Public: every port of the
    register where it is, all alike, without a count (see the module's note)."""
    if audience is Audience.PUBLIC:
        return tuple(
            PortMarker(
                name=name,
                lonlat=(round(lon, 5), round(lat, 5)),
                events=1,
                label=f"<b>{name}</b><br>{PUBLIC_PORT_NOTE}",
            )
            for _id, name, _code, _kind, lat, lon, *_ in port_rows(ctx.store)
        )
    return tuple(
        PortMarker(
            name=name,
            lonlat=(round(lon, 5), round(lat, 5)),
            events=int(n),
            label=f"<b>{name}</b><br>Port-of-entry events: {int(n):,}",
            text=f"{int(n):,}",
        )
        for name, lon, lat, n in port_event_counts(ctx.store, state.filters(), ctx.themes)
        if n
    )
