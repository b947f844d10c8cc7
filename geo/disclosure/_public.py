"""The public filter space: every request becomes one (period block, theme) pair.

Disclosure control protects each filter's own figures (see :mod:`geo.disclosure._suppress`),
but two filters are protected independently, so two public views whose filters overlap can
be subtracted: twelve months less eleven is the twelfth, every theme less all but one is the
one, a theme less its police.uk proxy is the partner data, every source less one is the
other. The public view therefore publishes a fixed set of filters that partition the data:

* a period is one published block (:mod:`geo.disclosure._periods`), never a free range;
* the categories are exactly one public theme's (restricted categories never count);
* every source counts: there is no choice of sources.

Blocks are equal or disjoint, and themes' categories are disjoint (a category feeds one
theme), so any two public filters are equal or disjoint in months x categories, and no
difference of two public figures is a figure for a smaller group. :func:`public_filter` is
the one function that maps a request (from a URL, a callback, the command line or an
export) into this space; :func:`geo.disclosure.public_counts` applies it to every filter it
is given, so nothing public is computed for a filter outside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from geo.disclosure._periods import PeriodBlock, published_blocks, snap_to_block
from geo.disclosure._policy import DisclosurePolicy
from geo.filters import Filters
from geo.themes import ThemeMap


def public_themes(themes: ThemeMap, policy: DisclosurePolicy) -> tuple[str, ...]:
    """The themes the public view offers, in the themes file's order: every theme with at
    least one category that is not restricted (modern slavery, restricted by default, is
    shown only in the restricted categories' district table)."""
    restricted = set(policy.restricted_categories(themes))
    return tuple(t.key for t in themes.themes if set(themes.categories_for(t.key)) - restricted)


def public_blocks(
    policy: DisclosurePolicy, months_loaded: Iterable[date]
) -> tuple[PeriodBlock, ...]:
    """The period blocks the public view offers for the months loaded, oldest first."""
    return published_blocks(months_loaded, policy.period_months, policy.year_start)


def public_block(
    filters: Filters, policy: DisclosurePolicy, months_loaded: Iterable[date]
) -> PeriodBlock | None:
    """The block a request is shown as: the one holding its end month (or the latest)."""
    requested = filters.month_to or filters.month_from
    return snap_to_block(requested, public_blocks(policy, months_loaded))


def public_theme(filters: Filters, themes: ThemeMap, policy: DisclosurePolicy) -> str | None:
    """The one theme a request is shown as: the first public theme it names, else the theme
    of the first category it names that feeds a public theme, else the first public theme."""
    offered = public_themes(themes, policy)
    for key in filters.themes:
        if key in offered:
            return key
    for category in filters.categories:
        theme = themes.theme_of(category)
        if theme in offered:
            return theme
    return offered[0] if offered else None


def public_filter(
    filters: Filters,
    themes: ThemeMap,
    policy: DisclosurePolicy,
    months_loaded: Iterable[date],
) -> Filters:
    """``filters`` as the public view shows it: one published block, one public theme, no
    categories or sources of its own. The area is kept (it only chooses which nodes of the
    county-wide tree are drawn). Idempotent: a public filter maps to itself."""
    block = public_block(filters, policy, months_loaded)
    theme = public_theme(filters, themes, policy)
    return Filters(
        themes=(theme,) if theme else (),
        month_from=block.first if block else None,
        month_to=block.last if block else None,
        district=filters.district,
        division=filters.division,
    )


def restricted_filter(block: PeriodBlock | None, themes: ThemeMap, policy: DisclosurePolicy):
    """The one public filter of the restricted categories in a block: all of them together,
    every source, shown only as district totals (None when the policy hides them)."""
    names = policy.restricted_categories(themes)
    if policy.restricted_display != "district" or not names:
        return None
    return Filters(
        categories=names,
        month_from=block.first if block else None,
        month_to=block.last if block else None,
    )
