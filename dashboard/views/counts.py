"""Counts a view may show, for either audience, behind one interface.

Restricted (Part 2) readers get exact counts straight from the store. The public (Part 1)
audience gets only what :func:`geo.disclosure.public_counts` publishes: one county-wide
suppressed tree per (period block, theme) pair, so every level and every resolution draws
from the same protected figures, and any request is first mapped to one such pair. Both
hand out :class:`geo.disclosure.Count` objects, so a view never sees a withheld number.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from dashboard.views.context import AppContext, public_months_of
from geo.disclosure import (
    SHOWN,
    ZERO,
    Audience,
    Count,
    DisclosurePolicy,
    Node,
    counts_of,
    display_text,
    public_counts,
    public_filter,
)
from geo.filters import Filters
from geo.store.queries import counts as count_queries


@dataclass(frozen=True)
class ViewCounts:
    """Counts of one filter (whatever area the view shows)."""

    audience: Audience
    k: int
    _exact: _Exact | None = None
    _public: object | None = None  # geo.disclosure.PublicCounts

    @property
    def rules(self) -> tuple:
        return self._public.rules if self._public is not None else ()

    @property
    def public(self):
        """Public only: the :class:`geo.disclosure.PublicCounts` drawn from (its filter and
        period block say what the figures are for)."""
        return self._public

    @property
    def split(self):
        return self._public.split if self._public is not None else None

    def area(self, level: str, code: str | None) -> Count:
        """The count of an area; ``("district", None)`` is the incidents placed in no
        district, which no area (the county included) counts."""
        node = Node(level, code if level != "county" else None)
        if self._exact is not None:
            return self._exact.area(node)
        if node == Node("district", None):
            return self._public.outside or _shown(node, 0)
        tree = self._public.map
        if tree is None:
            return _shown(node, 0)
        try:
            return tree.count(node)
        except KeyError:
            return _shown(node, 0)

    def piece(self, leaf: str | None, cell: int) -> Count:
        if self._exact is not None:
            return self._exact.piece(leaf, cell)
        tree = self._public.map
        if tree is None:
            return _shown(Node("cell", leaf, cell), 0)
        try:
            return tree.piece(leaf, int(cell))
        except KeyError:
            return _shown(Node("cell", leaf, cell), 0)

    def pieces(self, leaf: str | None, cells) -> list[Count]:
        """:meth:`piece` for every cell of one leaf area (a map's worth at once)."""
        cells = np.asarray(cells, dtype=np.uint64)
        status, value = self.piece_codes(leaf, cells)
        return counts_of(leaf, cells, status, value, self.k_of_pieces)

    @property
    def k_of_pieces(self) -> int:
        """The threshold the pieces' words are printed with (only "fewer than k" names it)."""
        return self._public.map.k if self._exact is None and self._public.map is not None else 3

    def piece_codes(self, leaf: str | None, cells) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`pieces` as arrays: each piece's status (an index of
        ``geo.disclosure.STATUS_NAMES``) and its published value, -1 where withheld."""
        cells = np.asarray(cells, dtype=np.uint64)
        if self._exact is not None:
            got = self._exact.pieces
            value = np.array([got.get((leaf, c), 0) for c in cells.tolist()], dtype=np.int64)
            return np.where(value > 0, SHOWN, ZERO).astype(np.int8), value
        tree = self._public.map
        if tree is not None:
            try:
                return tree.piece_codes(leaf, cells)
            except KeyError:  # an area the tree does not know holds nothing
                pass
        return np.full(cells.size, ZERO, dtype=np.int8), np.zeros(cells.size, dtype=np.int64)

    def breakdown(self, level: str, code: str | None, parts: dict) -> dict[object, Count]:
        """Parts of an area's count (by theme, by month): exact for Part 2; for Part 1
        suppressed against the published count of the area, so they add nothing to it."""
        if self._exact is not None:
            return {k: _shown(k, n) for k, n in parts.items()}
        tree = self._public.map
        if tree is None or not parts:
            return {}
        node = Node(level, code if level != "county" else None)
        return dict(tree.breakdown(node, parts).parts)

    def restricted_districts(self) -> object | None:
        """Public only: the restricted categories' district totals, when shown at all."""
        return self._public.restricted if self._public is not None else None


@dataclass
class _Exact:
    areas: dict[Node, int]  # Node("district", None): the incidents placed in no district
    pieces: dict[tuple[str | None, int], int]

    def area(self, node: Node) -> Count:
        return _shown(node, self.areas.get(node, 0))

    def piece(self, leaf: str | None, cell: int) -> Count:
        return _shown(Node("cell", leaf, cell), self.pieces.get((leaf, int(cell)), 0))


def _shown(key: object, n: int) -> Count:
    status = "shown" if n else "zero"
    return Count(key, status, int(n), display_text(status, int(n), 3))


def view_counts(ctx: AppContext, filters: Filters, audience: Audience, res: int) -> ViewCounts:
    """Counts for ``filters`` (its area is ignored: counts are county-wide) at ``res``.

    Public counts are always those of the public filter the request maps to
    (:func:`geo.disclosure.public_filter`: one published block, one theme, every source),
    whatever the caller asked for, so a view can never draw figures of another filter."""
    policy = DisclosurePolicy.from_settings(ctx.settings)
    if audience is Audience.PUBLIC:
        months = public_months_of(ctx)
        asked = public_filter(filters, ctx.themes, policy, months)
        whole = replace(asked, district=None, division=None)
        # Keyed on the normalised filter (the policy, with its period blocks, and the data
        # version are added by ctx.shared), so every request that maps to one public
        # (block, theme) pair shares that pair's tree and nothing else.
        result = ctx.shared(
            ("public", whole),
            lambda: public_counts(ctx.store, whole, ctx.themes, policy, months=months),
        )
        return ViewCounts(Audience.PUBLIC, policy.k, _public=result)
    whole = replace(filters, district=None, division=None)
    exact = ctx.cached(("exact", whole, res), lambda: _exact_counts(ctx, whole, res))
    return ViewCounts(Audience.RESTRICTED, policy.k, _exact=exact)


def _exact_counts(ctx: AppContext, filters: Filters, res: int) -> _Exact:
    """Exact counts of the county's incidents (those placed in a district) by area and piece,
    and of those placed in no district."""
    rows = count_queries.piece_counts(ctx.store, filters, ctx.themes, res)
    outside = count_queries.outside_count(ctx.store, filters, ctx.themes, res=res)
    areas: dict[Node, int] = {Node("district", None): int(outside)}
    pieces: dict[tuple[str | None, int], int] = {}
    for district, division, cell, n in rows:
        areas[Node("county", None)] = areas.get(Node("county", None), 0) + n
        areas[Node("district", district)] = areas.get(Node("district", district), 0) + n
        if division:
            areas[Node("division", division)] = areas.get(Node("division", division), 0) + n
        leaf = division or district
        pieces[(leaf, int(cell))] = pieces.get((leaf, int(cell)), 0) + n
    return _Exact(areas, pieces)
