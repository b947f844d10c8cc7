"""The exact distribution of a neighbourhood sum under conditional randomisation, against
brute-force enumeration and exact integer arithmetic."""

from __future__ import annotations

import itertools
from fractions import Fraction
from math import comb

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.stats import P_FLOOR, subset_sum_tails, two_sided


def _enumerate(population: list[int], own_at: int | None, k: int, s: int) -> tuple[float, float]:
    """Tails by listing every k-subset (of the population less the element at ``own_at``)."""
    others = population if own_at is None else population[:own_at] + population[own_at + 1 :]
    sums = [sum(c) for c in itertools.combinations(others, k)]
    return (
        sum(x <= s for x in sums) / len(sums),
        sum(x >= s for x in sums) / len(sums),
    )


@settings(max_examples=150, deadline=None)
@given(
    population=st.lists(st.one_of(st.integers(0, 3), st.integers(0, 60)), min_size=1, max_size=11),
    data=st.data(),
)
def test_tails_equal_enumeration(population, data):
    conditional = data.draw(st.booleans())
    own_at = data.draw(st.integers(0, len(population) - 1)) if conditional else None
    k = data.draw(st.integers(0, len(population) - (1 if conditional else 0)))
    s = data.draw(st.integers(0, sum(population) + 3))
    without = np.array([population[own_at]]) if conditional else None
    lower, upper = subset_sum_tails(
        np.array(population), np.array([k]), np.array([s]), without=without
    )
    expected_lower, expected_upper = _enumerate(population, own_at, k, s)
    assert lower[0] == pytest.approx(max(expected_lower, P_FLOOR), abs=1e-14)
    assert upper[0] == pytest.approx(max(expected_upper, P_FLOOR), abs=1e-14)


def _exact_counts(values: list[int], degree: int, top: int) -> list[list[int]]:
    """Subsets by size and sum, in Python integers: element by element, a different
    algorithm from the product's (no generating function, no division)."""
    table = [[0] * (top + 1) for _ in range(degree + 1)]
    table[0][0] = 1
    for v in values:
        for m in range(degree, 0, -1):
            row, prev = table[m], table[m - 1]
            for s in range(top, v - 1, -1):
                row[s] += prev[s - v]
    return table


def test_error_is_tiny_on_a_county_sized_skewed_population():
    """Hundreds of cells, mostly zero, a long tail, the largest space-time neighbourhood:
    every tail, of both versions, equals exact rational arithmetic to within 1e-13."""
    rng = np.random.default_rng(3)
    population = rng.negative_binomial(1, 0.8, 600)
    population[:5] = [40, 33, 25, 12, 12]
    k = 13
    top = 60
    own_values = np.unique(population)
    tests = [(v, m, s) for v in own_values for m in (1, 6, k) for s in range(0, top + 1, 3)]
    own = np.array([t[0] for t in tests])
    kk = np.array([t[1] for t in tests])
    ss = np.array([t[2] for t in tests])
    worst = 0.0
    for conditional in (False, True):
        lower, upper = subset_sum_tails(population, kk, ss, without=own if conditional else None)
        worst = max(worst, _worst_error(population, own, kk, ss, lower, upper, conditional))
    assert 0 <= worst < 1e-13, worst


def _worst_error(population, own, kk, ss, lower, upper, conditional) -> float:
    worst = 0.0
    top = int(ss.max())
    for v in np.unique(own):
        others = list(population)
        if conditional:
            others.remove(int(v))
        table = _exact_counts([int(x) for x in others], int(kk.max()), top)
        for j in np.flatnonzero(own == v):
            m, s = int(kk[j]), int(ss[j])
            total = comb(len(others), m)
            below = Fraction(sum(table[m][: s + 1]), total)
            strictly_below = Fraction(sum(table[m][:s]), total)
            worst = max(
                worst,
                abs(lower[j] - max(float(below), P_FLOOR)),
                abs(upper[j] - max(float(1 - strictly_below), P_FLOOR)),
            )
    return worst


def test_floor_edges_and_bad_input():
    # The largest sum of 2 of [0, 0, 5, 9] less one 0 is 14: P(S >= 14) = 1 / C(3, 2).
    lower, upper = subset_sum_tails(np.array([0, 0, 5, 9]), [2], [14], without=[0])
    assert upper[0] == pytest.approx(1 / 3) and lower[0] == 1.0
    # With nothing taken out: 1 of the C(4, 2) pairs.
    lower, upper = subset_sum_tails(np.array([0, 0, 5, 9]), [2], [14])
    assert upper[0] == pytest.approx(1 / 6) and lower[0] == 1.0
    lower, upper = subset_sum_tails(np.array([0, 0, 5, 9]), [2], [15], without=[0])
    assert upper[0] == P_FLOOR  # impossible: reported at the floor, never 0
    lower, upper = subset_sum_tails(np.array([4, 1]), [0], [0], without=[4])
    assert lower[0] == upper[0] == 1.0  # no neighbours: the sum is 0 for sure
    with pytest.raises(ValueError, match="more neighbours"):
        subset_sum_tails(np.array([1, 2]), [2], [0], without=[1])
    with pytest.raises(ValueError, match="more neighbours"):
        subset_sum_tails(np.array([1, 2]), [3], [0])
    with pytest.raises(ValueError, match="whole numbers"):
        subset_sum_tails(np.array([1.5, 2]), [1], [0])
    empty = subset_sum_tails(np.array([1, 2]), [], [])
    assert empty[0].size == empty[1].size == 0


def test_two_sided_folds_and_points_at_the_smaller_tail():
    p, direction = two_sided(np.array([0.01, 0.9, 0.6, 0.7]), np.array([0.99, 0.02, 0.6, 0.5]))
    np.testing.assert_allclose(p, [0.02, 0.04, 1.0, 1.0])
    assert direction.tolist() == [-1, 1, 0, 1]
