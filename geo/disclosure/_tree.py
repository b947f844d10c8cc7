"""The one hierarchy every public number comes from.

county -> district -> division -> H3 pieces at the one public resolution. Medway (and, in a
tree built from leaves that have them, "outside every area": district code None) has no
divisions: its pieces hang from the district itself, as do the pieces of incidents placed in a
district but in none of its divisions. A piece is a cell intersected with one area: an
incident's piece is the cell its point lies in at the public resolution, within the area it
was placed in, so the pieces of an area add up exactly to its count. Incidents without a cell
form an "unlocated" child of their area, so every node still equals the sum of its children.

Pieces come at one resolution only. H3 cells do not nest (a resolution-8 cell's points are not
all in one resolution-7 cell), so pieces of two resolutions would be two overlapping
partitions of each area: published together, they form linked tables whose joint
constraints can pin a count this tree's suppression withholds
(``tests/unit/test_disclosure_linked.py`` runs that attack). One resolution keeps the system a
tree.

Because every view (any level) shows only nodes of this tree, the only sums an attacker can
difference are the tree's own parent = sum-of-children constraints, and one suppression run
covers every view of a filter.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
import pyarrow as pa

from geo.grid import FINE_RES, MIN_RES, cell_resolution

COUNTY, DISTRICT, DIVISION, CELL, UNLOCATED = "county", "district", "division", "cell", "unlocated"
DEPTHS = ("district", "division", "cell")
_LEVEL_CODES = (COUNTY, DISTRICT, DIVISION, CELL, UNLOCATED)
CELL_CODE = _LEVEL_CODES.index(CELL)


class Node(NamedTuple):
    """A node's key. ``area`` is the district or division code (None: outside every area);
    for a piece it is the area the piece lies in, and ``cell`` is the H3 cell (its
    resolution is in the index)."""

    level: str
    area: str | None = None
    cell: int = 0

    @property
    def res(self) -> int | None:
        return cell_resolution(self.cell) if self.level == CELL else None


@dataclass(frozen=True, eq=False)
class CountTree:
    """Counts on the nodes of the hierarchy, as arrays indexed by node id (root = 0)."""

    level: np.ndarray  # int8 index into _LEVEL_CODES
    area: np.ndarray  # int32 index into ``areas`` (-1 for the county)
    cell: np.ndarray  # uint64, 0 except for pieces
    parent: np.ndarray  # int64, -1 for the root
    depth: np.ndarray  # int64
    value: np.ndarray  # int64
    areas: tuple[str | None, ...]  # area codes; their nodes are ``area_node``
    area_node: np.ndarray  # int64: node id of each area
    area_parent: Mapping[str | None, str | None]  # division -> district; district -> None
    max_res: int  # the resolution of every piece (the policy's one public resolution)

    def __len__(self) -> int:
        return len(self.value)

    def node(self, i: int) -> Node:
        level = _LEVEL_CODES[int(self.level[i])]
        area = self.areas[int(self.area[i])] if self.area[i] >= 0 else None
        return Node(level, area, int(self.cell[i]))

    def by_depth(self) -> list[np.ndarray]:
        """Node ids grouped by depth, root first."""
        return self._levels

    @cached_property
    def _levels(self) -> list[np.ndarray]:
        order = np.argsort(self.depth, kind="stable")
        bounds = np.searchsorted(self.depth[order], np.arange(int(self.depth.max()) + 2))
        return [order[a:b] for a, b in itertools.pairwise(bounds)]


def flat_tree(values: list[int]) -> CountTree:
    """A total (the root) with one level of parts, for side tables."""
    n = len(values)
    zeros = np.zeros(n + 1, dtype=np.int64)
    depth = np.ones(n + 1, dtype=np.int64)
    depth[0] = 0
    parent = np.zeros(n + 1, dtype=np.int64)
    parent[0] = -1
    value = np.array([sum(values), *values], dtype=np.int64)
    return CountTree(
        zeros.astype(np.int8), zeros.astype(np.int32) - 1, zeros.astype(np.uint64), parent,
        depth, value, (), np.zeros(0, dtype=np.int64), {}, MIN_RES,
    )  # fmt: skip


def build_count_tree(
    leaves: pa.Table | Iterable[tuple[str | None, str | None, int | None, int]],
    *,
    max_res: int,
    areas: Mapping[str, str | None] | None = None,
    depth: str = "cell",
) -> CountTree:
    """The hierarchy from leaf counts ``(district, division, cell, n)``.

    ``cell`` is the incidents' own H3 cell at ``max_res``, the one resolution of the pieces
    (None or 0: no location); a cell at any other resolution is refused, since a parent or a
    child is not the cell the incidents lie in. ``areas`` maps every division to its district
    and every district to None, so areas with no incidents are nodes too (shown as 0, or
    withheld inside a withheld parent). ``depth`` stops the tree at "district" or "division".
    """
    if depth not in DEPTHS:
        raise ValueError(f"depth {depth!r}: expected one of {DEPTHS}")
    if not MIN_RES <= max_res <= FINE_RES:
        raise ValueError(f"max_res {max_res}: expected {MIN_RES} to {FINE_RES}")
    district, division, cells, counts = _columns(leaves)
    parent_of = _area_parents(district, division, areas or {})
    if depth == "district":
        division = [None] * len(division)
        parent_of = {code: up for code, up in parent_of.items() if up is None}
    cells = _check_resolution(cells, max_res) if depth == "cell" else None
    return _assemble(parent_of, district, division, cells, counts, max_res=max_res)


def _columns(leaves) -> tuple[list, list, np.ndarray, np.ndarray]:
    if isinstance(leaves, pa.Table):
        rows = list(zip(*(leaves.column(i).to_pylist() for i in range(4)), strict=True))
    else:
        rows = [tuple(r) for r in leaves]
    district = [r[0] for r in rows]
    division = [r[1] for r in rows]
    cells = np.array([int(r[2] or 0) for r in rows], dtype=np.uint64)
    counts = np.array([int(r[3]) for r in rows], dtype=np.int64)
    if (counts < 0).any():
        raise ValueError("leaf counts must not be negative")
    return district, division, cells, counts


def _area_parents(district: list, division: list, areas: Mapping) -> dict:
    """Every area's parent, checking that the leaves agree with ``areas``."""
    parent_of: dict[str | None, str | None] = dict(areas)
    for dist, div in zip(district, division, strict=True):
        parent_of.setdefault(dist, None)
        if div is None:
            continue
        known = parent_of.setdefault(div, dist)
        if known != dist or dist is None:
            raise ValueError(f"division {div} is in district {known}, not {dist}")
    return parent_of


