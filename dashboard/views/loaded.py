"""How far the data loaded covers a view: complete, partial or empty, and the words for it.

Every view (map, panel, export) asks here before it draws a number: an *empty* view (no
source that can report its themes has data for its months, or, in public, no published
block) draws "no data loaded", never 0 and never "not significant"; a *partial* view draws
its figures marked as partial and compares them per day over the days with data
(:mod:`geo.store._coverage` has the rules).
"""

from __future__ import annotations

from dataclasses import replace

from dashboard.state import ViewState
from dashboard.views.context import AppContext, data_coverage, options
from dashboard.views.labels import period_text
from dashboard.views.public import (
    block_coverage,
    block_of,
    period_label,
    publication,
    theme_filter,
)
from geo.disclosure import Audience
from geo.store import PeriodCoverage, ThinMonth, describe, month_words, source_name

_UNITS = {1: "month", 3: "quarter", 6: "half-year", 12: "year"}


def view_coverage(ctx: AppContext, state: ViewState, audience: Audience) -> PeriodCoverage:
    """The coverage of a resolved view state's themes and sources over its period (public:
    of its theme over its block; a public state with no published block is empty)."""
    if audience is Audience.PUBLIC:
        theme = state.themes[0] if state.themes else None
        block = block_of(ctx, state)
        if block is not None:
            return block_coverage(ctx, block, theme)
        return _unpublished(ctx, state, theme)
    filters = replace(state.filters(), district=None, division=None)
    return ctx.cached(
        ("view-coverage", filters),
        lambda: data_coverage(ctx, audience).period(filters, ctx.themes),
    )


def previous_coverage(
    ctx: AppContext, state: ViewState, audience: Audience
) -> PeriodCoverage | None:
    """The coverage of the period a change compares with: the previous block in public,
    the same number of months just before in Part 2 (None: the view has no period)."""
    if state.month_from is None or state.month_to is None:
        return None
    if audience is Audience.PUBLIC:
        block = block_of(ctx, state)
        if block is None:
            return None
        before = block.previous()
        theme = state.themes[0] if state.themes else None
        if before not in publication(ctx).blocks:
            what = describe(theme_filter(ctx, theme), ctx.themes)
            return PeriodCoverage(before.first, before.last, (), {}, {}, what)
        return block_coverage(ctx, before, theme)
    before = replace(state.filters().previous_period(), district=None, division=None)
    return ctx.cached(
        ("view-coverage", before),
        lambda: data_coverage(ctx, audience).period(before, ctx.themes),
    )


def comparable(now: PeriodCoverage | None, before: PeriodCoverage | None) -> bool:
    """Whether a change can be computed at all: both periods have days with data."""
    return bool(now and before and not now.empty and not before.empty)


def empty_text(ctx: AppContext, cov: PeriodCoverage, audience: Audience) -> str:
    """Why a view has no data, with the months that are loaded for what it shows."""
    if cov.reason:
        return cov.reason
    text = cov.message()
    loaded = loaded_words(ctx, cov.sources, audience)
    return f"{text} {loaded}" if loaded else text


def loaded_words(ctx: AppContext, sources: tuple[str, ...], audience: Audience) -> str:
    """ "Data is loaded for October to December 2018 (police.uk) and ..." for ``sources``."""
    coverage = data_coverage(ctx, audience)
    parts = [
        f"{month_words(coverage.months[s])} ({source_name(s)})"
        for s in sources
        if coverage.months.get(s)
    ]
    if not parts:
        return ""
    return "Data is loaded for " + "; ".join(parts) + "."


def uncovered_text(ctx: AppContext, state: ViewState, audience: Audience) -> str:
    """The view's themes with no data in its period, as a note ('' when there are none):
    no loaded source can report them, or none that can has data for these months. Such a
    theme is left out of the figures; it is not a count of 0."""
    if audience is Audience.PUBLIC:
        filters = theme_filter(ctx, state.themes[0] if state.themes else None)
    else:
        filters = state.filters()
    coverage = data_coverage(ctx, audience)
    never = set(coverage.uncovered_themes(filters, ctx.themes))
    missing = [
        t
        for t in filters.themes
        if t in never
        or coverage.period(
            replace(filters, themes=(t,), categories=()),
            ctx.themes,
            state.month_from,
            state.month_to,
        ).empty
    ]
    if not missing or state.month_from is None:
        return ""
    labels = [ctx.themes.theme(t).label for t in missing]
    words = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    if all(t in never for t in missing):
        verb = "it" if len(labels) == 1 else "them"
        return f"No data for {words}: no loaded source can report {verb} (not a count of 0)."
    return f"No data for {words} in this period (not a count of 0)."


def thin_text(
    ctx: AppContext, state: ViewState, audience: Audience, *, compared: bool = False
) -> str:
    """A warning naming the view's thin months ('' when there are none): months of a source
    covering the view that hold far fewer records than its typical month (the rule is in
    geo.store._coverage), in the view's period or, for a change (or ``compared``: the
    panel's table sets each theme beside the period before), the one it is compared with.
    The public is told no figure: only that a month is under three quarters of a typical
    one (every category the public sees, county-wide)."""
    thin = view_thin(ctx, state, audience, compared=compared or state.measure == "change")
    if not thin:
        return ""
    if audience is Audience.PUBLIC:
        parts = [f"{t.month:%B %Y} ({source_name(t.source)})" for t in thin]
        held = (
            f"under three quarters of the records of {_their(thin)} {_LARGEST}"
            if any(t.largest for t in thin)
            else "under three quarters of a typical month's records"
        )
    else:
        parts = [t.text for t in thin]
        held = (
            f"far fewer records than {_their(thin)} {_LARGEST}"
            if any(t.largest for t in thin)
            else "far fewer records than a typical month"
        )
    months = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    verb = "holds" if len(parts) == 1 else "hold"
    return (
        f"Thin {'month' if len(parts) == 1 else 'months'}: {months} {verb} {held}. Months "
        "are often incomplete when first published (late records are added later), so a "
        "count for such a month, or a fall into it, may be the data rather than crime: a "
        "change across it is shown untested (no significance is claimed)."
    )


