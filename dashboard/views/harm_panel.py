"""The panel's "By deprivation" section: incidents and rates by IMD 2019 decile for the
current filter, the shares in England's most deprived 10% and 20% of neighbourhoods beside
the residents' shares, and the concentration index.

The very figures of the briefing pack's "Harm and deprivation" page for the same area
(:func:`dashboard.views.harm.harm_page`): for Part 1 that is the published decile breakdown
of the county or a district, checked with the map (``geo.disclosure._public_deprivation``),
so the panel shows nothing the Part 1 page would not. Divisions and hexagons have no public
breakdown; the panel then names the district's.
"""

from __future__ import annotations

from dataclasses import replace

from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.harm import PENDING, TOO_LONG, HarmPage, harm_page
from dashboard.views.public import resolve_view
from geo.disclosure import Audience
from geo.errors import CheckTooLong

# How long Part 1's check of the breakdowns with the map may run for the panel. On the real
# Kent months a county filter takes about 17 s the first time; on a million incidents it ran
# for minutes, holding a worker's thread and core while further requests waited. Where the
# publisher process runs (SOCMAP_PREPARE_PUBLIC, the default) it finishes the check for every
# public view at idle priority, so the panel only reads what it prepared (0 s); without it the
# panel tries for a few seconds. Either way it says why it shows nothing rather than wait.
CHECK_SECONDS = 5.0


def panel_deprivation(ctx: AppContext, state: ViewState, audience: Audience) -> HarmPage:
    """The decile breakdown of the view's county or district (a division's view: its
    district's, said in ``notes``); ``reason`` says why there is none."""
    state = resolve_view(ctx, state, audience)
    if state.themes == () and not state.categories:
        return HarmPage(None, "", "district", reason="Nothing selected.")
    seconds = 0.0 if ctx.settings.prepare_public else CHECK_SECONDS
    try:
        page = ctx.cached(
            ("harm-page", state.district, state.filters()),
            lambda: harm_page(
                ctx, replace(state, cell=None), audience, state.district, deadline=seconds
            ),
        )
    except CheckTooLong:
        # Not kept: once the publisher (or an export) has finished the check, the next
        # request reads its result from the shared cache.
        why = PENDING if seconds == 0 else TOO_LONG.format(seconds=seconds)
        return HarmPage(state.district, "", "district", reason=why)
    if state.division and not page.reason:
        note = f"The breakdown is {page.name}'s: divisions have none of their own."
        page = replace(page, notes=[note, *page.notes])
    return page
