"""Deprivation breakdowns for the public (Part 1) view: incidents by IMD decile for the county
and every district, suppressed so that no withheld count can be worked out, from them and the
map together (docs/security.md, "Rates and deprivation").

**Why a side table is not enough.** A decile breakdown of a district is a second partition of
the district's incidents, across the map's own (divisions, hexagon pieces): the incidents in
decile-1 LSOAs are those of the pieces lying in decile-1 LSOAs. Suppressed on its own against
the district's total (:meth:`SuppressedTree.breakdown`), it tells nothing new about the total,
but it can pin a withheld division or piece: where a district's decile-1 LSOAs all lie in one
division that is withheld ("suppressed", protecting a "fewer than 5" beside it), a shown
decile-1 count of 8 is that division's count, and the district total less its shown divisions
gives the "fewer than 5" exactly. ``tests/test_deprivation_attacks.py`` builds that case and an
attacker's linear programme over the LSOA-by-division intersections finds it.

**What is done.** Each breakdown is first suppressed as a side table of its area's count
(primary suppression of 1 to k-1, secondary within the table, the total's published range kept).
Then all the breakdowns of the filter (county and districts) are checked together with the
map: a linear programme over the joint counts (the published nodes of the tree, the incidents
of each published leaf - a hexagon piece, or a withheld area whose parts are not shown - by
decile, and the published decile counts) computes the least and greatest value of every
withheld count, tree node and decile count alike (scipy's HiGHS). The attacker it models knows
more than the geography tells: which deciles each published leaf's incidents fall in (the
true ones, a subset of the deciles of the LSOAs the leaf touches), so anything safe against it
is safe against anyone who knows only the boundaries. While any withheld count is pinned (at
most one whole number in its range), one more decile count is withheld: the smallest shown one
linked to it (in its own breakdown for a decile count; in the breakdowns of the areas holding
it for a tree node); when none is left, those breakdowns are withheld whole ("not shown
separately"). The map itself is never changed.

The guarantee is the map's: no withheld count can be recovered exactly from the published
figures and their labels. A withheld count can still be narrowed (docs/security.md).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from geo.disclosure import (
    CELL,
    COUNTY,
    DISTRICT,
    DIVISION,
    Breakdown,
    Count,
    Node,
    SuppressedTree,
    display_text,
)
from geo.errors import CheckTooLong
from geo.stats import DECILES, OTHER

PARTS = (*DECILES, OTHER)
WITHHELD = ("primary", "secondary")
_EPS = 1e-7


@dataclass(frozen=True)
class PublicDeprivation:
    """The published decile breakdowns of one public filter, by area (``Node("county")``
    and ``Node("district", code)``); each part keyed by decile (0: not in an LSOA of the
    area). ``linked`` counts the decile counts withheld because of the map (beyond the side
    table's own rule) - for the lead's benchmark, never for a public page."""

    breakdowns: dict[Node, Breakdown]
    linked: int = 0
    programmes: int = 0
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())


def atom_table(
    points: pd.DataFrame, lsoa_deciles: Mapping[str, int], lsoa_districts
) -> pd.DataFrame:
    """Incidents per (district, division, cell, decile, own): ``decile`` of the incident's
    LSOA (0 for none), ``own`` whether that LSOA is of the district the incident was placed
    in. ``points`` has ``district, division, cell, lsoa`` (the public filter's incidents with
    their cell at the public resolution, :func:`geo.areas._incident_lsoas.with_lsoas`)."""
    decile = points["lsoa"].map(lambda c: lsoa_deciles.get(c, OTHER) if c else OTHER)
    own = points["lsoa"].map(lambda c: lsoa_districts.get(c) if c else None) == points["district"]
    frame = pd.DataFrame(
        {
            "district": points["district"].to_numpy(dtype=object),
            "division": points["division"]
            .where(points["division"].notna(), None)
            .to_numpy(dtype=object),
            "cell": points["cell"].astype("uint64").to_numpy(),
            "decile": decile.astype(int).to_numpy(),
            "own": own.to_numpy(dtype=bool),
        }
    )
    return frame.groupby(list(frame.columns), dropna=False).size().rename("n").reset_index()


def decile_parts(atoms: pd.DataFrame, area: Node) -> dict[int, int]:
    """The true decile counts of ``area`` (county or district), every part present."""
    if area.level == COUNTY:
        keys, n = atoms["decile"], atoms["n"]
    else:
        inside = atoms[atoms["district"] == area.area]
        keys, n = inside["decile"].where(inside["own"], OTHER), inside["n"]
    found = n.groupby(keys.to_numpy()).sum()
    return {part: int(found.get(part, 0)) for part in PARTS}


def public_deprivation(
    tree: SuppressedTree,
    atoms: pd.DataFrame,
    districts: Sequence[str],
    *,
    check: bool = True,
    deadline: float | None = None,
) -> PublicDeprivation:
    """Suppressed decile breakdowns of the county and of each district in ``districts``.

    ``check=False`` stops after the side-table suppression: what the public view must NOT do
    (the attack tests use it to show the leak).

    Withholding a decile count only relaxes the system (its value becomes a range containing
    it; a breakdown withheld whole drops its equations), so a count found unpinned stays
    unpinned: after the first pass only the pinned counts and the newly withheld ones are
    checked again.

    ``deadline`` (seconds) bounds the check for a caller that cannot wait (a page): past it,
    :class:`CheckTooLong` is raised and nothing is returned, so nothing half-checked can be
    published. Without it the check runs to the end (exports, the command line)."""
    started = time.perf_counter()
    until = None if deadline is None else started + deadline
    areas = [Node(COUNTY), *(Node(DISTRICT, d) for d in districts)]
    truth = {a: decile_parts(atoms, a) for a in areas}
    tables = {a: tree.breakdown(a, truth[a]) for a in areas}
    if not check:
        return PublicDeprivation(tables)
    system = _System(tree, atoms, areas, until)
    ranges = system.ranges(tables)
    programmes = 2 * len(ranges)
    pinned = sorted((v for v, r in ranges.items() if _pinned(*r)), key=_order)
    linked = 0
    while pinned:
        before = _withheld_parts(tables)
        tables = system.remedy(pinned[0], tables)
        linked += 1
        now = _withheld_parts(tables)
        recheck = [v for v in pinned if v[0] == "node" or v in now] + sorted(
            now - before, key=_order
        )
        ranges = system.ranges(tables, only=recheck)
        programmes += 2 * len(ranges)
        pinned = sorted((v for v, r in ranges.items() if _pinned(*r)), key=_order)
    return PublicDeprivation(tables, linked, programmes, time.perf_counter() - started)


def _order(key: tuple) -> tuple:
    """Decile counts before tree nodes (a pinned decile count is mended in its own table)."""
    return (0, str(key[1]), key[2]) if key[0] == "part" else (1, str(key[1]), 0)


def _withheld_parts(tables: dict[Node, Breakdown]) -> set[tuple]:
    return {
        ("part", area, part)
        for area, table in tables.items()
        for part, count in table.parts.items()
        if count.status in WITHHELD
    }


def _pinned(lo: float, hi: float) -> bool:
    return math.floor(hi + _EPS) - math.ceil(lo - _EPS) < 1


class _System:
    """The joint linear system of the map and the breakdowns (see the module's docs)."""

    def __init__(
        self,
        tree: SuppressedTree,
        atoms: pd.DataFrame,
        areas: list[Node],
        until: float | None = None,
    ) -> None:
        self.until = until  # perf_counter() past which the check gives up (CheckTooLong)
        self.k = tree.k
        self.nodes, self.kids = _published_tree(tree)
        self.areas = areas
        unit = [self._unit(r.district, r.division, int(r.cell)) for r in atoms.itertuples()]
        self.atoms = atoms.assign(unit=unit)
        # One variable per (unit, decile, own) the incidents actually have.
        self.atom_keys = sorted(set(zip(unit, atoms["decile"], atoms["own"], strict=True)))
        self.parents = {
            child.area: parent.area
            for parent, children in self.kids.items()
            if parent.level == DISTRICT
            for child in children
            if child.level == DIVISION
        }

    def _unit(self, district: str, division: str | None, cell: int) -> Node:
        division = division if isinstance(division, str) else None  # NaN from the grouping
        for node in (
            Node(CELL, division or district, cell),
            Node(DIVISION, division) if division else None,
            Node(DISTRICT, district),
            Node(COUNTY),
        ):
            if node is not None and node in self.nodes:
                if self.kids.get(node):
                    raise ValueError(f"{node}: incidents reach a node with published parts")
                return node
        raise ValueError(f"no published node holds {district}/{division}/{cell}")

    def ranges(
        self, tables: dict[Node, Breakdown], only: Sequence[tuple] | None = None
    ) -> dict[tuple, tuple[float, float]]:
        """Least and greatest value of every withheld tree node and decile count (or of the
        ``only`` ones among them)."""
        index, bounds, matrix = self._system(tables)
        withheld = [
            key for key in (index if only is None else [k for k in only if k in index])
            if (key[0] == "node" and self.nodes[key[1]].status in WITHHELD)
            or (key[0] == "part" and tables[key[1]].parts[key[2]].status in WITHHELD)
        ]  # fmt: skip
        zeros = np.zeros(matrix.shape[0])
        out = {}
        for key in withheld:
            if self.until is not None and time.perf_counter() > self.until:
                raise CheckTooLong
            c = np.zeros(len(bounds))
            c[index[key]] = 1.0
            low = linprog(c, A_eq=matrix, b_eq=zeros, bounds=bounds, method="highs")
            high = linprog(-c, A_eq=matrix, b_eq=zeros, bounds=bounds, method="highs")
            if low.status != 0 or high.status not in (0, 3):
                raise AssertionError(f"the published system is inconsistent: {low.message}")
            out[key] = (float(low.fun), math.inf if high.status == 3 else float(-high.fun))
        return out

    def _system(self, tables: dict[Node, Breakdown]):
        """Variables (tree nodes, atoms, published decile counts), their bounds, and the
        equations: every published node is the sum of its published parts, every leaf the
        sum of its atoms, every decile count the sum of the atoms it holds."""
        index: dict[tuple, int] = {}
        bounds: list[tuple[float, float | None]] = []
        for node, count in self.nodes.items():
            index[("node", node)] = len(bounds)
            bounds.append(_bound(count, self.k))
        for key in self.atom_keys:
            index[("atom", key)] = len(bounds)
            bounds.append((0.0, None))
        for area, table in tables.items():
            for part, count in table.parts.items():
                if count.status not in ("merged", "zero"):
                    index[("part", area, part)] = len(bounds)
                    bounds.append(_bound(count, self.k))
        rows: list[dict[int, float]] = [
            {index[("node", parent)]: 1.0, **{index[("node", c)]: -1.0 for c in children}}
            for parent, children in self.kids.items()
            if children
        ]
        by_unit: dict[Node, list[int]] = {}
        for key in self.atom_keys:
            by_unit.setdefault(key[0], []).append(index[("atom", key)])
        rows += [
            {index[("node", unit)]: 1.0, **dict.fromkeys(members, -1.0)}
            for unit, members in by_unit.items()
        ]
        for area in tables:
            for part, members in self._part_members(area).items():
                if ("part", area, part) in index:
                    atoms = {index[("atom", m)]: -1.0 for m in members}
                    rows.append({index[("part", area, part)]: 1.0, **atoms})
        return index, bounds, _sparse(rows, len(bounds))

    def _part_members(self, area: Node) -> dict[int, list[tuple]]:
        """Which atom variables add up to each decile count of ``area``."""
        out: dict[int, list[tuple]] = {}
        for key in self.atom_keys:
            unit, decile, own = key
            district = self._district_of(unit)
            if area.level == COUNTY:
                out.setdefault(decile, []).append(key)
            elif district == area.area:
                out.setdefault(decile if own else OTHER, []).append(key)
        return out

    def _district_of(self, unit: Node) -> str | None:
        if unit.level == DISTRICT:
            return unit.area
        if unit.level == COUNTY:
            return None
        return self.parents.get(unit.area, unit.area)

    def remedy(self, pinned: tuple, tables: dict[Node, Breakdown]) -> dict[Node, Breakdown]:
        """Withhold one more decile count, or a whole breakdown, for a pinned count.

        In order, the first that applies: (1) the smallest shown decile count linked to it in
        the districts' tables (for a decile count: in its own table, else the same decile in
        another district's; for a tree node: the counts its incidents feed in its district's
        table); (2) its district's table whole; (3) the smallest linked shown count in the
        county's table; (4) the county's table whole. The county's table goes last: its
        shares in the most deprived tenth and fifth are what a committee asks for first."""
        county = Node(COUNTY)
        if pinned[0] == "part":
            _, area, decile = pinned
            linked_parts = {("part", area, p) for p in PARTS}
            linked_parts |= {("part", a, decile) for a in self.areas}

            def is_linked(a: Node, p: int) -> bool:
                return ("part", a, p) in linked_parts

            own = area
        else:
            node = pinned[1]
            own = Node(DISTRICT, self._district_of(node)) if node.level != COUNTY else county
            atoms = self._classes_under(node)

            def is_linked(a: Node, p: int) -> bool:
                return bool(set(self._part_members(a).get(p, ())) & atoms)

        districts = [a for a in self.areas if a.level == DISTRICT]
        out = dict(tables)
        for scope in (districts, [county]):
            options = [
                (a != own, c.value, p, a)
                for a in scope
                if pinned[0] == "part" or a in (own, county)
                for p, c in tables[a].parts.items()
                if c.status == "shown" and is_linked(a, p)
            ]
            if options:
                *_, part, area = min(options, key=lambda o: o[:3])
                out[area] = _withhold(tables[area], part, self.k)
                return out
            whole = own if scope is districts else county
            if whole in tables and whole in scope and _shows_anything(tables[whole]):
                out[whole] = _merge(tables[whole], self.k)
                return out
        raise AssertionError(f"{pinned} is pinned with every breakdown withheld")

    def _classes_under(self, node: Node) -> set[tuple]:
        """The atom variables of the units in ``node``'s published subtree."""
        units, stack = set(), [node]
        while stack:
            n = stack.pop()
            children = self.kids.get(n, [])
            if not children:
                units.add(n)
            stack.extend(children)
        return {key for key in self.atom_keys if key[0] in units}


def _published_tree(tree: SuppressedTree) -> tuple[dict[Node, Count], dict[Node, list[Node]]]:
    """Every published node with incidents (zeros dropped: they add nothing) and its
    published parts, read through the tree's public methods only."""
    nodes: dict[Node, Count] = {}
    kids: dict[Node, list[Node]] = {}
    stack = [tree.total]
    while stack:
        count = stack.pop()
        node = count.key
        nodes[node] = count
        parts = [] if node.level == CELL else [c for c in tree.children(node) if c.status != "zero"]
        kids[node] = [c.key for c in parts]
        stack.extend(parts)
    return nodes, kids


def _bound(count: Count, k: int) -> tuple[float, float | None]:
    if count.status == "primary":
        return 1.0, k - 1.0
    if count.status == "secondary":
        return float(k), None
    return float(count.value), float(count.value)


def _sparse(rows: list[dict[int, float]], width: int) -> csr_matrix:
    data, cols, ptr = [], [], [0]
    for row in rows:
        cols.extend(row)
        data.extend(row.values())
        ptr.append(len(cols))
    return csr_matrix((data, cols, ptr), shape=(len(rows), width))


def _shows_anything(table: Breakdown) -> bool:
    return any(c.status != "merged" for c in table.parts.values())


def _withhold(table: Breakdown, part, k: int) -> Breakdown:
    parts = dict(table.parts)
    parts[part] = Count(part, "secondary", None, display_text("secondary", None, k))
    return Breakdown(table.total, parts, k)


def _merge(table: Breakdown, k: int) -> Breakdown:
    merged = {p: Count(p, "merged", None, display_text("merged", None, k)) for p in table.parts}
    return Breakdown(table.total, merged, k)


def published_shares(table: Breakdown) -> dict[str, float | None]:
    """Incident shares in England's most deprived 10% and 20% of LSOAs (deciles 1 and 1-2)
    from the published figures alone; None where a count they need is withheld."""
    out: dict[str, float | None] = {}
    total = table.total
    for label, top in (("10%", 1), ("20%", 2)):
        parts = [table.parts[d] for d in range(1, top + 1)]
        if total.withheld or not total.value or any(p.withheld for p in parts):
            out[label] = None
        else:
            out[label] = sum(p.value or 0 for p in parts) / total.value
    return out


def published_decile_index(table: Breakdown, residents: Mapping[int, float]) -> float | None:
    """The concentration index over the ten deciles from the published counts, when all ten
    are published (else None); ``residents`` per decile (public)."""
    from geo.stats import concentration_curve, concentration_index  # noqa: PLC0415

    parts = [table.parts[d] for d in DECILES]
    if any(p.withheld for p in parts) or not sum(p.value or 0 for p in parts):
        return None
    people = [residents.get(d, 0.0) for d in DECILES]
    keep = [i for i, p in enumerate(people) if p > 0]
    curve = concentration_curve(
        [parts[i].value for i in keep], [people[i] for i in keep], [DECILES[i] for i in keep]
    )
    return concentration_index(curve)


def public_deprivation_from_store(
    store, public, themes, policy, *, deadline: float | None = None
) -> PublicDeprivation:
    """:func:`public_deprivation` for a :class:`geo.disclosure.PublicCounts` (the public
    filter's map), reading its incidents from the store."""
    from geo import context  # noqa: PLC0415 - the store-side part only
    from geo.areas import with_lsoas  # noqa: PLC0415
    from geo.store.queries.rates import area_table, incident_points, lsoa_shapes  # noqa: PLC0415

    filters = replace(public.split.public, district=None, division=None)  # the whole tree
    points = with_lsoas(store, incident_points(store, filters, themes, res=policy.max_res))
    shapes = lsoa_shapes(store)
    districts = dict(zip(shapes["lsoa_code"], shapes["district_code"], strict=True))
    atoms = atom_table(points, context.imd_deciles(store), districts)
    areas = area_table(store)
    codes = sorted(areas.loc[areas["level"] == DISTRICT, "code"])
    return public_deprivation(public.map, atoms, codes, deadline=deadline)
