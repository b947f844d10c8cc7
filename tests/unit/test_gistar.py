"""Gi*, its exact randomisation test, Benjamini-Hochberg and the classes, against esda, scipy
and brute-force enumeration."""

from __future__ import annotations

import itertools

import h3.api.basic_int as h3i
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import false_discovery_control

from geo.errors import ValidationError
from geo.grid import region_from_cells
from geo.stats import benjamini_hochberg, classify, gi_star, gi_star_exact
from tests.support.reference import esda_z

CENTRE = h3i.latlng_to_cell(51.27, 0.52, 8)


def _region(radius: int, holes: float, seed: int):
    rng = np.random.default_rng(seed)
    cells = np.array(h3i.grid_disk(CENTRE, radius), dtype=np.uint64)
    return region_from_cells(cells[rng.random(cells.size) >= holes], 8)


@pytest.mark.parametrize(
    ("radius", "holes", "kind"),
    [(12, 0.0, "poisson"), (15, 0.2, "poisson"), (10, 0.3, "gamma"), (20, 0.1, "sparse")],
)
def test_z_equals_esda_on_synthetic_data(radius, holes, kind):
    region = _region(radius, holes, seed=radius)
    rng = np.random.default_rng(radius)
    y = {
        "poisson": lambda: rng.poisson(3, region.n),
        "gamma": lambda: rng.gamma(2.0, 1.5, region.n),
        "sparse": lambda: rng.poisson(0.05, region.n),
    }[kind]().astype(float)
    y[: region.n // 20] += 8  # a cluster near the centre of the disk ordering
    z, p = gi_star(y, region)
    np.testing.assert_allclose(z, esda_z(y, region.cells), rtol=0, atol=1e-9)
    assert np.all((p >= 0) & (p <= 1))


@settings(max_examples=25, deadline=None)
@given(
    counts=st.lists(st.integers(min_value=0, max_value=30), min_size=37, max_size=37),
    holes=st.lists(st.booleans(), min_size=37, max_size=37),
)
def test_z_equals_esda_for_any_counts(counts, holes):
    cells = np.array(h3i.grid_disk(CENTRE, 3), dtype=np.uint64)
    keep = ~np.array(holes)
    keep[:3] = True
    region = region_from_cells(cells[keep], 8)
    y = np.array(counts, dtype=float)[: region.n]
    z, _ = gi_star(y, region)
    if np.ptp(y) == 0:
        assert np.isnan(z).all()
        return
    expected = esda_z(y, region.cells)
    defined = ~np.isnan(expected)
    np.testing.assert_allclose(z[defined], expected[defined], rtol=0, atol=1e-9)


def test_undefined_cases_are_nan_and_inputs_are_untouched():
    region = _region(4, 0.0, seed=1)
    y = np.zeros(region.n)
    copy = y.copy()
    z, p = gi_star(y, region)
    assert np.isnan(z).all() and np.isnan(p).all()
    assert np.array_equal(y, copy)
    # No variation: every arrangement is the same, so nothing is more extreme than chance.
    p, direction = gi_star_exact(y, region)
    assert (p == 1).all() and (direction == 0).all()


def test_two_sided_p_matches_the_normal_distribution():
    region = _region(8, 0.0, seed=2)
    y = np.random.default_rng(2).poisson(2, region.n).astype(float)
    z, p = gi_star(y, region)
    from scipy.stats import norm

    np.testing.assert_allclose(p, 2 * norm.sf(np.abs(z)), rtol=1e-12)


def _enumerated(y: np.ndarray, region, i: int, conditional: bool = False) -> tuple[float, float]:
    """Two-sided randomisation p of cell i and its direction, by enumerating every set of
    cells its neighbourhood could hold, each equally likely: any W_i of the region's cells,
    or (conditional) the cell itself and any W_i - 1 of the others."""
    w = int(region.cardinality[i])
    observed = (region.weights @ y)[i]
    if conditional:
        others, k, observed = np.delete(y, i), w - 1, observed - y[i]
    else:
        others, k = y, w
    sums = np.array([sum(c) for c in itertools.combinations(others, k)])
    lower, upper = (sums <= observed).mean(), (sums >= observed).mean()
    return min(1.0, 2 * min(lower, upper)), float(np.sign(lower - upper))


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    size=st.integers(min_value=2, max_value=13),
    skew=st.sampled_from([0.1, 0.5, 2.0, 8.0]),
    conditional=st.booleans(),
)
def test_exact_p_equals_enumeration_on_small_regions(data, size, skew, conditional):
    """Any small region (cells of a disk, holes and all) and any counts, sparse to skewed."""
    cells = np.array(h3i.grid_disk(CENTRE, 2), dtype=np.uint64)
    chosen = data.draw(st.permutations(range(cells.size)))[:size]
    region = region_from_cells(cells[list(chosen)], 8)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    y = rng.negative_binomial(1, 1 / (1 + skew), region.n).astype(float)
    y[rng.random(region.n) < 0.1] += data.draw(st.integers(0, 40))  # an outlier or two
    p, direction = gi_star_exact(y, region, conditional=conditional)
    for i in range(region.n):
        expected_p, expected_direction = _enumerated(y, region, i, conditional)
        assert p[i] == pytest.approx(max(expected_p, 1e-12), abs=1e-13), i
        assert direction[i] == expected_direction, i


