"""Placement against an independent per-point loop, with hypothesis for the invariants."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.areas import PolygonLocator, placer_from_areas
from tests.support.boundaries import DISTRICTS, DIVISIONS

# Polygons with a hole, an island (multipolygon) and shared edges, in code order.
SHAPES = np.array(
    [
        shapely.Polygon(
            [(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2), (1, 2)]]
        ),  # 0: with a hole
        shapely.box(1, 1, 2, 2),  # 1: fills the hole exactly
        shapely.MultiPolygon([shapely.box(4, 0, 6, 2), shapely.box(7, 7, 8, 8)]),  # 2
        shapely.Polygon([(4, 2), (6, 2), (5, 4)]),  # 3: triangle above 2
    ],
    dtype=object,
)


def naive(geometries, x, y):
    """The obvious loop: the first (lowest-index) polygon that intersects the point."""
    out = np.full(len(x), -1)
    for i, (a, b) in enumerate(zip(x, y, strict=True)):
        point = shapely.Point(a, b)
        for k, g in enumerate(geometries):
            if g.intersects(point):
                out[i] = k
                break
    return out


def edge_points(geometries, rng, n):
    """Vertices and points along edges: where ties and rounding matter."""
    coords = shapely.get_coordinates(shapely.boundary(geometries))
    pick = coords[rng.integers(0, len(coords), n)]
    mid = (pick + coords[rng.integers(0, len(coords), n)]) / 2
    return np.vstack([pick, mid])


def test_locator_equals_a_per_point_loop():
    rng = np.random.default_rng(7)
    pts = np.vstack([rng.uniform(-1, 9, (3000, 2)), edge_points(SHAPES, rng, 500)])
    got = PolygonLocator(SHAPES).locate(pts[:, 0], pts[:, 1])
    np.testing.assert_array_equal(got, naive(SHAPES, pts[:, 0], pts[:, 1]))


def test_a_point_on_a_shared_edge_goes_to_the_lowest_index():
    locator = PolygonLocator(SHAPES)
    # On the hole's edge (0 and 1), on the 2/3 edge, at a corner of 0, 2 and 3.
    x = np.array([1.5, 5.0, 4.0, 1.0])
    y = np.array([1.0, 2.0, 2.0, 1.0])
    np.testing.assert_array_equal(locator.locate(x, y), [0, 2, 0, 0])


def test_missing_coordinates_and_far_points_are_nowhere():
    locator = PolygonLocator(SHAPES)
    x = np.array([np.nan, 100.0, -50.0, 0.5])
    y = np.array([0.5, 100.0, np.nan, np.inf])
    np.testing.assert_array_equal(locator.locate(x, y), [-1, -1, -1, -1])
    empty = PolygonLocator(np.array([], dtype=object))
    np.testing.assert_array_equal(empty.locate(np.array([0.5]), np.array([0.5])), [-1])


@functools.cache
def _placer():
    return placer_from_areas(
        [(c, g) for c, (_, g) in DISTRICTS.items()],
        [(c, p, g) for c, (_, p, g) in DIVISIONS.items()],
    )


coordinate = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(coordinate, coordinate), min_size=1, max_size=200),
    st.integers(min_value=0, max_value=5),
)
def test_every_point_in_the_union_is_placed_once(points, snap):
    placer = _placer()
    # Stretch to a box a little larger than the districts; snapping to a coarse grid puts
    # many points exactly on edges and corners.
    pts = np.array(points) * [0.6, 0.5] + [0.4, 50.9]
    if snap:
        pts = np.round(pts * 10 * snap) / (10 * snap)
    lon, lat = pts[:, 0], pts[:, 1]
    district, division = placer.place(lat, lon)
    codes = sorted(DISTRICTS)
    for k, (x, y) in enumerate(pts):
        point = shapely.Point(x, y)
        holders = [c for c in codes if DISTRICTS[c][1].intersects(point)]
        # Exactly one district: the lowest code among those the point touches, or none.
        assert district[k] == (holders[0] if holders else None)
        if division[k] is not None:
            _, parent, shape = DIVISIONS[division[k]]
            assert parent == district[k]
            assert shape.intersects(point)
        else:  # no division only outside, or in a district without divisions
            with_divisions = {p for _, p, _ in DIVISIONS.values()}
            assert district[k] is None or district[k] not in with_divisions


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(coordinate, coordinate), min_size=1, max_size=300))
def test_division_counts_sum_to_district_counts(points):
    placer = _placer()
    pts = np.array(points) * [0.6, 0.5] + [0.4, 50.9]
    district, division = placer.place(pts[:, 1], pts[:, 0])
    for code in {p for _, p, _ in DIVISIONS.values()}:
        in_district = int((district == code).sum())
        in_divisions = sum(
            int((division == d).sum()) for d, (_, p, _) in DIVISIONS.items() if p == code
        )
        assert in_divisions == in_district


def test_a_point_in_a_rounding_gap_goes_to_the_nearest_division_of_its_district():
    # Divisions that leave a sliver of district A uncovered (as float overlay can).
    divisions = [
        ("E58000901", "E07000901", shapely.box(0.5, 51.0, 0.6, 51.2)),
        ("E58000902", "E07000901", shapely.box(0.6001, 51.0, 0.7, 51.2)),
    ]
    placer = placer_from_areas([(c, g) for c, (_, g) in DISTRICTS.items()], divisions)
    district, division = placer.place(np.array([51.1, 51.1]), np.array([0.60004, 0.60009]))
    assert list(district) == ["E07000901", "E07000901"]
    assert list(division) == ["E58000901", "E58000902"]


def test_divisions_must_name_loaded_districts():
    with pytest.raises(ValueError, match="not districts"):
        placer_from_areas([], [("E58000901", "E07000901", shapely.box(0, 0, 1, 1))])
