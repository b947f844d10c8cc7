"""The linked-tables attack: why the public view publishes one hexagon resolution only.

H3 cells do not nest: a resolution-8 cell can straddle two resolution-7 cells. Pieces of both
resolutions, each suppressed as a sound tree of its own, are then two overlapping partitions
of the same area, and the attacker can solve for the joint counts (how many incidents lie in
each resolution-7 cell AND each resolution-8 cell) from both sets of published figures
together, with the geometry (which cells overlap), the zeros published around them and the
labels' ranges ("fewer than k" is 1 to k-1, "suppressed" at least k).

The test builds such a case from real points (h3-py puts each point in its cells), solves the
linear programme with scipy over the joint counts, and recovers a count that each tree on its
own withholds; with one resolution published, as socmap does, the same solver finds nothing.
"""

from __future__ import annotations

import h3.api.basic_int as h3i
import numpy as np
import shapely
from scipy.optimize import linprog

from geo.disclosure import DisclosurePolicy, Node, build_count_tree, suppress
from geo.disclosure._suppress import MERGED, PRIMARY, SECONDARY, STATUS_NAMES, protect
from tests.support.disclosure_check import lp_ranges

K = 5
DISTRICT, DIVISION = "E07000110", "E05000001"
A = h3i.latlng_to_cell(51.27, 0.52, 7)  # the resolution-7 cell the attack is about
Q = h3i.cell_to_center_child(A, 8)  # lies wholly inside A


def _hexagon(cell: int) -> shapely.Polygon:
    return shapely.Polygon([(lon, lat) for lat, lon in h3i.cell_to_boundary(cell)])


def _straddling() -> tuple[int, int]:
    """A resolution-8 cell R overlapping A and one other resolution-7 cell N, and N."""
    for r in sorted(h3i.grid_ring(Q, 1)):
        hexagon = _hexagon(r)
        overlapped = [
            n for n in h3i.grid_disk(A, 1) if hexagon.intersection(_hexagon(n)).area > 1e-14
        ]
        if len(overlapped) == 2 and A in overlapped:
            return r, next(n for n in overlapped if n != A)
    raise AssertionError("no resolution-8 cell straddles A and one neighbour")


R, N = _straddling()
F = sorted(h3i.grid_ring(A, 4))[0]  # far away in the same division


def _points_in(region: shapely.Geometry, n: int, res7: int, res8: int) -> list[tuple[float, float]]:
    """``n`` points inside ``region`` whose cells h3-py gives as ``res7`` and ``res8``."""
    rng = np.random.default_rng(1)
    lo_x, lo_y, hi_x, hi_y = region.bounds
    out = []
    while len(out) < n:
        lon, lat = rng.uniform(lo_x, hi_x), rng.uniform(lo_y, hi_y)
        if h3i.latlng_to_cell(lat, lon, 7) == res7 and h3i.latlng_to_cell(lat, lon, 8) == res8:
            out.append((lat, lon))
    return out


def _incidents() -> list[tuple[float, float]]:
    """1 incident in Q; 5 in R, all on A's side; 30 around F's centre. A shows 6, R 5."""
    inside_a = _hexagon(R).intersection(_hexagon(A))
    return (
        _points_in(_hexagon(Q), 1, A, Q)
        + _points_in(inside_a, 5, A, R)
        + _points_in(
            _hexagon(h3i.cell_to_center_child(F, 8)), 30, F, h3i.cell_to_center_child(F, 8)
        )
    )


def _published(points, res):
    """The suppressed tree of one resolution's pieces, and each piece's published bounds."""
    leaves = {}
    for lat, lon in points:
        cell = h3i.latlng_to_cell(lat, lon, res)
        leaves[cell] = leaves.get(cell, 0) + 1
    tree = build_count_tree(
        [(DISTRICT, DIVISION, c, n) for c, n in leaves.items()],
        max_res=res,
        areas={DISTRICT: None, DIVISION: DISTRICT},
    )
    status = protect(tree, K)
    pieces = {}
    for i in range(len(tree)):
        node = tree.node(i)
        if node.level == "cell" and status[i] != MERGED:
            pieces[node.cell] = _bounds(status[i], int(tree.value[i]))
    return tree, status, pieces