def _check_resolution(cells: np.ndarray, res: int) -> np.ndarray:
    located = cells != 0
    found = (cells[located] >> np.uint64(52)) & np.uint64(0xF)
    if (found != res).any():
        raise ValueError(f"leaf cells must be at resolution {res}, the pieces' resolution")
    return cells


def _assemble(parent_of, district, division, cells, counts, *, max_res) -> CountTree:
    b = _Builder(parent_of)
    areas = [b.area_id[v or d] for d, v in zip(district, division, strict=True)]
    leaf_area = np.array(areas, dtype=np.int64)
    leaf_node = b.area_node[leaf_area]
    if cells is not None:
        leaf_node = _add_pieces(b, leaf_area, leaf_node, cells)
    value = b.values(leaf_node, counts)
    return CountTree(
        level=np.array(b.level, dtype=np.int8),
        area=np.array(b.area, dtype=np.int32),
        cell=np.array(b.cell, dtype=np.uint64),
        parent=np.array(b.parent, dtype=np.int64),
        depth=np.array(b.depth, dtype=np.int64),
        value=value,
        areas=tuple(b.codes),
        area_node=np.array(b.area_node, dtype=np.int64),
        area_parent=dict(parent_of),
        max_res=max_res,
    )


def _add_pieces(b: _Builder, leaf_area, at, cells) -> np.ndarray:
    """One piece per (area, cell) below each area; returns each leaf's node."""
    located = cells != 0
    at = np.where(located, b.add_groups(CELL, leaf_area, cells, at, located), at)
    unlocated = b.add_groups(UNLOCATED, leaf_area, np.zeros_like(cells), at, ~located)
    return np.where(located, at, unlocated)


class _Builder:
    """Appends nodes level by level; the county, districts and divisions come first."""

    def __init__(self, parent_of: Mapping[str | None, str | None]) -> None:
        self.level, self.area, self.cell, self.parent, self.depth = [0], [-1], [0], [-1], [0]
        districts = sorted((c for c, p in parent_of.items() if p is None), key=_code_order)
        divisions = sorted((c for c, p in parent_of.items() if p is not None), key=_code_order)
        self.codes = [*districts, *divisions]
        self.area_id = {code: i for i, code in enumerate(self.codes)}
        self.area_node = np.zeros(len(self.codes), dtype=np.int64)
        for code in self.codes:
            up = parent_of[code]
            above = 0 if up is None else int(self.area_node[self.area_id[up]])
            kind = DISTRICT if up is None else DIVISION
            self.area_node[self.area_id[code]] = self._append(kind, self.area_id[code], 0, above)

    def _append(self, level: str, area: int, cell: int, parent: int) -> int:
        self.level.append(_LEVEL_CODES.index(level))
        self.area.append(area)
        self.cell.append(cell)
        self.parent.append(parent)
        self.depth.append(self.depth[parent] + 1)
        return len(self.level) - 1

    def add_groups(self, level, leaf_area, keys, parents, mask) -> np.ndarray:
        """One node per distinct (area, key) among masked leaves; returns each leaf's node."""
        out = np.full(len(keys), -1, dtype=np.int64)
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return out
        order = idx[np.lexsort((keys[idx], leaf_area[idx]))]
        new = np.ones(order.size, dtype=bool)
        new[1:] = (leaf_area[order[1:]] != leaf_area[order[:-1]]) | (
            keys[order[1:]] != keys[order[:-1]]
        )
        first = order[new]
        ids = self._extend(level, leaf_area[first], keys[first], parents[first])
        out[order] = ids[np.cumsum(new) - 1]
        return out

    def _extend(self, level: str, areas, cells, parents) -> np.ndarray:
        """``_append`` for many nodes at once (thousands of pieces per resolution)."""
        start = len(self.level)
        depth = np.asarray(self.depth, dtype=np.int64)[parents] + 1
        self.level.extend([_LEVEL_CODES.index(level)] * len(areas))
        self.area.extend(areas.tolist())
        self.cell.extend(cells.tolist())
        self.parent.extend(parents.tolist())
        self.depth.extend(depth.tolist())
        return np.arange(start, len(self.level), dtype=np.int64)

    def values(self, leaf_node: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Each node's count: leaf counts summed up the tree, deepest first."""
        parent = np.array(self.parent, dtype=np.int64)
        value = np.bincount(leaf_node, weights=counts, minlength=len(parent)).astype(np.int64)
        depth = np.array(self.depth, dtype=np.int64)
        for d in range(int(depth.max()), 0, -1):
            idx = np.flatnonzero(depth == d)
            value += np.bincount(parent[idx], weights=value[idx], minlength=len(parent)).astype(
                np.int64
            )
        return value


def _code_order(code: str | None) -> tuple[bool, str]:
    # "Outside every area" (None) sorts last, after every real code.
    return (code is None, code or "")
