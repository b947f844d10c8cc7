"""Mann-Kendall and Sen's slope against a plain loop, scipy's Kendall tau and Theil-Sen."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from geo.stats import mann_kendall


def _naive(x: np.ndarray) -> tuple[float, float]:
    """S and Var(S) by the textbook formulas, one pair and one tie group at a time."""
    t = len(x)
    s = sum(np.sign(x[j] - x[i]) for i in range(t) for j in range(i + 1, t))
    _, ties = np.unique(x, return_counts=True)
    var = (t * (t - 1) * (2 * t + 5) - sum(g * (g - 1) * (2 * g + 5) for g in ties)) / 18
    return s, var


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(min_value=0, max_value=6), min_size=12, max_size=12),
        min_size=1,
        max_size=8,
    )
)
def test_s_and_variance_with_ties_equal_the_textbook(rows):
    x = np.array(rows, dtype=float)
    trend = mann_kendall(x)
    for i, row in enumerate(x):
        s, var = _naive(row)
        assert trend.s[i] == s
        assert trend.var_s[i] == pytest.approx(var)
        if var > 0:
            expected_z = (s - np.sign(s)) / np.sqrt(var)
            assert trend.z[i] == pytest.approx(expected_z)


def test_without_continuity_p_equals_scipy_kendall_tau_on_continuous_series():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(30, 24)) + np.linspace(0, 1.5, 24) * rng.choice([-1, 0, 1], (30, 1))
    trend = mann_kendall(x, continuity=False)
    for i, row in enumerate(x):
        ref = stats.kendalltau(np.arange(24), row, method="asymptotic")
        assert trend.tau[i] == pytest.approx(ref.statistic)
        assert trend.p[i] == pytest.approx(ref.pvalue, rel=1e-9)


def test_sen_slope_equals_scipy_theilslopes():
    rng = np.random.default_rng(5)
    x = rng.poisson(5, size=(20, 15)).astype(float) + np.arange(15) * 0.3
    trend = mann_kendall(x)
    for i, row in enumerate(x):
        assert trend.slope[i] == pytest.approx(stats.theilslopes(row).slope)


def test_constant_series_have_no_trend_and_nan_is_refused():
    trend = mann_kendall(np.ones((2, 10)))
    assert trend.z.tolist() == [0.0, 0.0]
    assert trend.p.tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="NaN"):
        mann_kendall(np.array([[1.0, np.nan, 2.0]]))


def test_a_clear_rise_is_significant_and_input_untouched():
    x = np.array([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]], dtype=float)
    copy = x.copy()
    trend = mann_kendall(x)
    assert trend.tau[0] == 1.0 and trend.z[0] > 3 and trend.p[0] < 0.001
    assert trend.slope[0] == 1.0
    assert np.array_equal(x, copy)
