"""The exact randomisation distribution of a neighbourhood sum.

Gi*'s randomisation test asks: if the counts were arranged over the region at random, how
often would a neighbourhood of ``k`` cells hold at least (or at most) the sum observed? That
is the sum of ``k`` counts drawn without replacement from the region's ``n``. In the
*conditional* version (Anselin 1995, as esda and GeoDa run it) the cell keeps its own count and
only its ``k`` neighbours are drawn, from the other ``n - 1`` cells. Monte Carlo draws answer
either only down to ``1 / (draws + 1)``, which Benjamini-Hochberg over thousands of cells can
never reach. Here the distributions are computed exactly.

The counts are whole numbers, so the population has a generating function

    G(t, x) = prod over the population's values v of (1 + t x^v)
            = prod over distinct values v of (1 + t x^v)^{c_v}

whose coefficient of ``t^m x^s`` is the number of ``m``-element subsets with sum ``s``. Each
factor is ``sum_j C(c_v, j) t^j x^{j v}``, so building ``G`` is a few shifted additions per
distinct value. Only ``t``-degrees up to the largest ``k`` and ``x``-degrees up to the
largest observed sum matter, and both truncations are exact (a coefficient never depends on
higher ones). Then ``P(S <= s) = sum_{s' <= s} [t^k x^{s'}] G / C(n, k)``. For the
conditional version, leaving out one element of value ``y`` (the cell itself) divides by
``(1 + t x^y)``: ``H_0 = G_0`` and ``H_m = G_m - x^y H_{m-1}``, and ``H`` and ``C(n - 1, k)``
take the place of ``G`` and ``C(n, k)``. The arithmetic is in double precision; its error is
absolute, a few units in 1e-16 of the total probability (tested against exact integer
enumeration), and tails below :data:`P_FLOOR` are reported as ``P_FLOOR``. Cost: the distinct
values times ``k`` shifted additions of arrays as long as the largest sum, milliseconds for a
county map.
"""

from __future__ import annotations

from math import comb

import numpy as np

# Smallest tail probability reported: below what double precision resolves here (the error
# is absolute, about 1e-16 times the number of terms), and far below any threshold
# Benjamini-Hochberg uses on a map (alpha / cells, about 1e-6 for a county).
P_FLOOR = 1e-12
_TIE = 1e-12


def subset_sum_tails(
    population: np.ndarray,
    k: np.ndarray,
    s: np.ndarray,
    *,
    without: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(P(S <= s), P(S >= s))`` for each test ``j``.

    ``S`` is the sum of ``k[j]`` values drawn without replacement from ``population``, or,
    when ``without`` is given, from ``population`` with one copy of ``without[j]`` taken out
    (it must be one of its values). All are non-negative whole numbers; ``k``, ``s`` and
    ``without`` have one entry per test. Both tails include ``s`` itself (so they are
    conservative for a discrete statistic) and lie in ``[P_FLOOR, 1]``.
    """
    population = _whole(population)
    k, s = _whole(k), _whole(s)
    lower = np.ones(k.shape[0])
    upper = np.ones(k.shape[0])
    if k.size == 0:
        return lower, upper
    n = population.shape[0] - (0 if without is None else 1)
    if np.any(k > n):
        raise ValueError("more neighbours than cells in the population")
    g = _generating_function(population, int(k.max()), int(s.max()))
    if without is None:
        groups = [(np.arange(k.size), g)]
    else:
        # One division per distinct value taken out; each test then reads two cumulative sums.
        own = _whole(without)
        groups = (
            (at, _without(g, int(value), int(k[at].max())))
            for value in np.unique(own)
            for at in [np.flatnonzero(own == value)]
        )
    for at, h in groups:
        kk, ss = k[at], s[at]
        cdf = np.cumsum(h, axis=1)
        total = np.array([float(comb(n, int(m))) for m in kk])
        lower[at] = cdf[kk, ss] / total
        upper[at] = 1.0 - np.where(ss > 0, cdf[kk, np.maximum(ss - 1, 0)], 0.0) / total
    return np.clip(lower, P_FLOOR, 1.0), np.clip(upper, P_FLOOR, 1.0)


def two_sided(lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The folded two-sided p-value ``min(1, 2 min(lower, upper))`` and its direction.

    Direction is ``+1`` where the upper tail is the smaller (more than chance gives: hot),
    ``-1`` where the lower one is (cold), ``0`` on a tie (then ``p`` is 1 or close to it).
    Doubling the smaller one-sided p-value gives a valid two-sided test: under the null, each
    tail is below ``alpha / 2`` with probability at most ``alpha / 2``.
    """
    p = np.minimum(1.0, 2.0 * np.minimum(lower, upper))
    difference = lower - upper
    # Tails equal up to the arithmetic's error are a tie, not a direction.
    difference[np.abs(difference) < _TIE] = 0.0
    return p, np.sign(difference).astype(np.int8)


def _generating_function(population: np.ndarray, degree: int, top: int) -> np.ndarray:
    """Coefficients ``g[m, s]`` of ``G(t, x)``, for ``m <= degree`` and ``s <= top``."""
    g = np.zeros((degree + 1, top + 1))
    g[0, 0] = 1.0
    values, counts = np.unique(population, return_counts=True)
    for v, c in zip(values.tolist(), counts.tolist(), strict=True):
        reach = min(c, degree, top // v if v > 0 else degree)
        if reach == 0:
            continue  # every term but 1 lies beyond the truncation
        old = g.copy()
        for j in range(1, reach + 1):
            shift = j * v
            g[j:, shift:] += float(comb(c, j)) * old[: degree + 1 - j, : top + 1 - shift]
    return g


def _without(g: np.ndarray, value: int, degree: int) -> np.ndarray:
    """``G / (1 + t x^value)`` up to ``t``-degree ``degree``: the population less one copy."""
    h = g[: degree + 1].copy()
    top = g.shape[1] - 1
    if value > top:
        return h  # x^value lies beyond the truncation: the division changes nothing here
    for m in range(1, degree + 1):
        h[m, value:] -= h[m - 1, : top + 1 - value]
    return h


def _whole(values: np.ndarray) -> np.ndarray:
    arr = np.asarray(values)
    if arr.size and (not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr % 1 != 0)):
        raise ValueError("the exact test needs counts: whole numbers, 0 or more")
    return arr.astype(np.int64)
