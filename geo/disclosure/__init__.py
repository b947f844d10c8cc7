"""Disclosure control for the public (Part 1) audience, enforced on the server.

The public view is a fixed publication: :func:`public_filter` maps every request to one
(period block, theme) pair, and these pairs partition the data, so no two public figures can
be subtracted across periods, themes, categories or sources (see
:mod:`geo.disclosure._public`). Within one pair, every public number comes from one
hierarchy of nested units (county -> district -> division -> H3 pieces at each public
resolution; see :mod:`geo.disclosure._tree`), suppressed once per filter so that no withheld
count can be recovered by differencing along it (see :mod:`geo.disclosure._suppress`).
Restricted categories never enter that hierarchy: the public view shows them only as district
totals, or not at all.

Typical use in a callback or an export::

    policy = DisclosurePolicy.from_settings(settings)
    result = public_counts(store, filters, themes, policy)    # normalised: result.filters
    for c in result.map.pieces(res=policy.resolution(audience, 7), within=Node("district", code)):
        draw(c.key, c.text)                                  # c.value is None when withheld
    notes = rules_text(result.rules)
"""

from geo.disclosure._count import Count, display_text
from geo.disclosure._group import Breakdown, suppress_breakdown
from geo.disclosure._periods import PeriodBlock, block_containing
from geo.disclosure._policy import (
    MARKINGS,
    Audience,
    CategorySplit,
    DisclosurePolicy,
    split_filters,
)
from geo.disclosure._public import (
    public_block,
    public_blocks,
    public_filter,
    public_theme,
    public_themes,
    restricted_filter,
)
from geo.disclosure._query import (
    PublicCounts,
    count_tree_from_store,
    loaded_months,
    public_counts,
    public_months,
)
from geo.disclosure._result import SuppressedTree, counts_of, suppress
from geo.disclosure._rules import Rule, legend_notes, rules_applied, rules_text
from geo.disclosure._suppress import MERGED, PRIMARY, SECONDARY, SHOWN, STATUS_NAMES, ZERO
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
    "MERGED",
    "PRIMARY",
    "SECONDARY",
    "SHOWN",
    "STATUS_NAMES",
    "UNLOCATED",
    "ZERO",
    "Audience",
    "Breakdown",
    "CategorySplit",
    "Count",
    "CountTree",
    "DisclosurePolicy",
    "Node",
    "PeriodBlock",
    "PublicCounts",
    "Rule",
    "SuppressedTree",
    "block_containing",
    "build_count_tree",
    "count_tree_from_store",
    "counts_of",
    "display_text",
    "legend_notes",
    "loaded_months",
    "public_block",
    "public_blocks",
    "public_counts",
    "public_filter",
    "public_months",
    "public_theme",
    "public_themes",
    "restricted_filter",
    "rules_applied",
    "rules_text",
    "split_filters",
    "suppress",
    "suppress_breakdown",
]
