"""Empirical-Bayes smoothed rates (Marshall 1991, the global method), so that an area with few
residents does not top a table by chance.

A raw rate ``r_i = O_i / n_i`` of an area with a small population ``n_i`` swings widely from
one period to the next: one incident among 300 residents is 3.3 per 1,000, none is 0. The
empirical-Bayes estimate pulls each raw rate towards the rate of all the areas together, by
how little its own count can tell:

    b   = sum(O) / sum(n)                            the prior mean (the areas' overall rate)
    s2  = sum(n_i (r_i - b)^2) / sum(n)              the population-weighted variance of rates
    a   = s2 - b / nbar,  nbar = sum(n) / N          the prior variance (method of moments)
    w_i = a / (a + b / n_i)                          the weight of the area's own rate
    EB_i = w_i r_i + (1 - w_i) b

(Marshall, R. J. (1991) "Mapping disease and mortality rates using empirical Bayes
estimators", Journal of the Royal Statistical Society C 40(2): 283-294; the same estimator is
GeoDa's "Empirical Bayes" rate and esda's ``esda.smoothing.Empirical_Bayes``.)

When the rates vary no more than Poisson noise alone would make them (``a`` at or below 0)
Marshall sets ``a = 0``: every area gets the overall rate, because the data cannot tell the
areas apart. esda 2.9.0 does not: it keeps the negative ``a``, which gives weights outside
0..1 (an area with a high raw rate then gets a smoothed rate *below* the mean). socmap
follows Marshall, and says when it happened (:attr:`EBResult.no_spread`);
``tests/test_smoothing.py`` checks the estimator against esda wherever ``a`` is positive and
against the formula above where it is not.

This module is pure arithmetic on arrays: which counts go in (exact ones for an analyst, the
published figures for the public, see :mod:`geo.disclosure._public_rates`) is the caller's choice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EBResult:
    """Smoothed rates (per person, like the raw rates) and the prior they were pulled to."""

    rates: np.ndarray  # EB_i
    raw: np.ndarray  # r_i = O_i / n_i
    weights: np.ndarray  # w_i, in [0, 1]
    prior_mean: float  # b
    prior_variance: float  # a, after clipping at 0
    moment_variance: float  # a before clipping (negative: no spread beyond Poisson noise)

    @property
    def no_spread(self) -> bool:
        """The raw rates vary no more than chance would make them: every area is smoothed to
        the overall rate."""
        return self.moment_variance <= 0


def empirical_bayes(events: np.ndarray, base: np.ndarray) -> EBResult:
    """Marshall's global empirical-Bayes rates of ``events`` over ``base`` (population at
    risk), one value per area. Every base must be positive; events are counts (or published
    stand-ins for them, which need not be whole)."""
    o = np.asarray(events, dtype=np.float64)
    n = np.asarray(base, dtype=np.float64)
    if o.shape != n.shape or o.ndim != 1:
        raise ValueError("events and base must be one-dimensional and the same length")
    if len(n) == 0:
        raise ValueError("no areas to smooth")
    if not np.all(np.isfinite(n)) or (n <= 0).any():
        raise ValueError("every area needs a positive population")
    if not np.all(np.isfinite(o)) or (o < 0).any():
        raise ValueError("events must be finite and not negative")
    raw = o / n
    b = float(o.sum() / n.sum())
    s2 = float((n * (raw - b) ** 2).sum() / n.sum())
    moment = s2 - b / float(n.mean())
    a = max(moment, 0.0)
    weights = np.zeros_like(n) if a == 0.0 else a / (a + b / n)
    return EBResult(weights * raw + (1 - weights) * b, raw, weights, b, a, moment)