def test_exact_test_needs_counts():
    region = _region(2, 0.0, seed=1)
    y = np.ones(region.n)
    with pytest.raises(ValidationError, match="counts"):
        gi_star_exact(y * 0.5, region)
    with pytest.raises(ValidationError, match="counts"):
        gi_star_exact(-y, region)


def test_direction_is_the_tail_not_the_sign_of_z():
    """On skewed counts a neighbourhood can be below the mean (z < 0) and still in the upper
    tail: the class follows the tail its p-value comes from."""
    cells = np.array(h3i.grid_disk(CENTRE, 2), dtype=np.uint64)[:13]
    region = region_from_cells(cells, 8)
    rng = np.random.default_rng(11)
    for _ in range(2000):
        y = np.where(rng.random(region.n) < 0.15, rng.integers(20, 60, region.n), 0)
        y[rng.random(region.n) < 0.3] = 1
        z, _ = gi_star(y.astype(float), region)
        _, direction = gi_star_exact(y, region)
        mismatch = np.flatnonzero((direction > 0) & (z < 0))
        if mismatch.size:
            i = int(mismatch[0])
            assert _enumerated(y.astype(float), region, i)[1] == 1.0
            return
    pytest.fail("no skewed example found")


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.one_of(st.floats(min_value=0, max_value=1), st.sampled_from([0.0, 0.01, 0.5, 1.0])),
        min_size=1,
        max_size=60,
    )
)
def test_benjamini_hochberg_equals_scipy(p):
    p = np.array(p)
    np.testing.assert_allclose(benjamini_hochberg(p), false_discovery_control(p), rtol=1e-12)


def test_benjamini_hochberg_leaves_nan_out_of_the_count():
    p = np.array([0.01, np.nan, 0.04, 0.03, np.nan])
    q = benjamini_hochberg(p)
    assert np.isnan(q[[1, 4]]).all()
    np.testing.assert_allclose(q[[0, 2, 3]], false_discovery_control(p[[0, 2, 3]]))


def test_classes_follow_the_thresholds():
    z = np.array([3.0, 2.0, 1.7, 1.0, -3.0, -2.0, -1.7, 0.5, np.nan, 2.0])
    p = np.array([0.005, 0.03, 0.08, 0.2, 0.005, 0.03, 0.08, 0.009, np.nan, 0.01])
    assert classify(z, p).tolist() == [
        "hot_99",
        "hot_95",
        "hot_90",
        "not_significant",
        "cold_99",
        "cold_95",
        "cold_90",
        "hot_99",
        "not_significant",
        "hot_95",
    ]


def test_z_is_the_standardised_score_of_the_exact_randomisation():
    """z's mean and variance are those of a sum of W_i counts drawn from all n: the null the
    default exact test uses (so z and p describe the same null)."""
    cells = np.array(h3i.grid_disk(CENTRE, 2), dtype=np.uint64)[:11]
    region = region_from_cells(cells, 8)
    y = np.array([0, 3, 1, 0, 7, 2, 0, 0, 1, 5, 0], dtype=float)
    z, _ = gi_star(y, region)
    lag = region.weights @ y
    for i in range(region.n):
        sums = np.array(
            [sum(c) for c in itertools.combinations(y, int(region.cardinality[i]))], dtype=float
        )
        assert z[i] == pytest.approx((lag[i] - sums.mean()) / sums.std(), abs=1e-12)


def test_a_compact_cluster_marks_its_busy_hexagons_not_a_ring():
    """Two adjacent busy hexagons in a large quiet region. The default test marks the busy
    hexagons themselves; the conditional one (each cell's own count fixed) cannot, since each
    has only one busy neighbour, and marks the empty hexagons both of them touch instead."""
    region = _region(20, 0.0, seed=1)
    a = np.searchsorted(region.cells, np.uint64(CENTRE))
    b_cell = h3i.grid_ring(CENTRE, 1)[0]
    b = np.searchsorted(region.cells, np.uint64(b_cell))
    rng = np.random.default_rng(4)
    y = (rng.random(region.n) < 0.02).astype(float)  # scattered single incidents
    y[[a, b]] = 20.0
    for i in np.flatnonzero(y == 1):  # keep the busy pair's neighbourhood otherwise quiet
        if h3i.grid_distance(int(region.cells[i]), CENTRE) <= 3:
            y[i] = 0.0
    shared = {c for c in h3i.grid_ring(CENTRE, 1) if h3i.grid_distance(c, b_cell) == 1}
    for conditional in (False, True):
        p, direction = gi_star_exact(y, region, conditional=conditional)
        hot = classify(direction, benjamini_hochberg(p))
        marked = {int(c) for c in region.cells[np.char.startswith(hot.astype(str), "hot")]}
        if conditional:
            assert marked == shared and not marked & {CENTRE, b_cell}
        else:
            assert {CENTRE, b_cell} <= marked
