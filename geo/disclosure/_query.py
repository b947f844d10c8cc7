"""From the store to suppressed public counts: the one path the public view uses.

Whatever filter it is given, :func:`public_counts` first maps it into the public filter space
(one published period block, one public theme, every source; see ``_public``), so no caller
can ask it for figures that overlap another public view's.

The tree is always built for the whole county, whatever area the view shows: the area only
chooses which nodes of the tree are drawn. A tree built per area would suppress differently
in each view, and two views could then be differenced against each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from geo.disclosure._count import Count, display_text
from geo.disclosure._periods import PeriodBlock
from geo.disclosure._policy import Audience, CategorySplit, DisclosurePolicy, split_filters
from geo.disclosure._public import public_block, public_filter, restricted_filter
from geo.disclosure._result import SuppressedTree, suppress
from geo.disclosure._rules import Rule, rules_applied
from geo.disclosure._tree import DISTRICT, CountTree, Node, build_count_tree
from geo.filters import Filters
from geo.store import Store, read_coverage
from geo.store.queries import counts
from geo.store.queries.areas import areas as loaded_areas
from geo.store.queries.coverage import months_loaded
from geo.themes import ThemeMap


@dataclass(frozen=True)
class PublicCounts:
    """Everything the public view of one (period block, theme) pair may show.

    ``filters``: the public filter the figures are for (:func:`public_filter` of the
    request), and ``block`` its period. ``map``: the theme's public categories over the whole
    hierarchy (None when there is no public theme). ``restricted``: every restricted
    category together, as county and district totals for the block (None when the policy
    hides them): the same table whichever theme is shown. ``outside``: the map's incidents
    placed in no district (counted in no area, the county included), published on its own
    with primary suppression: no other published figure includes them, so nothing can be
    differenced against it.
    """

    filters: Filters
    block: PeriodBlock | None
    split: CategorySplit
    map: SuppressedTree | None
    restricted: SuppressedTree | None
    rules: tuple[Rule, ...]
    outside: Count | None = None


def public_counts(
    store: Store,
    filters: Filters,
    themes: ThemeMap,
    policy: DisclosurePolicy,
    *,
    months: Iterable[date] | None = None,
) -> PublicCounts:
    """Suppressed counts for the public audience of whatever ``filters`` asks, normalised
    first to the public filter space (one published block, one public theme, every source).

    ``months``: the months the public blocks are made of (:func:`public_months`, read from
    the store when not given). Cache the result by
    (the public filter, store.data_version()): every view of the filter draws from it.
    """
    months = public_months(store, themes, policy) if months is None else tuple(months)
    asked = public_filter(filters, themes, policy, months)
    block = public_block(asked, policy, months)
    split = split_filters(asked, themes, policy)
    tree = restricted = outside = None
    if asked.themes and split.public is not None:
        tree = suppress(count_tree_from_store(store, split.public, themes, policy), policy.k)
        n_outside = outside_count(store, split.public, themes)
        outside = _lone_count(Node(DISTRICT, None), n_outside, policy.k)
    restricted_only = restricted_filter(block, themes, policy)
    if restricted_only is not None:
        by_district = count_tree_from_store(
            store, restricted_only, themes, policy, depth="district"
        )
        restricted = suppress(by_district, policy.k)
    counts = tree.counts() if tree is not None else None
    rules = rules_applied(policy, Audience.PUBLIC, themes, counts=counts, block=block)
    return PublicCounts(asked, block, split, tree, restricted, rules, outside)


def outside_count(store: Store, filters: Filters, themes: ThemeMap) -> int:
    """How many located incidents of ``filters`` (its area ignored) lie in no district."""
    return counts.outside_count(store, filters, themes)


def _lone_count(node: Node, n: int, k: int) -> Count:
    """A figure that no other published figure includes: only its own size can disclose."""
    status = "zero" if n == 0 else "primary" if n < k else "shown"
    value = None if status == "primary" else n
    return Count(node, status, value, display_text(status, value, k))


def loaded_months(store: Store) -> tuple[date, ...]:
    """Every month with at least one incident loaded, oldest first."""
    return tuple(months_loaded(store))


def public_months(store: Store, themes: ThemeMap, policy: DisclosurePolicy) -> tuple[date, ...]:
    """Every month with at least one incident of a category the public may see, oldest
    first: what the public period blocks are made of. A month holding only restricted
    records is not one, or a restricted source's lone record would publish its block (and
    so place the record in time: a red-team attack read exactly that)."""
    hidden = frozenset(policy.restricted_categories(themes))
    return read_coverage(store, without=hidden).all_months()


def count_tree_from_store(
    store: Store,
    filters: Filters,
    themes: ThemeMap,
    policy: DisclosurePolicy,
    *,
    depth: str = "cell",
) -> CountTree:
    """The county-wide count tree of ``filters`` (its district or division is ignored): the
    incidents placed in a district, with each one's own cell at the public resolution."""
    leaves = counts.located_counts(store, filters, themes, res=policy.max_res, depth=depth)
    return build_count_tree(leaves, max_res=policy.max_res, areas=_areas(store), depth=depth)


def _areas(store: Store) -> dict[str, str | None]:
    """Every loaded district (parent None) and division (parent: its district)."""
    found = loaded_areas(store, ("district", "division"))
    return {a.code: (a.parent if a.level == "division" else None) for a in found}
