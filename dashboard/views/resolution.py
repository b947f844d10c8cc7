"""The hexagon resolution a view draws at.

For analysts (Part 2): the user's choice, else the level's (county 7, district 8, division 9).
A public (Part 1) view draws the policy's one public resolution (``SOCMAP_PUBLIC_MAX_RES``,
default 8) at every level, whatever is asked: H3 cells of two resolutions overlap without
nesting, so pieces of two sizes published together would be two overlapping partitions of
each area, and their joint sums could pin a count that suppression withholds (see
:mod:`geo.disclosure._tree`). The map says so in its rules (:mod:`geo.disclosure._rules`),
and the hexagon-size control offers that one size.
"""

from __future__ import annotations

from dashboard.state import ViewState
from dashboard.views.context import AppContext
from geo.disclosure import Audience, DisclosurePolicy


def view_resolution(ctx: AppContext, state: ViewState, audience: Audience) -> int:
    """The resolution of ``state`` (resolved; for the public audience, the public one)."""
    policy = DisclosurePolicy.from_settings(ctx.settings)
    return policy.resolution(audience, state.resolution())
