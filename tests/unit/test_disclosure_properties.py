"""Property tests: no withheld count can be recovered by differencing across levels.

Random trees with many small counts (districts with and without divisions, "outside every
area", unlocated incidents, pieces at one resolution from 5 to 7) are suppressed, and then an
independent solver (scipy's LP, and brute force over integers on tiny trees) looks for the
least and greatest value of every withheld node given everything shown.
"""

from __future__ import annotations

import h3.api.basic_int as h3i
import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from geo.disclosure import Count, Node, build_count_tree, display_text, suppress
from geo.disclosure._suppress import (
    MERGED,
    PRIMARY,
    SECONDARY,
    STATUS_NAMES,
    bounds,
    initial_status,
    protect,
)
from tests.support.disclosure_check import integer_values, lp_ranges, lp_ranges_with_breakdowns

# Two neighbouring resolution-5 cells in Kent; leaves pick among their descendants so that
# pieces share parents often.
_BASES = [h3i.latlng_to_cell(51.28, 0.52, 5), h3i.latlng_to_cell(51.2, 0.75, 5)]


def _cell(base: int, path: tuple[int, ...]) -> int:
    cell = _BASES[base]
    for digit in path:
        cell = sorted(h3i.cell_to_children(cell, h3i.get_resolution(cell) + 1))[digit]
    return cell


_AREAS = [("E07000001", "E05000011"), ("E07000001", "E05000012"), ("E07000001", None),
          ("E06000035", None), (None, None)]  # fmt: skip


@st.composite
def leaves(draw, max_size=40, max_count=6):
    max_res = draw(st.integers(5, 7))
    n = draw(st.integers(1, max_size))
    rows = []
    for _ in range(n):
        district, division = draw(st.sampled_from(_AREAS))
        path = tuple(draw(st.integers(0, 2)) for _ in range(max_res - 5))
        located = draw(st.integers(0, 9)) > 0
        cell = _cell(draw(st.integers(0, 1)), path) if located else None
        rows.append((district, division, cell, draw(st.integers(1, max_count))))
    return rows, max_res


_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(data=leaves(), k=st.integers(3, 6))
def test_no_withheld_count_can_be_recovered_by_differencing(data, k):
    rows, max_res = data
    tree = build_count_tree(rows, max_res=max_res)
    status = protect(tree, k)
    for node, (low, high) in lp_ranges(tree, status, k).items():
        assert high - low >= 1 - 1e-9, f"node {tree.node(node)} pinned at {low}"


@_SETTINGS
@given(data=leaves(), k=st.integers(3, 6))
def test_propagated_bounds_are_exactly_what_a_solver_derives(data, k):
    rows, max_res = data
    tree = build_count_tree(rows, max_res=max_res)
    status = protect(tree, k)
    b = bounds(tree, status, k)
    for node, (low, high) in lp_ranges(tree, status, k).items():
        assert b.lo[node] == round(low)
        assert b.hi[node] == (np.inf if np.isinf(high) else round(high))
        assert b.lo[node] <= tree.value[node] <= b.hi[node]


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=leaves(max_size=6, max_count=4), k=st.integers(3, 5))
def test_every_withheld_count_has_two_integer_solutions(data, k):
    rows, max_res = data
    tree = build_count_tree(rows, max_res=max_res)
    status = protect(tree, k)
    hidden = np.isin(status, (PRIMARY, SECONDARY)).sum()
    assume(hidden <= 6)
    cap = int(tree.value[0]) + k + 2
    for node, seen in integer_values(tree, status, k, cap).items():
        assert tree.value[node] in seen
        assert len(seen) >= 2, f"node {tree.node(node)} can only be {seen}"


@_SETTINGS
@given(data=leaves(), k=st.integers(3, 6))
def test_primary_counts_and_only_they_read_fewer_than_k(data, k):
    rows, max_res = data
    tree = build_count_tree(rows, max_res=max_res)
    result = suppress(tree, k)
    for i in range(len(tree)):
        c = result.count(tree.node(i))
        v = int(tree.value[i])
        if c.status == "shown":
            assert c.value == v >= k
        elif c.status == "zero":
            assert c.value == v == 0
        elif c.status == "primary":
            assert c.value is None and 1 <= v < k
        else:
            assert c.value is None and c.status in ("secondary", "merged")


@_SETTINGS
@given(data=leaves(), k=st.integers(3, 6))
def test_shown_counts_add_up_and_withheld_parts_are_never_all_shown(data, k):
    rows, max_res = data
    tree = build_count_tree(rows, max_res=max_res)
    assert tree.value[0] == sum(r[3] for r in rows)
    status = protect(tree, k)
    for i in range(len(tree)):
        kids = np.flatnonzero(tree.parent == i)
        assert tree.value[i] == tree.value[kids].sum() or kids.size == 0
        if status[i] == SECONDARY and kids.size:
            assert np.isin(status[kids], (PRIMARY, SECONDARY)).any()
        if status[i] in (PRIMARY, MERGED):
            assert (status[kids] == MERGED).all()


