"""The exact conditional-randomisation distribution of a neighbourhood sum.

Gi*'s permutation test (Anselin 1995's "conditional randomisation") keeps a cell's own count
and asks: if its ``k`` neighbours were ``k`` of the other ``n - 1`` cells, drawn at random
without replacement, how often would their sum be at least (or at most) the one observed?
Monte Carlo draws answer that only down to ``1 / (draws + 1)``, which Benjamini-Hochberg over
thousands of cells can never reach. Here the distribution is computed exactly.

The counts are whole numbers, so the population has a generating function

    G(t, x) = prod over the population's values v of (1 + t x^v)
            = prod over distinct values v of (1 + t x^v)^{c_v}

whose coefficient of ``t^m x^s`` is the number of ``m``-element subsets with sum ``s``. Each
factor is ``sum_j C(c_v, j) t^j x^{j v}``, so building ``G`` is a few shifted additions per
distinct value. Only ``t``-degrees up to the largest ``k`` and ``x``-degrees up to the
largest observed sum matter, and both truncations are exact (a coefficient never depends on
higher ones). Leaving out one element of value ``y`` (the cell itself) divides by
``(1 + t x^y)``: ``H_0 = G_0`` and ``H_m = G_m - x^y H_{m-1}``. Then

    P(S <= s) = sum_{s' <= s} [t^k x^{s'}] H / C(n - 1, k)

for a cell with ``k`` neighbours. The arithmetic is in double precision; its error is
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


def subset_sum_tails(
    population: np.ndarray, own: np.ndarray, k: np.ndarray, s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(P(S <= s), P(S >= s))`` for each test ``j``.

    ``S`` is the sum of ``k[j]`` values drawn without replacement from ``population`` with
    one copy of ``own[j]`` taken out (``own[j]`` must be one of its values). ``population``,
    ``own``, ``k`` and ``s`` are non-negative whole numbers; ``own``, ``k`` and ``s`` have one
    entry per test. Both tails include ``s`` itself (so they are conservative for a discrete
    statistic) and lie in ``[P_FLOOR, 1]``.
    """
    population = _whole(population)
    own, k, s = _whole(own), _whole(k), _whole(s)
    lower = np.ones(own.shape[0])
    upper = np.ones(own.shape[0])
    n = population.shape[0]
    if own.size == 0:
        return lower, upper
    if np.any(k > n - 1):
        raise ValueError("more neighbours than other cells in the population")
    degree, top = int(k.max()), int(s.max())
    g = _generating_function(population, degree, top)
    # One division per distinct own value; each test then reads two cumulative sums.
    for value in np.unique(own):
        at = np.flatnonzero(own == value)
        kk, ss = k[at], s[at]
        cdf = np.cumsum(_without(g, int(value), int(kk.max())), axis=1)
        total = np.array([float(comb(n - 1, int(m))) for m in kk])
        below = cdf[kk, ss] / total
        strictly_below = np.where(ss > 0, cdf[kk, np.maximum(ss - 1, 0)], 0.0) / total
        lower[at] = below
        upper[at] = 1.0 - strictly_below
    return np.clip(lower, P_FLOOR, 1.0), np.clip(upper, P_FLOOR, 1.0)


def two_sided(lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The folded two-sided p-value ``min(1, 2 min(lower, upper))`` and its direction.

    Direction is ``+1`` where the upper tail is the smaller (more than chance gives: hot),
    ``-1`` where the lower one is (cold), ``0`` on a tie (then ``p`` is 1 or close to it).
    Doubling the smaller one-sided p-value gives a valid two-sided test: under the null, each
    tail is below ``alpha / 2`` with probability at most ``alpha / 2``.
    """
    p = np.minimum(1.0, 2.0 * np.minimum(lower, upper))
    return p, np.sign(lower - upper).astype(np.int8)


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
