"""Gi* on a space-time cube: each bin's neighbourhood reaches back in time.

A bin is one cell in one time step. As in ArcGIS Pro's Emerging Hot Spot Analysis, a bin's
neighbourhood is its cell's neighbourhood (the cell and its grid neighbours in the region) in
the same time step and in each of the ``steps_back`` steps before it (ArcGIS's "neighborhood
time step", default 1). The first steps have fewer steps behind them, so smaller
neighbourhoods, as in ArcGIS.

The reference the bins are compared with is the *global window*:

- ``"cube"`` (the default, ArcGIS's "entire cube"): every bin of the cube;
- ``"month"``: the bins of the step and the ``steps_back`` steps before it, the only steps its
  neighbourhood reaches (ArcGIS's "neighborhood time step" window; with ``steps_back=0``, the
  month alone).

For each bin: the Gi* z-score against the window's mean and spread (descriptive), and the
exact two-sided randomisation p-value of :mod:`geo.stats._randomisation`: the bins of its
neighbourhood are a draw without replacement from the bins of the window (with
``test="conditional"`` the bin keeps its own count and only the others are drawn).
"""

from __future__ import annotations

import numpy as np

from geo.errors import ValidationError
from geo.grid import StudyRegion
from geo.stats._gistar import check_test, gi_star_z
from geo.stats._randomisation import subset_sum_tails, two_sided

GLOBAL_WINDOWS = ("cube", "month")


def neighbourhoods(
    counts: np.ndarray, region: StudyRegion, steps_back: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each bin's neighbourhood sum and size (both cells x steps), the bin included."""
    counts = np.asarray(counts, dtype=np.float64)
    t = counts.shape[1]
    spatial = region.weights @ counts if counts.size else np.zeros(counts.shape)
    running = np.cumsum(spatial, axis=1)
    lag = running.copy()
    if 0 < steps_back + 1 <= t:
        lag[:, steps_back + 1 :] -= running[:, : t - steps_back - 1]
    steps = np.minimum(np.arange(t), steps_back) + 1
    card = region.cardinality.astype(np.float64)[:, None] * steps[None, :]
    return lag, card


def cube_gi(
    counts: np.ndarray,
    region: StudyRegion,
    *,
    steps_back: int = 1,
    window: str = "cube",
    test: str = "exact",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(z, p, direction)`` for every bin (cells x steps, in time order).

    ``test="exact"`` (or ``"conditional"``) gives the exact randomisation p-value and the
    tail it comes from (+1 hot, -1 cold); ``"normal"`` z's normal p-value and z's sign (for
    comparison).
    """
    check_steps_back(steps_back)
    check_test(test)
    if window not in GLOBAL_WINDOWS:
        raise ValidationError(
            f"global window {window!r}: expected one of {', '.join(GLOBAL_WINDOWS)}"
        )
    counts = np.asarray(counts, dtype=np.float64)
    n, t = counts.shape
    lag, card = neighbourhoods(counts, region, steps_back)
    z = np.full((n, t), np.nan)
    p = np.full((n, t), np.nan)
    direction = np.zeros((n, t), dtype=np.int8)
    if counts.size == 0:
        return z, p, direction
    for cols, population in _windows(counts, window, steps_back):
        z[:, cols], p_normal = gi_star_z(lag[:, cols], card[:, cols], population)
        if test == "normal":
            p[:, cols] = p_normal
            direction[:, cols] = np.sign(np.nan_to_num(z[:, cols]))
            continue
        own = counts[:, cols]
        size, total = card[:, cols].astype(np.int64).ravel(), np.rint(lag[:, cols]).ravel()
        if test == "conditional":
            lower, upper = subset_sum_tails(
                population.ravel(), size - 1, total - own.ravel(), without=own.ravel()
            )
        else:
            lower, upper = subset_sum_tails(population.ravel(), size, total)
        pp, dd = two_sided(lower, upper)
        p[:, cols] = pp.reshape(own.shape)
        direction[:, cols] = dd.reshape(own.shape)
    return z, p, direction


def check_steps_back(steps_back: int) -> int:
    if not isinstance(steps_back, int) or steps_back < 0:
        raise ValidationError(f"steps back {steps_back!r}: expected a whole number, 0 or more")
    return steps_back


def _windows(counts: np.ndarray, window: str, steps_back: int):
    """``(columns, population)`` pairs: the bins tested together against one reference."""
    t = counts.shape[1]
    if window == "cube":
        yield slice(0, t), counts
        return
    for step in range(t):
        yield slice(step, step + 1), counts[:, max(0, step - steps_back) : step + 1]
