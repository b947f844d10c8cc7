"""The suppressed tree: what each node may show, and lookups for every view.

A :class:`SuppressedTree` keeps only what may be published: the values of shown nodes and the
status of every node. The true values of withheld nodes are dropped when it is built, so a
view or an export that serialises it cannot leak them.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping
from dataclasses import replace
from functools import cached_property

import numpy as np

from geo.disclosure._count import Count, display_text
from geo.disclosure._group import Breakdown, suppress_breakdown
from geo.disclosure._suppress import (
    MERGED,
    PRIMARY,
    SHOWN,
    STATUS_NAMES,
    ZERO,
    Bounds,
    bounds,
    protect,
)
from geo.disclosure._tree import CELL, CELL_CODE, COUNTY, DISTRICT, DIVISION, CountTree, Node


def counts_of(
    area: str | None, cells: np.ndarray, status: np.ndarray, value: np.ndarray, k: int
) -> list[Count]:
    """The :class:`Count` of each piece (``area``, cell) from its status code and published
    value (-1: withheld), as :meth:`SuppressedTree.piece_codes` gives them."""
    texts: dict[tuple[int, int], str] = {}
    out = []
    for cell, s, v in zip(cells.tolist(), status.tolist(), value.tolist(), strict=True):
        name = STATUS_NAMES[s]
        shown = v if v >= 0 else None
        text = texts.get((s, v))
        if text is None:
            text = texts[(s, v)] = display_text(name, shown, k)
        out.append(Count(Node(CELL, area, cell), name, shown, text))
    return out


def suppress(tree: CountTree, k: int) -> SuppressedTree:
    """Primary and secondary suppression of every node of ``tree`` for threshold ``k``."""
    status = protect(tree, k)
    return SuppressedTree(tree, status, k, bounds(tree, status, k))


class SuppressedTree:
    """Every node's published count, by key; absent keys (areas or pieces with no incidents)
    resolve to 0, or to "merged" when they lie inside a withheld count."""

    def __init__(self, tree: CountTree, status: np.ndarray, k: int, b: Bounds) -> None:
        self.k = k
        self.max_res = tree.max_res
        self._status = status
        # What anyone can derive about each published node; a merged node's own bounds would
        # be its true value, so it gets none.
        merged = status == MERGED
        self._lo = np.where(merged, 0.0, b.lo)
        self._hi = np.where(merged, np.inf, b.hi)
        self._value = np.where(np.isin(status, (SHOWN, ZERO)), tree.value, -1)
        # Keep the tree's shape but not its true values: only shown values stay.
        self._tree = replace(tree, value=self._value)

    def __len__(self) -> int:
        return len(self._status)

    @property
    def total(self) -> Count:
        return self._count(0)

    def counts(self) -> dict[str, int]:
        """How many nodes have each status (for "rules applied" and logs)."""
        return {name: int((self._status == i).sum()) for i, name in enumerate(STATUS_NAMES)}

    def count(self, node: Node) -> Count:
        """The published count of any node, including nodes with no incidents."""
        if node.level == COUNTY:
            return self._count(0)
        i = self._find(node)
        if i is not None:
            return self._count(i)
        if node.level == CELL:
            return self.piece(node.area, node.cell)
        raise KeyError(f"{node} is not an area of this tree")

    def area(self, level: str, code: str | None = None) -> Count:
        """The county (``code`` None), a district or a division."""
        return self.count(Node(level, code))

    def piece(self, area: str | None, cell: int) -> Count:
        """The piece of ``cell`` (at the tree's one resolution) within ``area``: its own count
        if it has incidents; else "merged" inside a withheld area, or zero."""
        return self.pieces_of(area, np.array([cell], dtype=np.uint64))[0]

    def pieces_of(self, area: str | None, cells: np.ndarray) -> list[Count]:
        """:meth:`piece` for many cells of one area at once (a map draws thousands)."""
        cells = np.asarray(cells, dtype=np.uint64)
        status, value = self.piece_codes(area, cells)
        return counts_of(area, cells, status, value, self.k)

    def piece_codes(self, area: str | None, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What :meth:`pieces_of` says, as arrays (no object per cell: a statistic reading a
        map's worth of pieces for several periods needs no more): each piece's status (an
        index of ``STATUS_NAMES``) and its published value, -1 where it is withheld."""
        cells = np.asarray(cells, dtype=np.uint64)
        if cells.size == 0:
            return np.zeros(0, dtype=np.int8), np.zeros(0, dtype=np.int64)
        res = (cells >> np.uint64(52)) & np.uint64(0xF)
        if (res != self.max_res).any():
            bad = int(res[res != self.max_res][0])
            raise ValueError(f"resolution {bad}: the public view publishes {self.max_res} only")
        found = self._piece_ids(area, cells)
        hit = found >= 0
        status = np.empty(cells.size, dtype=np.int8)
        value = np.empty(cells.size, dtype=np.int64)
        status[hit] = self._status[found[hit]]
        value[hit] = self._value[found[hit]]
        if not hit.all():
            # A cell with no incidents: "merged" inside a withheld area (its count is in the
            # area's "fewer than k"), else a true zero.
            up = self._area_node(area)
            inside = self._status[up] in (PRIMARY, MERGED)
            status[~hit] = MERGED if inside else ZERO
            value[~hit] = -1 if inside else 0
        return status, value

    def range_of(self, node: Node) -> tuple[float, float]:
        """The least and greatest value anyone can derive for ``node`` from this tree."""
        i = self._node_id(node)
        return float(self._lo[i]), float(self._hi[i])

    def breakdown(self, node: Node, parts: Mapping[Hashable, int]) -> Breakdown:
        """A side table breaking ``node``'s count down (by theme, month...), suppressed so that
        it adds nothing to what the map tells about the node (see ``_group``)."""
        i = self._node_id(node)
        return suppress_breakdown(
            parts, self.k, total=self._count(i), total_range=(self._lo[i], self._hi[i])
        )

    def children(self, node: Node) -> list[Count]:
        """The published parts of ``node`` (none for a withheld node's merged parts)."""
        i = self._node_id(node)
        kids = np.flatnonzero(self._tree.parent == i)
        return [self._count(int(j)) for j in kids if self._status[j] != MERGED]

    def pieces(self, res: int, within: Node | None = None) -> list[Count]:
        """Every piece at ``res`` (the tree's one resolution) with incidents, in ``within``
        (default: the county).

        A merged piece is replaced by the withheld count it is merged into (the division or
        district itself), once, so a map draws "fewer than k" over the whole of it and never
        a piece finer than the count it belongs to.
        """
        t = self._tree
        if res != self.max_res:
            raise ValueError(f"resolution {res}: the public view publishes {self.max_res} only")
        ids = np.flatnonzero((t.level == CELL_CODE) & (self._res == res) & self._within(within))
        out: dict[int, Count] = {}
        for i in ids.tolist():
            j = self._merged_into(i) if self._status[i] == MERGED else i
            if j not in out:
                out[j] = self._count(j)
        return list(out.values())

    # -- private -----------------------------------------------------------------------------

    def _count(self, i: int) -> Count:
        status = STATUS_NAMES[int(self._status[i])]
        value = int(self._value[i]) if self._value[i] >= 0 else None
        return Count(self._tree.node(i), status, value, display_text(status, value, self.k))

    @cached_property
    def _areas_index(self) -> dict[Node, int]:
        """Every node but the pieces (a few hundred), by key; pieces go by ``_piece_ids``."""
        ids = np.flatnonzero(self._tree.level != CELL_CODE)
        return {self._tree.node(int(i)): int(i) for i in ids}

    def _find(self, node: Node) -> int | None:
        if node.level != CELL:
            return self._areas_index.get(node)
        i = int(self._piece_ids(node.area, np.array([node.cell], dtype=np.uint64))[0])
        return i if i >= 0 else None

    def _node_id(self, node: Node) -> int:
        i = self._find(node)
        if i is None:
            raise KeyError(node)
        return i

    @cached_property
    def _res(self) -> np.ndarray:
        res = (self._tree.cell >> np.uint64(52)) & np.uint64(0xF)
        return np.where(self._tree.level == CELL_CODE, res, 0).astype(np.int64)

    def _within(self, within: Node | None) -> np.ndarray:
        """Which nodes lie in the subtree of ``within``."""
        t = self._tree
        if within is None or within.level == COUNTY:
            return np.ones(len(t), dtype=bool)
        root = self._node_id(Node(within.level, within.area))
        inside = np.zeros(len(t), dtype=bool)
        inside[root] = True
        for idx in t.by_depth()[int(t.depth[root]) + 1 :]:
            inside[idx] = inside[t.parent[idx]]
        return inside

    def _merged_into(self, i: int) -> int:
        while self._status[i] == MERGED:
            i = int(self._tree.parent[i])
        return i

    @cached_property
    def _cells_by_area(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """For each area index: its pieces' cells, sorted, and their node ids."""
        t = self._tree
        ids = np.flatnonzero(t.level == CELL_CODE)
        ids = ids[np.lexsort((t.cell[ids], t.area[ids]))]
        areas = t.area[ids]
        starts = np.flatnonzero(np.r_[True, areas[1:] != areas[:-1]]) if ids.size else []
        bounds = [*starts, ids.size]
        return {int(areas[a]): (t.cell[ids[a:b]], ids[a:b]) for a, b in itertools.pairwise(bounds)}

    def _piece_ids(self, area: str | None, cells: np.ndarray) -> np.ndarray:
        """Node ids of the pieces (area, cell), -1 where there is none."""
        out = np.full(cells.size, -1, dtype=np.int64)
        a = self._area_index.get(area)
        if a is None or a not in self._cells_by_area:
            return out
        known, ids = self._cells_by_area[a]
        pos = np.minimum(np.searchsorted(known, cells), known.size - 1)
        hit = known[pos] == cells
        out[hit] = ids[pos[hit]]
        return out

    @cached_property
    def _area_index(self) -> dict[str | None, int]:
        return {code: i for i, code in enumerate(self._tree.areas)}

    def _area_node(self, area: str | None) -> int:
        parents = self._tree.area_parent
        if area not in parents:
            raise KeyError(f"area {area} is not in this tree")
        level = DISTRICT if parents[area] is None else DIVISION
        return self._areas_index[Node(level, area)]
