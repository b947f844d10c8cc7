"""Empirical-Bayes smoothing (Marshall 1991, global) against esda 2.9.0's
``esda.smoothing.Empirical_Bayes`` and against a worked example by hand."""

from __future__ import annotations

import numpy as np
import pytest
from esda.smoothing import Empirical_Bayes
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.stats import empirical_bayes


def test_equals_esda_where_the_rates_vary_beyond_chance():
    rng = np.random.default_rng(1)
    for trial in range(50):
        n = rng.integers(200, 20_000, rng.integers(5, 300)).astype(float)
        risk = rng.gamma(2.0, 0.002, len(n))  # areas differ: the prior variance is positive
        o = rng.poisson(risk * n).astype(float)
        mine = empirical_bayes(o, n)
        assert not mine.no_spread, trial
        theirs = Empirical_Bayes(o, n).r.ravel()
        assert np.allclose(mine.rates, theirs, rtol=1e-12, atol=1e-15), trial


def test_a_worked_example_by_hand():
    """Three areas: 2/100, 10/1000, 50/2000.
    b = 62/3100 = 0.02; rates 0.02, 0.01, 0.025;
    s2 = (100*0 + 1000*0.0001 + 2000*0.000025) / 3100 = 0.15/3100 = 4.8387e-5;
    nbar = 3100/3; a = s2 - b/nbar = 4.8387e-5 - 1.9355e-5 = 2.9032e-5;
    w = a / (a + b/n) = 0.12676, 0.59211, 0.74380."""
    r = empirical_bayes(np.array([2, 10, 50]), np.array([100, 1000, 2000]))
    assert r.prior_mean == pytest.approx(0.02)
    assert r.prior_variance == pytest.approx(0.15 / 3100 - 0.02 * 3 / 3100)
    a = r.prior_variance
    w = a / (a + 0.02 / np.array([100, 1000, 2000]))
    assert r.weights == pytest.approx(w)
    assert r.rates == pytest.approx(w * np.array([0.02, 0.01, 0.025]) + (1 - w) * 0.02)
    assert r.weights == pytest.approx([0.12676, 0.59211, 0.74380], abs=1e-5)


def test_no_spread_beyond_chance_smooths_everything_to_the_overall_rate():
    """Marshall sets a negative moment estimate to 0; esda does not (its weights then leave
    0..1 and a high raw rate can be smoothed below the mean)."""
    o = np.array([10.0, 11, 9, 10, 10])
    n = np.array([1000.0, 1000, 1000, 1000, 1000])
    mine = empirical_bayes(o, n)
    assert mine.no_spread and mine.moment_variance < 0 and mine.prior_variance == 0
    assert np.allclose(mine.rates, 0.01)
    theirs = Empirical_Bayes(o, n).r.ravel()
    assert not np.allclose(theirs, 0.01)  # esda's weights are negative here
    high = int(np.argmax(o))
    assert theirs[high] < 0.01 < o[high] / n[high]


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 200), st.integers(1, 50_000)), min_size=1, max_size=60))
def test_smoothed_rates_lie_between_the_raw_rate_and_the_mean(pairs):
    o = np.array([p[0] for p in pairs], dtype=float)
    n = np.array([p[1] for p in pairs], dtype=float)
    r = empirical_bayes(o, n)
    assert np.all((r.weights >= 0) & (r.weights <= 1))
    lo = np.minimum(r.raw, r.prior_mean) - 1e-12
    hi = np.maximum(r.raw, r.prior_mean) + 1e-12
    assert np.all((r.rates >= lo) & (r.rates <= hi))
    # a larger population is trusted more: the weight grows with n
    order = np.argsort(n)
    assert np.all(np.diff(r.weights[order]) >= -1e-12)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="positive population"):
        empirical_bayes(np.array([1.0]), np.array([0.0]))
    with pytest.raises(ValueError, match="same length"):
        empirical_bayes(np.array([1.0, 2.0]), np.array([5.0]))
