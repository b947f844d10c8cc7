"""A selected hexagon's trend: its series over the view's months (Part 2) or over the
published blocks (Part 1), under the same rules as the map.

Part 2: the exact count of the hexagon within the view's area for each month (the pieces of
the map summed, as the card's total is). Part 1: for each published block up to the one
shown, the hexagon's figure on that block's own published map: the sum of its pieces where
every piece is shown, the one piece holding all its incidents, else nothing ("withheld": a
gap, never the number). A month or block without data loaded is a gap, never a 0; a partial
one is marked.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from dashboard.state import ViewState
from dashboard.views import geometry as geo_view
from dashboard.views.context import AppContext, data_coverage
from dashboard.views.counts import view_counts
from dashboard.views.public import (
    TREND_BLOCKS,
    axis_label,
    block_coverage,
    block_of,
    publication,
    short_label,
)
from geo.disclosure import Audience, Count
from geo.filters import Filters, add_months, months_between
from geo.store.queries.incidents import cell_months


@dataclass
class CellTrend:
    title: str
    x: list = field(default_factory=list)  # months (Part 2) or block axis labels (Part 1)
    values: list[int | None] = field(default_factory=list)
    status: list[str] = field(default_factory=list)  # complete | partial | empty | withheld
    note: str = ""  # the gaps in words

    @property
    def drawn(self) -> bool:
        return any(v is not None for v in self.values)


def cell_trend(ctx: AppContext, state: ViewState, audience: Audience, cell: int) -> CellTrend:
    """``state`` is resolved (for Part 1, canonical)."""
    if audience is Audience.PUBLIC:
        return _public(ctx, state, cell)
    return _restricted(ctx, state, cell)


def _restricted(ctx: AppContext, state: ViewState, cell: int) -> CellTrend:
    out = CellTrend("This hexagon by month")
    if state.month_from is None or state.month_to is None:
        return out
    n = months_between(state.month_from, state.month_to)
    months = [add_months(state.month_from, i) for i in range(n)]
    filters = state.filters()
    counts = ctx.cached(
        ("cell-months", filters, cell),
        lambda: cell_months(ctx.store, filters, ctx.themes, cell=cell),
    )
    whole = replace(filters, district=None, division=None)
    cov = data_coverage(ctx, Audience.RESTRICTED).period(whole, ctx.themes)
    out.x = months
    out.status = [cov.month_status(m) for m in months]
    out.values = [
        None if s == "empty" else counts.get(m, 0) for m, s in zip(months, out.status, strict=True)
    ]
    out.note = _gaps(
        [f"{m:%b %Y}" for m, s in zip(months, out.status, strict=True) if s == "empty"],
        "no data loaded",
    )
    return out


def _public(ctx: AppContext, state: ViewState, cell: int) -> CellTrend:
    pub = publication(ctx)
    unit = {1: "month", 3: "quarter", 6: "half-year", 12: "year"}[pub.policy.period_months]
    out = CellTrend(f"This hexagon by {unit} (published)")
    block = block_of(ctx, state)
    if block is None or not state.themes:
        return out
    theme = state.themes[0]
    blocks = [block]
    while len(blocks) < TREND_BLOCKS:
        blocks.insert(0, blocks[0].previous())
    while len(blocks) > 1 and blocks[0] not in pub.blocks:
        blocks.pop(0)
    leaves = geo_view.leaves_of_cell(ctx, state, cell)
    empty, withheld = [], []
    for b in blocks:
        cover = block_coverage(ctx, b, theme).status if b in pub.blocks else "empty"
        value = None
        if cover != "empty":
            filters = Filters(themes=(theme,), month_from=b.first, month_to=b.last)
            counts = view_counts(ctx, filters, Audience.PUBLIC, pub.policy.max_res)
            value = published_total([counts.piece(leaf.code, cell) for leaf in leaves])
            if value is None:
                cover = "withheld"
                withheld.append(short_label(b))
        else:
            empty.append(short_label(b))
        out.x.append(axis_label(b))
        out.values.append(value)
        out.status.append(cover)
    k = pub.policy.k
    out.note = " ".join(
        t
        for t in (
            _gaps(empty, "no data loaded"),
            _gaps(withheld, f"not published (fewer than {k}, or withheld to protect one)"),
        )
        if t
    )
    return out


def published_total(parts: list[Count]) -> int | None:
    """A hexagon's published figure from its pieces' (as the card prints it): their sum
    where each is shown, the one piece holding anything where only one does, else None."""
    if not parts:
        return 0
    if all(not c.withheld for c in parts):
        return sum(c.value for c in parts)
    held = [c for c in parts if c.withheld or c.value]
    if len(held) == 1:
        return held[0].value  # None when that piece is withheld
    return None


def _gaps(labels: list[str], why: str) -> str:
    if not labels:
        return ""
    return f"Gaps: {', '.join(labels)}: {why} (not a 0)."
