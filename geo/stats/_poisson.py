"""Exact Poisson arithmetic for rates: Garwood's confidence interval for a count, and the
two-sided exact test of a count against an expected number that matches it.

**Garwood's interval** (Garwood, F. (1936) "Fiducial limits for the Poisson distribution",
Biometrika 28: 437-442). For an observed count ``O`` the exact ``1 - alpha`` interval of its
mean is

    lower = chi2.ppf(alpha / 2, 2 O) / 2          (0 when O = 0)
    upper = chi2.ppf(1 - alpha / 2, 2 O + 2) / 2

the means at which ``P(X >= O)`` and ``P(X <= O)`` are each ``alpha / 2``. It is exact in the
sense that it covers the true mean at least ``1 - alpha`` of the time for every mean (it is
conservative: a discrete count cannot hit the level exactly).

**The test.** Against an expected count ``E`` the two-sided p-value is
``min(1, 2 min(P(X <= O), P(X >= O)))`` for ``X ~ Poisson(E)``: the doubled smaller tail. It
is the test Garwood's interval inverts, so the interval for ``O / E`` excludes 1 exactly when
``p < alpha`` (``tests/test_rates.py`` checks both ways on a grid of counts). A p-value from
another two-sided rule (scipy's "minlike", as the change test uses) could disagree with the
interval near the boundary, and then a table would print an interval that excludes 1 beside
"not significant", or the reverse.
"""

from __future__ import annotations

import numpy as np
from scipy import special


def garwood_interval(observed, *, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``confidence`` interval of the Poisson mean for each observed count."""
    _check_confidence(confidence)
    o = _counts(observed)
    alpha = 1 - confidence
    with np.errstate(invalid="ignore"):
        lower = np.where(o > 0, _chi2_ppf(alpha / 2, 2 * o) / 2, 0.0)
    upper = _chi2_ppf(1 - alpha / 2, 2 * o + 2) / 2
    return lower, upper


# scipy.stats' own formulas for these distributions (chi2._ppf, poisson._cdf and _sf), from
# scipy.special: importing scipy.stats costs 0.4 s of a new process's export.
def _chi2_ppf(q: float, df: np.ndarray) -> np.ndarray:
    return 2.0 * special.gammaincinv(df / 2.0, q)


def _poisson_cdf(k: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """P(X <= k), 0 below 0."""
    return np.where(k < 0, 0.0, special.pdtr(np.maximum(k, 0), mu))


def _poisson_sf(k: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """P(X > k), 1 below 0."""
    return np.where(k < 0, 1.0, special.pdtrc(np.maximum(k, 0), mu))


def poisson_p(observed, expected) -> np.ndarray:
    """Two-sided exact p-value of each observed count against its expected count (doubled
    smaller tail, capped at 1). An expected count of 0 gives p = 1 for an observed 0 and 0
    otherwise (nothing was expected, so any incident is certain evidence)."""
    o = _counts(observed)
    e = np.asarray(expected, dtype=np.float64)
    if (e < 0).any() or not np.all(np.isfinite(e)):
        raise ValueError("expected counts must be finite and not negative")
    low = _poisson_cdf(o, e)  # P(X <= O)
    high = _poisson_sf(o - 1, e)  # P(X >= O)
    p = np.minimum(1.0, 2 * np.minimum(low, high))
    return np.where(e == 0, np.where(o == 0, 1.0, 0.0), p)


def upper_tail_smaller(observed, expected) -> np.ndarray:
    """True where the count is on the high side of its expectation (the upper tail is the
    smaller one): the direction of a significant difference."""
    o = _counts(observed)
    e = np.asarray(expected, dtype=np.float64)
    return _poisson_sf(o - 1, e) < _poisson_cdf(o, e)


def _counts(observed) -> np.ndarray:
    o = np.asarray(observed, dtype=np.float64)
    if (o < 0).any() or not np.all(np.isfinite(o)) or (o != np.round(o)).any():
        raise ValueError("observed counts must be whole numbers, not negative")
    return o


def _check_confidence(confidence: float) -> None:
    if not 0.5 <= confidence < 1:
        raise ValueError(f"confidence {confidence}: expected at least 0.5 and below 1")