# With few months loaded the median month can be thin itself (geo/store/_coverage.py).
_LARGEST = "largest month (few months are loaded, so the largest is the reference)"


def _their(thin) -> str:
    """ "its" for one source, "their" for several."""
    return "its" if len({t.source for t in thin}) == 1 else "their"


def view_thin(
    ctx: AppContext, state: ViewState, audience: Audience, *, compared: bool
) -> tuple[ThinMonth, ...]:
    """The thin months of the sources covering the view, in its period and, when
    ``compared``, the period before (a change across any of them is not tested)."""
    cov = view_coverage(ctx, state, audience)
    if cov.empty or not cov.sources:
        return ()
    periods = [cov]
    if compared:
        before = previous_coverage(ctx, state, audience)
        if before is not None:
            periods.append(before)
    return data_coverage(ctx, audience).thin_in(periods)


def period_heading(ctx: AppContext, state: ViewState, audience: Audience) -> str:
    """The period as a map or panel heads it, marked when partial or without data."""
    label = period_label(ctx, state, audience)
    cov = view_coverage(ctx, state, audience)
    if cov.reason:
        return label
    if cov.empty:
        return f"{label} (no data loaded)"
    if cov.partial:
        return f"{label} (partial: {_held(cov)})"
    return label


def _held(cov: PeriodCoverage) -> str:
    n, total = len(cov.covered), len(cov.months)
    if n < total:
        return f"data for {n} of {total} months"
    return "not every source has data for every month"


def period_notice(ctx: AppContext, asked: ViewState, shown: ViewState, audience: Audience) -> str:
    """What the period control says under it: what is shown, and, where the link or the
    control asked for another period, what was asked and why it is not what is shown."""
    cov = view_coverage(ctx, shown, audience)
    if audience is Audience.PUBLIC:
        block = block_of(ctx, shown)
        if block is None:
            return cov.reason
        text = f"Shown: {block.label}"
        first, last = asked.month_from, asked.month_to
        if (first or last) and (first or last, last or first) != (block.first, block.last):
            wanted = period_text(replace(asked, month_from=first or last, month_to=last or first))
            unit = _UNITS[publication(ctx).policy.period_months]
            text = (
                f"Asked for {wanted}; public figures are published one whole {unit} at a "
                f"time, for {unit}s that have ended. {text}"
            )
    else:
        if shown.month_from is None:
            return "No data loaded"
        text = period_text(shown)
        first, last = asked.month_from, asked.month_to
        opts = options(ctx)
        outside = bool(first and first < opts.first_month) or bool(last and last > opts.last_month)
        if outside and (first, last) != (shown.month_from, shown.month_to):
            wanted = period_text(replace(asked, month_from=first or last, month_to=last or first))
            text = (
                f"Asked for {wanted}, but data is loaded only from "
                f"{opts.first_month:%B %Y} to {opts.last_month:%B %Y}. Shown: {text}"
            )
    if cov.empty:
        return f"{text}: no data loaded (see the notes under the map)"
    if cov.partial:
        return f"{text}. {cov.message()}"
    return text


def _unpublished(ctx: AppContext, state: ViewState, theme: str | None) -> PeriodCoverage:
    """A public state with no published block: nothing complete yet, or a period asked for
    that is not published. Empty, with the reason in words."""
    pub = publication(ctx)
    unit = _UNITS[pub.policy.period_months]
    label = ctx.themes.theme(theme).label if theme else "this theme"
    what = describe(theme_filter(ctx, theme), ctx.themes)
    if state.month_from is None:
        partial = [b.label for b in pub.blocks if not block_coverage(ctx, b, theme).empty]
        reason = f"No complete {unit} of {label} data is loaded yet, so nothing is shown."
        if partial:
            reason += f" Partial {unit}s can be chosen: {', '.join(partial[-3:])}."
        headline = f"No complete {unit} is loaded yet:<br>nothing is shown (see the notes)"
        return PeriodCoverage(None, None, (), {}, {}, what, reason=reason, headline=headline)
    asked = period_text(state)
    cov = data_coverage(ctx, Audience.PUBLIC).period(
        theme_filter(ctx, theme), ctx.themes, state.month_from, state.month_to
    )
    why = (
        "no data is loaded for those months"
        if cov.empty
        else f"the {unit} holding it is not complete yet, and only complete {unit}s are published"
    )
    reason = f"No figures are published for {asked}: {why}."
    if pub.blocks:
        reason += f" Published {unit}s run from {pub.blocks[0].label} to {pub.blocks[-1].label}."
    headline = (
        "No data loaded for this period<br>(see the notes): not a count of 0"
        if cov.empty
        else f"Not published: this {unit} is not complete<br>(see the notes)"
    )
    return PeriodCoverage(
        state.month_from, state.month_to, (), {}, {}, what, reason=reason, headline=headline
    )
