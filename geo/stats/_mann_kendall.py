"""Mann-Kendall trend test and Sen's slope, vectorised over many series at once.

Each row of the input is one series in time order (for example one cell's monthly Gi*
z-scores). Inputs are never modified.

Mann-Kendall (Mann 1945; Kendall 1975), for a series ``x_1 .. x_T``:

- ``S = sum over i < j of sign(x_j - x_i)``;
- ``Var(S) = (T(T-1)(2T+5) - sum over tie groups of t(t-1)(2t+5)) / 18``;
- ``Z = (S - 1) / sqrt(Var S)`` if ``S > 0``, ``(S + 1) / sqrt(Var S)`` if ``S < 0``, else 0
  (the continuity correction);
- two-sided ``p = 2 * (1 - Phi(|Z|))``; Kendall's ``tau = S / (T(T-1)/2)``.

Sen's slope (Sen 1968) is the median of ``(x_j - x_i) / (j - i)`` over all pairs: the typical
change per time step, robust to outliers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

# Rows per block: bounds memory at block x T(T-1)/2 pair differences.
_BLOCK = 4096


@dataclass(frozen=True)
class Trend:
    """Mann-Kendall results, one value per series (row): ``s``, ``var_s``, ``z``, ``p``,
    ``tau`` and Sen's ``slope``."""

    s: np.ndarray
    var_s: np.ndarray
    z: np.ndarray
    p: np.ndarray
    tau: np.ndarray
    slope: np.ndarray


def mann_kendall(x: np.ndarray, *, continuity: bool = True) -> Trend:
    """The Mann-Kendall test and Sen's slope for each row of ``x`` (series x time).

    NaN is not allowed: callers decide what a missing step means before testing.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError("expected a 2-D array: one series per row")
    if np.isnan(x).any():
        raise ValueError("series contain NaN; replace or drop missing steps first")
    n, t = x.shape
    s = np.zeros(n)
    slope = np.zeros(n)
    if t >= 2:
        first, second = np.triu_indices(t, 1)
        gap = (second - first).astype(np.float64)
        for start in range(0, n, _BLOCK):
            rows = slice(start, min(start + _BLOCK, n))
            diff = x[rows][:, second] - x[rows][:, first]
            s[rows] = np.sign(diff).sum(axis=1)
            slope[rows] = np.median(diff / gap, axis=1)
    var_s = (t * (t - 1) * (2 * t + 5) - _tie_term(x)) / 18.0
    z = _z(s, var_s, continuity)
    p = 2.0 * special.ndtr(-np.abs(z))  # scipy.stats.norm.sf, without its import
    tau = s / (t * (t - 1) / 2) if t >= 2 else np.zeros(n)
    return Trend(s=s, var_s=var_s, z=z, p=p, tau=tau, slope=slope)


def _z(s: np.ndarray, var_s: np.ndarray, continuity: bool) -> np.ndarray:
    shifted = s - np.sign(s) if continuity else s
    with np.errstate(divide="ignore", invalid="ignore"):
        z = shifted / np.sqrt(var_s)
    return np.where(var_s > 0, z, 0.0)


def _tie_term(x: np.ndarray) -> np.ndarray:
    """Sum over each row's groups of equal values of t(t-1)(2t+5)."""
    n, t = x.shape
    if t < 2:
        return np.zeros(n)
    ordered = np.sort(x, axis=1)
    # Group ids along each sorted row: a new group starts wherever the value changes.
    starts = np.concatenate(
        [np.ones((n, 1), dtype=bool), ordered[:, 1:] != ordered[:, :-1]], axis=1
    )
    group = np.cumsum(starts, axis=1) - 1
    sizes = np.zeros((n, t))
    np.add.at(sizes, (np.repeat(np.arange(n), t), group.ravel()), 1.0)
    return (sizes * (sizes - 1) * (2 * sizes + 5)).sum(axis=1)