def test_the_check_finds_a_count_recovered_by_differencing_without_secondary_suppression():
    # A division of 9 with pieces of 6 and 3 (k=5): primary suppression alone shows 6 and 9,
    # so the 3 is 9 - 6. The solver must see that, or the property tests prove nothing.
    cells = [_cell(0, ()), _cell(1, ())]
    tree = build_count_tree(
        [("E07000001", "E05000011", cells[0], 6), ("E07000001", "E05000011", cells[1], 3)],
        max_res=5,
    )
    ranges = lp_ranges(tree, initial_status(tree, 5), 5)
    assert any(high - low < 1 for low, high in ranges.values())


@_SETTINGS
@given(data=leaves(), k=st.integers(3, 6), picks=st.data())
def test_side_tables_add_nothing_that_pins_a_count(data, k, picks):
    """Breakdowns (by theme, by month) of several nodes, together with the map."""
    rows, max_res = data
    tree = build_count_tree(rows, max_res=max_res)
    result = suppress(tree, k)
    status = protect(tree, k)
    tables = []
    for node in picks.draw(st.lists(st.integers(0, len(tree) - 1), max_size=4, unique=True)):
        total = int(tree.value[node])
        # Small parts near either end are the ones that narrow a total.
        cut = st.one_of(st.integers(0, total), st.integers(max(0, total - k), total))
        cuts = sorted(picks.draw(st.lists(cut, min_size=1, max_size=3)))
        parts = np.diff([0, *cuts, total]).tolist()
        table = result.breakdown(tree.node(node), dict(enumerate(parts)))
        for part, c in zip(parts, table.parts.values(), strict=True):
            assert c.value in (None, part)
        tables.append((node, list(table.parts.values())))
    for low, high in lp_ranges_with_breakdowns(tree, status, k, tables):
        assert high - low >= 1 - 1e-9


def test_a_side_table_that_narrows_a_withheld_total_is_caught():
    # Division 14 = piece 13 + piece 1 (k=5): the map allows the 13 to be 10 to 13. A table
    # of the 13 as 12 + "fewer than 5" would say 13 to 16, so 13, and then the 1 as well.
    cells = [_cell(0, ()), _cell(1, ())]
    tree = build_count_tree(
        [("E07000001", "E05000011", cells[0], 13), ("E07000001", "E05000011", cells[1], 1)],
        max_res=5,
    )
    result = suppress(tree, 5)
    big = next(i for i in range(len(tree)) if tree.node(i).cell == cells[0])
    assert result.range_of(tree.node(big)) == (10, 13)
    table = result.breakdown(tree.node(big), {"a": 12, "b": 1})
    assert [c.status for c in table.parts.values()] == ["secondary", "primary"]
    naive = [Count("a", "shown", 12, "12"), Count("b", "primary", None, "fewer than 5")]
    pinned = lp_ranges_with_breakdowns(tree, protect(tree, 5), 5, [(big, naive)])
    assert any(high - low < 1 for low, high in pinned)


@_SETTINGS
@given(data=leaves(), k=st.integers(3, 6))
def test_piece_lookups_give_each_cells_own_count_or_what_holds_it(data, k):
    """The map's lookups against a plain walk of the tree: a cell with incidents has its own
    count; any other cell is "merged" when its area is withheld, else zero. Every area, every
    cell the leaves touch, and cells of the region that hold nothing, at the tree's one
    resolution; one at a time and in batches. A cell of any other resolution is refused."""
    rows, max_res = data
    tree = build_count_tree(rows, max_res=max_res)
    result = suppress(tree, k)
    nodes = {tree.node(i): i for i in range(len(tree))}
    cells = {cell for _, _, cell, _ in rows if cell is not None}
    for base in (0, 1):
        cells.update(h3i.cell_to_children(_BASES[base], max_res))
    asked = np.array(sorted(cells), dtype=np.uint64)
    for area in {division or district for district, division, _, _ in rows}:
        expected = [_walk(tree, result, nodes, area, int(c), k) for c in asked]
        got = result.pieces_of(area, asked)
        assert [(c.status, c.value) for c in got] == expected
        # Every field of each Count, as one built for the cell alone would have it.
        assert got == [
            Count(Node("cell", area, int(c)), s, v, display_text(s, v, k))
            for c, (s, v) in zip(asked, expected, strict=True)
        ]
        # The arrays the statistics read say the same (-1: withheld).
        status, value = result.piece_codes(area, asked)
        pairs = zip(status.tolist(), value.tolist(), strict=True)
        assert [(STATUS_NAMES[s], None if v < 0 else v) for s, v in pairs] == expected
        assert [(result.piece(area, int(c)).status, result.piece(area, int(c)).value)
                for c in asked] == expected  # fmt: skip
        other = h3i.cell_to_center_child(int(asked[0]), max_res + 1)
        try:
            result.piece(area, other)
        except ValueError as exc:
            assert "publishes" in str(exc)
        else:
            raise AssertionError("a piece of another resolution was looked up")


def _walk(tree, result, nodes, area, cell, k):
    status = result._status
    own = nodes.get(Node("cell", area, cell))
    if own is not None:
        shown = status[own] in (0, 1)  # shown or zero keep their value
        return STATUS_NAMES[status[own]], int(tree.value[own]) if shown else None
    level = "district" if tree.area_parent[area] is None else "division"
    up = nodes[Node(level, area)]
    merged = status[up] in (PRIMARY, MERGED)
    return ("merged", None) if merged else ("zero", 0)
