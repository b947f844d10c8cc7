"""The statistics a new export process needs are computed from scipy.special with
scipy.stats' own formulas (importing scipy.stats costs 0.4 s of `socmap export briefing`):
each equals scipy.stats bit for bit, ties and zeros included."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from geo.stats._gistar import benjamini_hochberg
from geo.stats._mann_kendall import mann_kendall
from geo.stats._poisson import _chi2_ppf, _poisson_cdf, _poisson_sf

pytestmark = pytest.mark.unit


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=300),
    st.integers(0, 5),
)
def test_benjamini_hochberg_equals_scipy(ps, ties):
    p = np.array(ps + ps[:ties])  # repeated p-values: ties
    assert np.array_equal(benjamini_hochberg(p), stats.false_discovery_control(p, method="bh"))


def test_poisson_tails_and_chi2_quantiles_equal_scipy():
    rng = np.random.default_rng(1)
    o = rng.integers(0, 400, 5000)
    e = rng.uniform(0, 400, 5000)
    e[:50] = 0  # nothing expected
    assert np.array_equal(_poisson_cdf(o, e), stats.poisson.cdf(o, e))
    assert np.array_equal(_poisson_sf(o - 1, e), stats.poisson.sf(o - 1, e))  # o = 0: 1
    for q, df in ((0.975, 2 * o + 2), (0.025, 2 * o[o > 0])):
        assert np.array_equal(_chi2_ppf(q, df), stats.chi2.ppf(q, df))


def test_normal_tail_p_values_equal_scipy():
    rng = np.random.default_rng(2)
    series = rng.poisson(3, (200, 12)).astype(float)
    trend = mann_kendall(series)
    finite = np.isfinite(trend.z)
    expected = 2 * stats.norm.sf(np.abs(trend.z[finite]))
    assert np.array_equal(trend.p[finite], expected)  # Gi*'s p: tests/unit/test_gistar.py
