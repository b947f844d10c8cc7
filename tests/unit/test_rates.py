"""The rate statistics as pure arithmetic: Garwood's interval, the exact Poisson test it
inverts, relative risk with Benjamini-Hochberg, each against an independent computation, and
calibrated by simulation under the null."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from geo.stats import NOT_AFTER_TESTING, SIGNIFICANCE, garwood_interval, poisson_p, rate_table


def _garwood_by_root(o: int, confidence: float) -> tuple[float, float]:
    """The interval from its definition: the means at which each tail is alpha/2, found by
    root finding on scipy's Poisson distribution (no chi-squared quantiles)."""
    from scipy.optimize import brentq

    a = (1 - confidence) / 2
    low = 0.0 if o == 0 else brentq(lambda m: stats.poisson.sf(o - 1, m) - a, 1e-12, 10 * o + 50)
    high = brentq(lambda m: stats.poisson.cdf(o, m) - a, 1e-12, 10 * o + 50)
    return low, high


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_garwood_interval_is_where_each_tail_is_half_alpha(confidence):
    counts = np.array([0, 1, 2, 3, 5, 10, 38, 100, 1000])
    low, high = garwood_interval(counts, confidence=confidence)
    for o, lo, hi in zip(counts, low, high, strict=True):
        want = _garwood_by_root(int(o), confidence)
        assert lo == pytest.approx(want[0], rel=1e-8, abs=1e-10)
        assert hi == pytest.approx(want[1], rel=1e-8)


def test_garwood_textbook_values():
    """Published exact limits (e.g. Ulm 1990 / the Garwood table): 0 -> (0, 3.689),
    1 -> (0.0253, 5.572), 10 -> (4.795, 18.39)."""
    low, high = garwood_interval([0, 1, 10])
    assert low == pytest.approx([0, 0.0253, 4.795], abs=5e-4)
    assert high == pytest.approx([3.689, 5.572, 18.39], abs=5e-3)


def test_garwood_interval_covers_the_mean_at_least_as_often_as_it_claims():
    rng = np.random.default_rng(3)
    for mean in (0.3, 1.0, 2.5, 7.0, 40.0):
        draws = rng.poisson(mean, 20_000)
        low, high = garwood_interval(draws)
        coverage = np.mean((low <= mean) & (mean <= high))
        assert coverage >= 0.95 - 0.004, (mean, coverage)  # conservative, within MC error


@given(
    st.integers(min_value=0, max_value=300),
    st.floats(min_value=0.01, max_value=300, allow_nan=False),
)
def test_the_interval_excludes_1_exactly_when_p_is_below_alpha(o, e):
    """The doubled-tail p-value is the test Garwood's interval inverts."""
    low, high = garwood_interval([o])
    p = poisson_p([o], [e])[0]
    excludes = low[0] / e > 1 or high[0] / e < 1
    near_edge = min(abs(low[0] - e), abs(high[0] - e)) < 1e-9 * max(e, 1)
    if not near_edge:
        assert excludes == (p < 0.05), (o, e, p, low, high)


def test_poisson_p_against_scipy_tails():
    rng = np.random.default_rng(5)
    o = rng.integers(0, 60, 500)
    e = rng.uniform(0.1, 60, 500)
    p = poisson_p(o, e)
    want = np.minimum(1, 2 * np.minimum(stats.poisson.cdf(o, e), stats.poisson.sf(o - 1, e)))
    assert np.allclose(p, want, rtol=1e-12, atol=0)
    assert poisson_p([0], [0.0])[0] == 1.0 and poisson_p([2], [0.0])[0] == 0.0


def test_rate_table_against_a_direct_computation():
    counts = pd.Series({"A": 12, "B": 0, "C": 40})
    people = pd.Series({"A": 3000.0, "B": 1500.0, "C": 5000.0, "D": 2500.0})
    frame = rate_table(counts, people, reference_count=60, reference_population=12_000.0)
    assert list(frame["code"]) == ["A", "B", "C", "D"]
    assert list(frame["count"]) == [12, 0, 40, 0]  # absent areas count 0
    assert frame["rate"].tolist() == pytest.approx([4.0, 0.0, 8.0, 0.0])
    expected = people.to_numpy() * 60 / 12_000
    assert frame["expected"].tolist() == pytest.approx(expected.tolist())
    assert frame["rr"].tolist() == pytest.approx([12 / 15, 0, 40 / 25, 0])
    p = [stats.poisson.sf(c - 1, m) if c > m else stats.poisson.cdf(c, m)
         for c, m in zip([12, 0, 40, 0], expected, strict=True)]  # fmt: skip
    assert frame["p"].tolist() == pytest.approx(np.minimum(1, 2 * np.array(p)).tolist())
    assert frame["q"].tolist() == pytest.approx(
        stats.false_discovery_control(frame["p"], method="bh").tolist()
    )
    assert frame.loc[frame["code"] == "C", "significance"].item() == "significantly above"
    # An interval that excludes 1 is significant only after the adjustment allows it.
    for row in frame.itertuples():
        if row.significance != SIGNIFICANCE[2]:
            assert row.interval_excludes_1


def test_areas_without_residents_are_refused():
    with pytest.raises(ValueError, match="without residents"):
        rate_table(pd.Series({"A": 1}), pd.Series({"A": 0.0}), reference_count=1,
                   reference_population=10.0)  # fmt: skip


def test_significantly_above_is_calibrated_under_the_null():
    """Every area at the county's rate: the share of maps calling any area significantly
    above or below the county stays within alpha (Benjamini-Hochberg under the complete
    null controls the chance of any false alarm at alpha); without the adjustment it is
    far above."""
    rng = np.random.default_rng(11)
    people = pd.Series(rng.integers(800, 3000, 200).astype(float), index=range(200))
    rate = 0.002
    any_adjusted = any_raw = 0
    maps = 400
    for _ in range(maps):
        counts = pd.Series(rng.poisson(rate * people.to_numpy()), index=people.index)
        frame = rate_table(
            counts, people, reference_count=int(counts.sum()),
            reference_population=float(people.sum()),
        )  # fmt: skip
        any_adjusted += frame["significance"].isin(SIGNIFICANCE[:2]).any()
        any_raw += frame["interval_excludes_1"].any()
    assert any_adjusted / maps <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / maps)
    assert any_raw / maps > 0.5  # the unadjusted intervals would mark most maps


def test_the_words_say_why_an_interval_excluding_1_is_not_significant():
    """Twenty areas of 1,000 residents at 20 per 1,000, and one of 1,000 with 31 incidents:
    its interval excludes 1 on its own (p about 0.03) but BH over the 21 areas does not
    call it significant, and the words say so; a bare "not significant" only where the
    interval includes 1, "significantly" only where q < alpha."""
    people = pd.Series(1000.0, index=[f"A{i:02d}" for i in range(21)])
    counts = pd.Series([20] * 20 + [31], index=people.index)
    frame = rate_table(counts, people, reference_count=int(counts.sum()),
                       reference_population=float(people.sum()))  # fmt: skip
    last = frame.iloc[-1]
    assert last["interval_excludes_1"] and last["p"] < 0.05 <= last["q"]
    assert last["significance"] == NOT_AFTER_TESTING
    for row in frame.itertuples():
        if row.q < 0.05:
            assert row.significance in SIGNIFICANCE[:2] and row.interval_excludes_1
        elif row.interval_excludes_1:
            assert row.significance == NOT_AFTER_TESTING
        else:
            assert row.significance == SIGNIFICANCE[2]
