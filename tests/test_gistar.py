"""Gi*, its permutation test, Benjamini-Hochberg and the classes, against esda and scipy."""

from __future__ import annotations

import itertools
import warnings

import h3.api.basic_int as h3i
import numpy as np
import pytest
from esda.getisord import G_Local
from hypothesis import given, settings
from hypothesis import strategies as st
from libpysal.weights import W
from scipy.stats import false_discovery_control

from geo.gistar import benjamini_hochberg, classify, gi_star, gi_star_p_sim
from geo.grid import region_from_cells

CENTRE = h3i.latlng_to_cell(51.27, 0.52, 8)


def _region(radius: int, holes: float, seed: int):
    rng = np.random.default_rng(seed)
    cells = np.array(h3i.grid_disk(CENTRE, radius), dtype=np.uint64)
    return region_from_cells(cells[rng.random(cells.size) >= holes], 8)


def _esda_z(y, cells) -> np.ndarray:
    """esda's Gi* over ``cells`` (``y`` in the same order), with neighbours found here from
    h3 itself (the radius-1 grid disk, within the cells), not from the product's region, so an
    adjacency bug there cannot hide. Self-weights are left out: G_Local adds them for
    star=True."""
    cells = [int(c) for c in cells]
    row = {c: i for i, c in enumerate(cells)}
    neighbours = {
        i: sorted(row[n] for n in h3i.grid_disk(c, 1) if n != c and n in row)
        for i, c in enumerate(cells)
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = W(neighbours, silence_warnings=True)
        return G_Local(np.asarray(y, float), w, transform="B", star=True, permutations=0).Zs


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
    np.testing.assert_allclose(z, _esda_z(y, region.cells), rtol=0, atol=1e-9)
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
    expected = _esda_z(y, region.cells)
    defined = ~np.isnan(expected)
    np.testing.assert_allclose(z[defined], expected[defined], rtol=0, atol=1e-9)


def test_undefined_cases_are_nan_and_inputs_are_untouched():
    region = _region(4, 0.0, seed=1)
    y = np.zeros(region.n)
    copy = y.copy()
    z, p = gi_star(y, region)
    assert np.isnan(z).all() and np.isnan(p).all()
    assert np.array_equal(y, copy)
    assert np.isnan(gi_star_p_sim(y, region, 99, np.random.default_rng(0))).all()


def test_two_sided_p_matches_the_normal_distribution():
    region = _region(8, 0.0, seed=2)
    y = np.random.default_rng(2).poisson(2, region.n).astype(float)
    z, p = gi_star(y, region)
    from scipy.stats import norm

    np.testing.assert_allclose(p, 2 * norm.sf(np.abs(z)), rtol=1e-12)


def _exact_p(y: np.ndarray, region, i: int) -> float:
    """Folded conditional-permutation p of cell i by enumerating every neighbour set."""
    others = np.delete(y, i)
    k = int(region.cardinality[i]) - 1
    observed = (region.weights @ y)[i]
    sums = np.array([sum(c) for c in itertools.combinations(others, k)]) + y[i]
    return min((sums >= observed).mean(), (sums <= observed).mean())


def test_permutation_p_approaches_the_exact_conditional_p():
    cells = np.array(h3i.grid_disk(CENTRE, 2), dtype=np.uint64)[:14]
    region = region_from_cells(cells, 8)
    y = np.array([9, 7, 8, 0, 1, 0, 2, 1, 0, 3, 0, 1, 2, 0], dtype=float)
    permutations = 20000
    p_sim = gi_star_p_sim(y, region, permutations, np.random.default_rng(5))
    for i in range(region.n):
        exact = _exact_p(y, region, i)
        expected = (exact * permutations + 1) / (permutations + 1)
        # Four binomial standard errors of a Monte Carlo proportion.
        tolerance = 4 * np.sqrt(max(exact * (1 - exact), 1e-4) / permutations) + 1e-4
        assert abs(p_sim[i] - expected) < tolerance, (i, p_sim[i], expected)


def test_permutation_p_is_reproducible_with_a_seed_and_bounded():
    region = _region(10, 0.1, seed=3)
    y = np.random.default_rng(3).poisson(1, region.n).astype(float)
    a = gi_star_p_sim(y, region, 199, np.random.default_rng(42))
    b = gi_star_p_sim(y, region, 199, np.random.default_rng(42))
    c = gi_star_p_sim(y, region, 199, np.random.default_rng(43))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.min() >= 1 / 200 and a.max() <= 1


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
