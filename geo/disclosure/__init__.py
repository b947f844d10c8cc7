"""Disclosure control for the public (Part 1) audience, enforced on the server.

Every public number comes from one hierarchy of nested units (county -> district -> division
-> H3 pieces at each public resolution; see :mod:`geo.disclosure._tree`), suppressed once per
filter so that no withheld count can be recovered by differencing along it (see
:mod:`geo.disclosure._suppress`). Restricted categories never enter that hierarchy: the public
view shows them only as district totals, or not at all.

Typical use in a callback or an export::

    policy = DisclosurePolicy.from_settings(settings)
    result = public_counts(store, filters, themes, policy)    # cache per filter and version
    for c in result.map.pieces(res=policy.resolution(audience, 7), within=Node("district", code)):
        draw(c.key, c.text)                                  # c.value is None when withheld
    notes = rules_text(result.rules)
"""

from geo.disclosure._count import Count, display_text
from geo.disclosure._group import Breakdown, suppress_breakdown
from geo.disclosure._policy import (
    MARKINGS,
    Audience,
    CategorySplit,
    DisclosurePolicy,
    split_filters,
)
from geo.disclosure._query import PublicCounts, count_tree_from_store, public_counts
from geo.disclosure._result import SuppressedTree, suppress
from geo.disclosure._rules import Rule, legend_notes, rules_applied, rules_text
from geo.disclosure._tree import (
    CELL,
    COUNTY,
    DISTRICT,
    DIVISION,
    UNLOCATED,
    CountTree,
    Node,
    build_count_tree,
)

__all__ = [
    "CELL",
    "COUNTY",
    "DISTRICT",
    "DIVISION",
    "MARKINGS",
    "UNLOCATED",
    "Audience",
    "Breakdown",
    "CategorySplit",
    "Count",
    "CountTree",
    "DisclosurePolicy",
    "Node",
    "PublicCounts",
    "Rule",
    "SuppressedTree",
    "build_count_tree",
    "count_tree_from_store",
    "display_text",
    "legend_notes",
    "public_counts",
    "rules_applied",
    "rules_text",
    "split_filters",
    "suppress",
    "suppress_breakdown",
]