def _bounds(status: int, value: int) -> tuple[float, float | None]:
    if status == PRIMARY:
        return (1, K - 1)
    if status == SECONDARY:
        return (K, None)
    return (value, value)


def _joint_ranges(points, resolutions, target: int) -> tuple[float, float]:
    """Least and greatest value of ``target`` (a resolution-8 piece) over every joint table
    of counts consistent with the pieces published at ``resolutions``."""
    rows = sorted({c for a in (A, F) for c in h3i.grid_disk(a, 2)})  # resolution 7 near A, F
    cols = sorted({b for a in rows for b in h3i.grid_disk(h3i.cell_to_center_child(a, 8), 2)})
    pairs = [
        (a, b) for a in rows for b in cols if _hexagon(a).intersection(_hexagon(b)).area > 1e-14
    ]
    published = {res: _published(points, res)[2] for res in resolutions}
    a_eq, b_eq, bounds = [], [], [(0, None)] * len(pairs)
    extra = []  # one variable per withheld published piece: its sum, within its bounds
    for res, cells in ((7, rows), (8, cols)):
        if res not in published:
            continue
        for cell in cells:
            members = [i for i, p in enumerate(pairs) if p[res == 8] == cell]
            lo, hi = published[res].get(cell, (0, 0))  # no piece: a published zero
            if lo == hi:
                row = np.zeros(len(pairs))
                row[members] = 1
                a_eq.append(row)
                b_eq.append(lo)
            else:
                extra.append((members, (lo, hi)))
    n = len(pairs) + len(extra)
    full_bounds = bounds + [b for _, b in extra]
    matrix = [np.pad(r, (0, len(extra))) for r in a_eq]
    for j, (members, _) in enumerate(extra):
        row = np.zeros(n)
        row[members] = 1
        row[len(pairs) + j] = -1
        matrix.append(row)
        b_eq.append(0)
    objective = np.zeros(n)
    objective[[i for i, p in enumerate(pairs) if p[1] == target]] = 1
    low = linprog(objective, A_eq=np.array(matrix), b_eq=b_eq, bounds=full_bounds)
    high = linprog(-objective, A_eq=np.array(matrix), b_eq=b_eq, bounds=full_bounds)
    assert low.status == 0 and high.status in (0, 3), (low.message, high.message)
    return low.fun, (np.inf if high.status == 3 else -high.fun)


def test_each_resolution_alone_withholds_the_count():
    points = _incidents()
    for res in (7, 8):
        tree, status, _ = _published(points, res)
        ranges = lp_ranges(tree, status, K)
        assert all(hi - lo >= 1 for lo, hi in ranges.values()), res
    tree8, status8, _ = _published(points, 8)
    q = next(i for i in range(len(tree8)) if tree8.node(i) == Node("cell", DIVISION, Q))
    assert STATUS_NAMES[status8[q]] == "primary"  # Q holds 1: "fewer than 5"
    tree7, status7, _ = _published(points, 7)
    a = next(i for i in range(len(tree7)) if tree7.node(i) == Node("cell", DIVISION, A))
    assert STATUS_NAMES[status7[a]] == "shown" and tree7.value[a] == 6


def test_two_linked_resolutions_published_together_give_the_withheld_count_away():
    low, high = _joint_ranges(_incidents(), (7, 8), Q)
    assert low == high == 1  # the "fewer than 5" in Q is exactly 1


def test_with_one_public_resolution_the_same_attack_finds_nothing():
    points = _incidents()
    low, high = _joint_ranges(points, (8,), Q)
    assert high - low >= 1
    # And the public tree refuses to publish a second size beside its own.
    tree = suppress(_published(points, 8)[0], K)
    policy = DisclosurePolicy(k=K, max_res=8)
    assert policy.resolution("public", 7) == 8
    try:
        tree.pieces(7)
    except ValueError as exc:
        assert "publishes 8 only" in str(exc)
    else:
        raise AssertionError("a second resolution was published")
