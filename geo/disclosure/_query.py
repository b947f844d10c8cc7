"""From the store to suppressed public counts: the one path the public view should use.

The tree is always built for the whole county, whatever area the view shows: the area only
chooses which nodes of the tree are drawn. A tree built per area would suppress differently
in each view, and two views could then be differenced against each other.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from geo.cells import parent_sql
from geo.disclosure._policy import Audience, CategorySplit, DisclosurePolicy, split_filters
from geo.disclosure._result import SuppressedTree, suppress
from geo.disclosure._rules import Rule, rules_applied
from geo.disclosure._tree import CountTree, build_count_tree
from geo.filters import Filters
from geo.store import Store
from geo.themes import ThemeMap

# Only incidents with a location count: the public figures are those a map can place.
_LOCATED = "cell IS NOT NULL"


@dataclass(frozen=True)
class PublicCounts:
    """Everything the public view of one filter may show.

    ``map``: the public categories over the whole hierarchy (None when the filter asked only
    for restricted categories). ``restricted``: restricted categories as county and district
    totals (None when none were asked for or the policy hides them).
    """

    split: CategorySplit
    map: SuppressedTree | None
    restricted: SuppressedTree | None
    rules: tuple[Rule, ...]


def public_counts(
    store: Store, filters: Filters, themes: ThemeMap, policy: DisclosurePolicy
) -> PublicCounts:
    """Suppressed counts for the public audience; cache it by (filters less the area,
    store.data_version()): every view of the filter draws from this one result."""
    split = split_filters(filters, themes, policy)
    tree = restricted = None
    if split.public is not None:
        tree = suppress(count_tree_from_store(store, split.public, themes, policy), policy.k)
    if split.restricted is not None:
        by_district = count_tree_from_store(
            store, split.restricted, themes, policy, depth="district"
        )
        restricted = suppress(by_district, policy.k)
    counts = tree.counts() if tree is not None else None
    rules = rules_applied(policy, Audience.PUBLIC, themes, counts=counts)
    return PublicCounts(split, tree, restricted, rules)


def count_tree_from_store(
    store: Store,
    filters: Filters,
    themes: ThemeMap,
    policy: DisclosurePolicy,
    *,
    depth: str = "cell",
) -> CountTree:
    """The county-wide count tree of ``filters`` (its district or division is ignored)."""
    whole = replace(filters, district=None, division=None)
    where, params = whole.where(themes)
    if depth == "cell":
        cell_sql, cell_params = parent_sql("cell", policy.max_res)
    else:
        cell_sql, cell_params = "NULL::UBIGINT", []
    division_sql = "NULL::VARCHAR" if depth == "district" else "division"
    sql = (
        f"SELECT district, {division_sql} AS division, {cell_sql} AS cell, count(*) AS n "
        f"FROM incidents WHERE {_LOCATED} AND {where} GROUP BY ALL"
    )
    leaves = store.fetch_rows(sql, [*cell_params, *params])
    return build_count_tree(leaves, max_res=policy.max_res, areas=_areas(store), depth=depth)


def _areas(store: Store) -> dict[str, str | None]:
    """Every loaded district (parent None) and division (parent: its district)."""
    rows = store.fetch_rows(
        "SELECT level, code, parent_code FROM areas WHERE level IN ('district', 'division')"
    )
    return {code: (parent if level == "division" else None) for level, code, parent in rows}
