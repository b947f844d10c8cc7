"""The public view as a fixed publication: its blocks, its themes and its canonical state.

Every public view state is canonicalised here, through :func:`geo.disclosure.public_filter`
(the one function that maps a request into the public filter space): one published period
block, one public theme, no categories or sources. The counts behind it are normalised again
in :func:`dashboard.views.counts.view_counts` and in :func:`geo.disclosure.public_counts`, so
a view that forgot this step would still draw only public figures; this step makes what the
page says (its period, its theme) match them.

Comparisons in public are between published figures only: a block against the previous
block, a theme's row from that theme's own tree, a trend of one point per block.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from dashboard.state import ViewState
from dashboard.views.context import AppContext, options
from dashboard.views.counts import view_counts
from dashboard.views.labels import period_text
from dashboard.views.navigation import resolve
from geo.disclosure import (
    Audience,
    Count,
    DisclosurePolicy,
    PeriodBlock,
    block_containing,
    public_blocks,
    public_filter,
    public_themes,
)
from geo.filters import Filters

TREND_BLOCKS = 8  # points on the public trend: this block and the seven before it


@dataclass(frozen=True)
class Publication:
    """What the public view offers for the data loaded now."""

    policy: DisclosurePolicy
    blocks: tuple[PeriodBlock, ...]
    themes: tuple[str, ...]

    def block(self, key: str | None) -> PeriodBlock | None:
        return next((b for b in self.blocks if b.key == key), None)

    def index(self, block: PeriodBlock | None) -> int:
        return self.blocks.index(block) if block in self.blocks else len(self.blocks) - 1


def publication(ctx: AppContext) -> Publication:
    policy = DisclosurePolicy.from_settings(ctx.settings)
    months = options(ctx).months
    return ctx.cached(
        "publication",
        lambda: Publication(
            policy, public_blocks(policy, months), public_themes(ctx.themes, policy)
        ),
    )


def resolve_view(ctx: AppContext, state: ViewState, audience: Audience) -> ViewState:
    """The state with every default made explicit; for the public audience, canonical."""
    resolved = resolve(state, options(ctx), ctx.themes)
    if audience is Audience.PUBLIC:
        # The theme comes from what was asked (a category names its theme), not from the
        # default of every theme that resolving fills in.
        asked = replace(resolved, themes=state.themes or (), categories=state.categories)
        return canonical(ctx, asked)
    return resolved


def canonical(ctx: AppContext, state: ViewState) -> ViewState:
    """A public state: the block holding its end month (or the latest), one theme, and the
    one public hexagon resolution (a link asking for another size opens at that one)."""
    pub = publication(ctx)
    asked = public_filter(state.filters(), ctx.themes, pub.policy, options(ctx).months)
    return replace(
        state,
        themes=asked.themes,
        categories=(),
        sources=(),
        month_from=asked.month_from,
        month_to=asked.month_to,
        res=None,
    )


def block_of(ctx: AppContext, state: ViewState) -> PeriodBlock | None:
    """The published block a canonical public state shows."""
    if state.month_from is None:
        return None
    pub = publication(ctx)
    return block_containing(state.month_from, pub.policy.period_months, pub.policy.year_start)


def theme_node(
    ctx: AppContext, theme: str, block: PeriodBlock, level: str, code: str | None
) -> Count:
    """An area's node in the tree of (``block``, ``theme``), with the status it has there."""
    filters = Filters(themes=(theme,), month_from=block.first, month_to=block.last)
    return view_counts(ctx, filters, Audience.PUBLIC, 8).area(level, code)


def block_trend(
    ctx: AppContext, state: ViewState
) -> tuple[list[date], list[str], list[int | None]]:
    """One point per block, this block and the ones before it: each the area's node from
    that block's own tree (withheld: a gap; a block not published: a gap too)."""
    block = block_of(ctx, state)
    if block is None or not state.themes:
        return [], [], []
    pub = publication(ctx)
    blocks = [block]
    while len(blocks) < TREND_BLOCKS:
        blocks.insert(0, blocks[0].previous())
    while len(blocks) > 1 and blocks[0] not in pub.blocks:
        blocks.pop(0)  # no gaps before the first published block in the window
    values: list[int | None] = []
    for b in blocks:
        if b not in pub.blocks:
            values.append(None)
            continue
        values.append(theme_node(ctx, state.themes[0], b, state.level, state.area_code).value)
    return [b.first for b in blocks], [axis_label(b) for b in blocks], values


def axis_label(block: PeriodBlock) -> str:
    """Two short lines, "Q2" over "26/27", so that eight of them fit the side panel's chart."""
    if block.months == 1:
        return f"{block.first:%b}<br>{block.first:%Y}"
    name, _, year = short_label(block).rpartition(" ")
    if not name:
        return year  # a whole year: "2026/27"
    return f"{name}<br>{year[2:] if '/' in year else year}"


def short_label(block: PeriodBlock) -> str:
    """ "Q2 2026/27", "H1 2026/27", "2026/27" or "Jul 2026": for chart axes."""
    if block.months == 1:
        return f"{block.first:%b %Y}"
    return block.label.split(" (")[0]


def compact_label(block: PeriodBlock) -> str:
    """ "Q2 2026/27: Jul–Sep 2026": short enough for a dropdown in the filters column."""
    if block.months == 1:
        return block.label
    first, last = block.first, block.last
    span = f"{first:%b}–{last:%b %Y}" if first.year == last.year else f"{first:%b %Y}–{last:%b %Y}"
    return f"{short_label(block)}: {span}"


def period_label(ctx: AppContext, state: ViewState, audience: Audience) -> str:
    """The period as the page prints it: the block's label in public, months otherwise."""
    if audience is Audience.PUBLIC:
        block = block_of(ctx, state)
        if block is not None:
            return block.label
    return period_text(state)


def play_block(ctx: AppContext, state: ViewState, *, start: bool) -> tuple[ViewState, bool]:
    """One step of public playback: the next published block. Starting from the latest
    block, playback starts again at the earliest. Returns (state, finished)."""
    blocks = publication(ctx).blocks
    if not blocks:
        return state, True
    i = publication(ctx).index(block_of(ctx, state))
    nxt = 0 if start and i == len(blocks) - 1 else min(i + 1, len(blocks) - 1)
    b = blocks[nxt]
    moved = replace(state, month_from=b.first, month_to=b.last)
    return moved, nxt == len(blocks) - 1
