"""The hexagon resolution a view draws at: the user's choice, else one chosen for the level.

For analysts (Part 2) "automatic" is the level's resolution (county 7, district 8, division
9). A public (Part 1) view publishes one theme for one period block, and at the level's
resolution most pieces of a sparse theme hold fewer than k incidents and are shaded grey. So
the public "automatic" looks one size coarser too and takes the resolution whose published
pieces show the most incidents (the finer one on a tie). The choice reads only the
suppressed tree, whose published figures anyone can see at every resolution, so it discloses
nothing the map would not.
"""

from __future__ import annotations

from dashboard.state import AUTO_RES, ViewState
from dashboard.views.context import AppContext
from dashboard.views.counts import view_counts
from geo.cells import MIN_RES
from geo.disclosure import Audience, DisclosurePolicy, Node

# How much coarser than the level's own resolution the public "automatic" may go.
MAX_COARSER = 1


def view_resolution(ctx: AppContext, state: ViewState, audience: Audience) -> int:
    """The resolution of ``state`` (resolved, and canonical for the public audience)."""
    policy = DisclosurePolicy.from_settings(ctx.settings)
    finest = policy.resolution(audience, state.resolution())
    if state.res or audience is not Audience.PUBLIC:
        return finest
    key = ("auto-res", state.filters(), state.level, state.area_code, finest)
    return ctx.cached(key, lambda: _most_shown(ctx, state, finest))


def chosen_coarser(ctx: AppContext, state: ViewState, audience: Audience, res: int) -> bool:
    """Whether "automatic" drew coarser hexagons than the level's own (the map says so)."""
    policy = DisclosurePolicy.from_settings(ctx.settings)
    return not state.res and res < policy.resolution(audience, AUTO_RES[state.level])


def _most_shown(ctx: AppContext, state: ViewState, finest: int) -> int:
    tree = view_counts(ctx, state.filters(), Audience.PUBLIC, finest).public.map
    if tree is None:
        return finest
    within = Node(state.level, state.area_code) if state.area_code else None
    best, best_shown = finest, -1
    for res in range(finest, max(MIN_RES, finest - MAX_COARSER) - 1, -1):
        shown = sum(c.value for c in tree.pieces(res, within) if not c.withheld and c.value)
        if shown > best_shown:
            best, best_shown = res, shown
    return best
