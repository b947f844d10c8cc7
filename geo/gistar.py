"""Getis-Ord Gi*, its permutation test, Benjamini-Hochberg and the hot/cold classes.

Pure functions over NumPy arrays and a :class:`geo.grid.StudyRegion`; nothing here reads the
store. Inputs are never modified.

Gi* of cell *i* with binary weights, self included (Getis and Ord 1992; Ord and Getis 1995)::

    z_i = (L_i - W_i * mean) / (s * sqrt(W_i * (n - W_i) / (n - 1)))

where ``L_i`` is the sum of the counts in the cell's neighbourhood (itself and its neighbours
in the region), ``W_i`` the number of cells in that neighbourhood, ``n`` the number of cells in
the region, ``mean`` the mean count and ``s`` the population standard deviation of the counts.
It is algebraically the z-score esda's ``G_Local(y, w, transform="B", star=True)`` reports.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from geo.errors import ValidationError
from geo.grid import StudyRegion

# (confidence, alpha) from the strictest down: a class is the first level the value passes.
LEVELS = ((99, 0.01), (95, 0.05), (90, 0.10))
NOT_SIGNIFICANT = "not_significant"
CLASS_LABELS = {
    **{f"hot_{c}": f"Hot spot, {c}% confidence" for c, _ in LEVELS},
    **{f"cold_{c}": f"Cold spot, {c}% confidence" for c, _ in LEVELS},
    NOT_SIGNIFICANT: "Not significant",
}
# Cells per block in the permutation test: bounds memory at block x permutations x 6 draws.
_BLOCK = 256
# Below this many cells, draws without replacement come from a full shuffle per permutation.
_SMALL_REGION = 64


def gi_star(y: np.ndarray, region: StudyRegion) -> tuple[np.ndarray, np.ndarray]:
    """Analytic Gi* z-scores and two-sided normal p-values for counts ``y`` on ``region``.

    Undefined values are NaN: every count equal (no variation to cluster), fewer than two
    cells, or a neighbourhood that is the whole region.
    """
    y = np.asarray(y, dtype=np.float64)
    n = y.shape[0]
    nan = np.full(n, np.nan)
    if n < 2:
        return nan, nan.copy()
    card = region.cardinality.astype(np.float64)
    lag = region.weights @ y
    mean = y.mean()
    s = np.sqrt(max((y * y).mean() - mean * mean, 0.0))
    spread = card * (n - card) / (n - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (lag - card * mean) / (s * np.sqrt(spread))
    z = np.where((s > 0) & (spread > 0), z, np.nan)
    p = 2.0 * stats.norm.sf(np.abs(z))
    return z, p


def gi_star_cube(counts: np.ndarray, region: StudyRegion) -> tuple[np.ndarray, np.ndarray]:
    """Gi* of every bin of a space-time cube (cells x time steps) against the whole cube.

    Each bin's neighbourhood is its cell's neighbourhood in the same time step, as in
    :func:`gi_star`, but the mean, the standard deviation and ``n`` are those of all the
    cube's bins: ArcGIS's "entire cube" global window. A place whose counts do not change
    keeps the same z-score when another place heats up elsewhere, which a month-by-month
    reference would not give it. Returns z and two-sided p, both cells x time steps.
    """
    y = np.asarray(counts, dtype=np.float64)
    n_bins = y.size
    nan = np.full(y.shape, np.nan)
    if n_bins < 2:
        return nan, nan.copy()
    card = region.cardinality.astype(np.float64)[:, None]
    lag = region.weights @ y
    mean = y.mean()
    s = np.sqrt(max((y * y).mean() - mean * mean, 0.0))
    spread = card * (n_bins - card) / (n_bins - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (lag - card * mean) / (s * np.sqrt(spread))
    z = np.where((s > 0) & (spread > 0), z, np.nan)
    return z, 2.0 * stats.norm.sf(np.abs(z))


def gi_star_p_sim(
    y: np.ndarray, region: StudyRegion, permutations: int, rng: np.random.Generator
) -> np.ndarray:
    """Pseudo p-values by conditional randomisation (Anselin 1995), one-sided and folded.

    For each cell its own count stays put and its ``W_i - 1`` neighbours are replaced by counts
    drawn without replacement from the other ``n - 1`` cells, ``permutations`` times. With
    ``above`` the number of draws whose neighbourhood sum is at least the observed one and
    ``below`` the number at most it, ``p = (min(above, below) + 1) / (permutations + 1)``:
    the chance of something at least as extreme in the direction observed, as esda and GeoDa
    report it. The smallest possible value is ``1 / (permutations + 1)``.

    Vectorised as esda does it: one set of random draws serves every cell, but each cell
    rotates it by its own random offset, so different cells see different neighbours.
    """
    y = np.asarray(y, dtype=np.float64)
    n = y.shape[0]
    if permutations <= 0 or n < 2 or not np.ptp(y) > 0:
        return np.full(n, np.nan)
    k = region.cardinality - 1  # neighbours other than the cell itself
    draws = _draws(rng, n - 1, int(k.max()), permutations)
    offsets = rng.integers(0, n - 1, size=n)
    observed = region.weights @ y
    p = np.empty(n)
    for start in range(0, n, _BLOCK):
        block = np.arange(start, min(start + _BLOCK, n))
        sims = _simulated_sums(y, block, k[block], draws, offsets[block])
        above = (sims >= observed[block, None]).sum(axis=1)
        below = (sims <= observed[block, None]).sum(axis=1)
        p[block] = (np.minimum(above, below) + 1) / (permutations + 1)
    return p


def _simulated_sums(
    y: np.ndarray, block: np.ndarray, k: np.ndarray, draws: np.ndarray, offsets: np.ndarray
) -> np.ndarray:
    """Neighbourhood sums for each cell of ``block`` under each permutation.

    One neighbour position at a time, on 2-D arrays of 32-bit positions: the dashboard runs
    this for every filter change, and a (cells, permutations, neighbours) array of 64-bit
    positions cost several times as much in memory traffic. The sums are those of the same
    draws in the same order (the counts are whole numbers, so exactly equal).
    """
    m = y.shape[0] - 1
    own = block.astype(np.int32)[:, None]
    shift = offsets.astype(np.int32)[:, None]
    sums = np.zeros((block.size, draws.shape[0]))
    for j in range(draws.shape[1]):
        idx = draws[:, j].astype(np.int32)[None, :] + shift  # both below m: no overflow
        idx -= m * (idx >= m)
        # Positions index the n - 1 other cells: skip the cell itself.
        idx += idx >= own
        values = y[idx]
        values[k <= j] = 0.0  # cells with fewer neighbours than the longest row
        sums += values
    return sums + y[block][:, None]


def _draws(rng: np.random.Generator, m: int, size: int, permutations: int) -> np.ndarray:
    """``permutations`` rows of ``size`` distinct integers from ``0..m-1``."""
    if size == 0:
        return np.zeros((permutations, 0), dtype=np.int64)
    if m <= _SMALL_REGION:
        return np.argsort(rng.random((permutations, m)), axis=1)[:, :size]
    # Few values from many: draw with replacement and redraw the rare rows with a repeat.
    out = rng.integers(0, m, size=(permutations, size))
    while True:
        ordered = np.sort(out, axis=1)
        bad = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
        if not bad.any():
            return out
        out[bad] = rng.integers(0, m, size=(int(bad.sum()), size))


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg (1995) adjusted p-values (q-values); NaN stays NaN and is not
    counted as a test.

    ``q_(i) = min over j >= i of p_(j) * m / j`` for the sorted p-values, capped at 1. A cell
    with ``q <= alpha`` is significant with the false discovery rate controlled at ``alpha``.
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.full(p.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    m = valid.size
    if m == 0:
        return q
    order = valid[np.argsort(p[valid], kind="stable")]
    scaled = p[order] * m / np.arange(1, m + 1)
    q[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return q


def check_alpha(alpha: float) -> float:
    """A significance level must lie strictly between 0 and 1."""
    if not 0 < alpha < 1:
        raise ValidationError(f"significance level {alpha!r}: expected between 0 and 1")
    return alpha


def classify(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``hot_99`` ... ``cold_90`` or ``not_significant`` from z (direction) and a p-value.

    A cell is hot at 99% when ``z > 0`` and ``p < 0.01``, else at 95% when ``p < 0.05``, else at
    90% when ``p < 0.10``; cold likewise with ``z < 0``. NaN is not significant.
    """
    z = np.asarray(z, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    out = np.full(z.shape, NOT_SIGNIFICANT, dtype=object)
    for confidence, alpha in reversed(LEVELS):
        passed = p < alpha  # NaN compares False
        out[passed & (z > 0)] = f"hot_{confidence}"
        out[passed & (z < 0)] = f"cold_{confidence}"
    return out
