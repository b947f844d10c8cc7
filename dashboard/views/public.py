"""The public view as a fixed publication: its blocks, its themes and its canonical state.

Every public view state is canonicalised here, through :func:`geo.disclosure.public_filter`
(the one function that maps a request into the public filter space): one published period
block, one public theme, no categories or sources. The counts behind it are normalised again
in :func:`dashboard.views.counts.view_counts` and in :func:`geo.disclosure.public_counts`, so
a view that forgot this step would still draw only public figures; this step makes what the
page says (its period, its theme) match them.

Comparisons in public are between published figures only: a block against the previous
block, a theme's row from that theme's own tree, a trend of one point per block.

The period a public view shows: the published block holding the end of the period asked
for, else the latest published block within it; the asked months as they are when no
published block meets them (every view then draws "no data" and says why: nothing is shown
for a block the request does not reach, as 2024 once showed 2018); with no period asked, the
latest *complete* block of the theme (:mod:`geo.store._coverage`: every expected source has data for
each of its months), never a partial one; with none complete, no period at all, and the
page says so. Partial blocks stay published and can be chosen, and are drawn as partial.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from dashboard.state import ViewState
from dashboard.views.context import AppContext, data_coverage, options, public_months_of
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
    public_theme,
    public_themes,
)
from geo.disclosure._periods import latest_complete
from geo.filters import Filters
from geo.store import PeriodCoverage

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
    months = public_months_of(ctx)
    return ctx.cached(
        "publication",
        lambda: Publication(
            policy, public_blocks(policy, months), public_themes(ctx.themes, policy)
        ),
    )


def request_view(ctx: AppContext, query: str | None) -> ViewState:
    """A request's view state: its query parsed and resolved for the app's audience, once at
    the callback's edge; the views it is passed to take it as it is (their own
    ``resolve_view`` of it is a look-up, below)."""
    return resolve_view(ctx, ViewState.from_query(query), ctx.audience)


def resolve_view(ctx: AppContext, state: ViewState, audience: Audience) -> ViewState:
    """The state with every default made explicit; for the public audience, canonical.

    Resolved once per state and data version (everything it reads is of the version): each
    view function resolves what it is given, so that it can be called alone, and one request
    passes one state through several of them."""
    return ctx.cached(("resolved", audience, state), lambda: _resolve(ctx, state, audience))


def _resolve(ctx: AppContext, state: ViewState, audience: Audience) -> ViewState:
    resolved = resolve(state, options(ctx), ctx.themes)
    if audience is Audience.PUBLIC:
        # The theme comes from what was asked (a category names its theme), not from the
        # default of every theme that resolving fills in.
        # So does the period: the one asked, not the restricted view's default.
        asked = replace(
            resolved,
            themes=state.themes or (),
            categories=state.categories,
            month_from=state.month_from,
            month_to=state.month_to,
        )
        return canonical(ctx, asked)
    return resolved


def canonical(ctx: AppContext, state: ViewState) -> ViewState:
    """A public state: one public theme, the published block holding its end month (the
    asked months unchanged when that block is not published: drawn as "no data", never as
    another block; with no period asked, the theme's latest complete block, or none), and the
    one public hexagon resolution (a link asking for another size opens at that one)."""
    pub = publication(ctx)
    theme = public_theme(state.filters(), ctx.themes, pub.policy)
    asked = state.month_to or state.month_from
    first = last = None
    if asked is None:
        block = default_block(ctx, theme)
        if block is not None:
            first, last = block.first, block.last
    else:
        block = _published_for(pub, state.month_from or asked, asked)
        if block is not None:
            first, last = block.first, block.last
        else:
            first, last = state.month_from or asked, state.month_to or asked
    return replace(
        state,
        themes=(theme,) if theme else (),
        categories=(),
        sources=(),
        month_from=first,
        month_to=last,
        res=None,
    )


def _published_for(pub: Publication, first, last) -> PeriodBlock | None:
    """The published block a request for ``first``..``last`` maps to: the one holding its
    last month, else the latest published block inside the request (a request running into
    the quarter not yet complete); None when no published block meets it."""
    block = block_containing(last, pub.policy.period_months, pub.policy.year_start)
    if block in pub.blocks:
        return block
    inside = [b for b in pub.blocks if b.first <= last and b.last >= first]
    return inside[-1] if inside else None


def theme_filter(ctx: AppContext, theme: str | None, first=None, last=None) -> Filters:
    """A public theme's filter: its categories less the restricted ones, every source."""
    policy = publication(ctx).policy
    return Filters(
        themes=(theme,) if theme else (),
        exclude_categories=policy.restricted_categories(ctx.themes),
        month_from=first,
        month_to=last,
    )


def block_coverage(ctx: AppContext, block: PeriodBlock, theme: str | None) -> PeriodCoverage:
    """How far the data loaded covers one public theme in one block."""
    return ctx.cached(
        ("block-coverage", block, theme),
        lambda: data_coverage(ctx, Audience.PUBLIC).period(
            theme_filter(ctx, theme), ctx.themes, block.first, block.last
        ),
    )


def default_block(ctx: AppContext, theme: str | None) -> PeriodBlock | None:
    """The latest published block that is complete for ``theme`` (None if there is none):
    a partial block is never what a reader sees first."""
    return latest_complete(
        publication(ctx).blocks, lambda b: block_coverage(ctx, b, theme).status == "complete"
    )


def block_of(ctx: AppContext, state: ViewState) -> PeriodBlock | None:
    """The published block a canonical public state shows (None: no published block)."""
    if state.month_from is None:
        return None
    pub = publication(ctx)
    block = block_containing(state.month_from, pub.policy.period_months, pub.policy.year_start)
    if block not in pub.blocks or (state.month_to and state.month_to != block.last):
        return None
    return block


def theme_node(
    ctx: AppContext, theme: str, block: PeriodBlock, level: str, code: str | None
) -> Count:
    """An area's node in the tree of (``block``, ``theme``), with the status it has there."""
    filters = Filters(themes=(theme,), month_from=block.first, month_to=block.last)
    return view_counts(ctx, filters, Audience.PUBLIC, 8).area(level, code)


def thin_or(status: str, thin: bool) -> str:
    """A trend point's status: a complete one holding a thin month is "thin" (drawn apart);
    a partial or empty one stays what it is."""
    return "thin" if thin and status == "complete" else status


def block_trend(
    ctx: AppContext, state: ViewState
) -> tuple[list[date], list[str], list[int | None], list[str]]:
    """One point per block, this block and the ones before it: each the area's node from
    that block's own tree, with its coverage status ("complete", "partial", "thin": it
    holds a thin month, or "empty": a gap, as a withheld figure or a block not published
    is)."""
    block = block_of(ctx, state)
    if block is None or not state.themes:
        return [], [], [], []
    pub = publication(ctx)
    theme = state.themes[0]
    blocks = [block]
    while len(blocks) < TREND_BLOCKS:
        blocks.insert(0, blocks[0].previous())
    while len(blocks) > 1 and blocks[0] not in pub.blocks:
        blocks.pop(0)  # no gaps before the first published block in the window
    values: list[int | None] = []
    status: list[str] = []
    coverage = data_coverage(ctx, Audience.PUBLIC)
    for b in blocks:
        cov = block_coverage(ctx, b, theme) if b in pub.blocks else None
        cover = cov.status if cov is not None else "empty"
        # A complete block holding a thin month is drawn apart, as "thin" (never a fall).
        cover = thin_or(cover, cov is not None and bool(coverage.thin_in([cov])))
        status.append(cover)
        if cover == "empty":
            values.append(None)  # no data loaded: a gap, never a 0
            continue
        values.append(theme_node(ctx, theme, b, state.level, state.area_code).value)
    return [b.first for b in blocks], [axis_label(b) for b in blocks], values, status


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
        if state.month_from is None:
            return "no complete period loaded yet"
        return f"{period_text(state)} (not published)"
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
