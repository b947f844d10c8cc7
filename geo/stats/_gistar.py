"""Getis-Ord Gi*, its exact conditional-randomisation test, Benjamini-Hochberg and the classes.

Pure functions over NumPy arrays and a :class:`geo.grid.StudyRegion`; nothing here reads the
store. Inputs are never modified.

Gi* of cell *i* with binary weights, self included (Getis and Ord 1992; Ord and Getis 1995)::

    z_i = (L_i - W_i * mean) / (s * sqrt(W_i * (n - W_i) / (n - 1)))

where ``L_i`` is the sum of the counts in the cell's neighbourhood (itself and its neighbours
in the region), ``W_i`` the number of cells in that neighbourhood, ``n`` the number of cells in
the region, ``mean`` the mean count and ``s`` the population standard deviation of the counts.
It is algebraically the z-score esda's ``G_Local(y, w, transform="B", star=True)`` reports.

The mean and variance in z are exactly those of ``L_i`` when the region's counts are
arranged at random (a sum of ``W_i`` counts drawn without replacement from the ``n``), so z is
that randomisation's standardised score. z is kept as a descriptive score: its normal p-value is
far from calibrated on sparse, skewed counts (docs/statistics.md, "What was wrong before").
The classes come from the exact p-value of the same randomisation (:func:`gi_star_exact`,
:mod:`geo.stats._randomisation`), adjusted for the many cells of a map with Benjamini-Hochberg.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from geo.errors import ValidationError
from geo.grid import StudyRegion
from geo.stats._randomisation import subset_sum_tails, two_sided

# (level, alpha) from the strictest down: a class is the first level the q-value passes.
LEVELS = ((99, 0.01), (95, 0.05), (90, 0.10))
NOT_SIGNIFICANT = "not_significant"
# A class is a false-discovery-rate statement: of all the hexagons marked at that level or a
# stricter one, on average at most alpha are false alarms. The words say so (the keys keep
# their old names, which exports and links use).
RATE_WORDS = {99: "1 in 100", 95: "1 in 20", 90: "1 in 10"}
CLASS_LABELS = {
    **{f"hot_{c}": f"Hot spot: at most {RATE_WORDS[c]} false alarms" for c, _ in LEVELS},
    **{f"cold_{c}": f"Cold spot: at most {RATE_WORDS[c]} false alarms" for c, _ in LEVELS},
    NOT_SIGNIFICANT: "Not significant",
}
CLASS_NOTE = (
    "Hot and cold spots come from an exact randomisation test of each hexagon's "
    "neighbourhood (the hexagon and its neighbours against any as many hexagons of the area "
    "taken at random), with the Benjamini-Hochberg false discovery rate across the map: "
    "'at most 1 in 20 false alarms' means that of all the hexagons marked at that level or a "
    "stricter one, on average no more than 1 in 20 has a neighbourhood no busier (or "
    "quieter) than chance alone would give. A neighbourhood holding no more incidents than the "
    "map's busiest single hexagon is seldom marked, since chance puts that hexagon in some "
    "neighbourhood. 'Not significant' does not mean 'no crime here'."
)
# "exact": the randomisation z standardises, the cell's own count drawn with its neighbours
# (the default); "conditional": the cell keeps its own count and only its neighbours are
# drawn (Anselin's conditional randomisation, esda's and GeoDa's); "normal": z's normal
# approximation, kept only to compare with the past and with ArcGIS.
TESTS = ("exact", "conditional", "normal")


def gi_star(y: np.ndarray, region: StudyRegion) -> tuple[np.ndarray, np.ndarray]:
    """Analytic Gi* z-scores and their two-sided normal p-values for counts ``y``.

    Undefined values are NaN: every count equal (no variation to cluster), fewer than two
    cells, or a neighbourhood that is the whole region. The normal p-value is kept for
    comparison (``test="normal"``); it is not what the classes use by default.
    """
    y = np.asarray(y, dtype=np.float64)
    return gi_star_z(region.weights @ y, region.cardinality, y)


def gi_star_z(
    lag: np.ndarray, card: np.ndarray, population: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """z and normal p from neighbourhood sums ``lag`` over ``card`` cells each, with the mean,
    spread and size of ``population`` (the cells or bins the statistic compares with)."""
    population = np.asarray(population, dtype=np.float64)
    n = population.size
    shape = np.shape(lag)
    if n < 2:
        nan = np.full(shape, np.nan)
        return nan, nan.copy()
    card = np.asarray(card, dtype=np.float64)
    mean = population.mean()
    s = np.sqrt(max((population * population).mean() - mean * mean, 0.0))
    spread = card * (n - card) / (n - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (lag - card * mean) / (s * np.sqrt(spread))
    z = np.where((s > 0) & (spread > 0), z, np.nan)
    return z, 2.0 * special.ndtr(-np.abs(z))  # scipy.stats.norm.sf, without its import


def gi_star_exact(
    y: np.ndarray, region: StudyRegion, *, conditional: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Exact two-sided randomisation p-values of Gi* and their direction.

    The null is that the region's counts are arranged at random. By default a cell's
    neighbourhood sum ``L_i`` is then the sum of ``W_i`` counts drawn without replacement
    from all ``n``, the cell's own count among them (the distribution whose mean and
    variance z uses). With ``conditional=True`` the cell keeps its own count and its ``W_i - 1``
    neighbours are drawn from the other ``n - 1`` cells (Anselin 1995): Gi* then tests only
    the neighbours, so a busy hexagon among quiet ones is never hot while its empty
    neighbours can be. The one-sided tails are exact (:func:`geo.stats._randomisation.
    subset_sum_tails`) and folded into ``min(1, 2 min(lower, upper))``. Direction is +1
    (more than chance: hot), -1 (cold) or 0. ``y`` must be counts (whole numbers, 0 or
    more). Every cell gets a p-value; a region whose counts are all equal gets 1 throughout.
    """
    y = _counts(y)
    if y.size == 0:
        return np.ones(0), np.zeros(0, dtype=np.int8)
    lag = np.rint(region.weights @ y)
    card = region.cardinality
    if conditional:
        lower, upper = subset_sum_tails(y, card - 1, lag - y, without=y)
    else:
        lower, upper = subset_sum_tails(y, card, lag)
    return two_sided(lower, upper)


def p_values(
    y: np.ndarray, region: StudyRegion, test: str = "exact"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(z, p, direction)`` of every cell under ``test`` (one of :data:`TESTS`)."""
    check_test(test)
    z, p_normal = gi_star(y, region)
    if test == "normal":
        return z, p_normal, np.sign(np.nan_to_num(z)).astype(np.int8)
    p, direction = gi_star_exact(y, region, conditional=test == "conditional")
    return z, p, direction


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg (1995) adjusted p-values (q-values), as
    ``scipy.stats.false_discovery_control`` computes them (the same steps, so the same
    floats; importing scipy.stats costs 0.4 s of a new process's export); NaN stays NaN and
    is not counted as a test.

    A cell with ``q <= alpha`` is significant with the false discovery rate at ``alpha``.
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.full(p.shape, np.nan)
    valid = ~np.isnan(p)
    if valid.any():
        q[valid] = _bh(p[valid])
    return q


def _bh(ps: np.ndarray) -> np.ndarray:
    """Each p times m over its rank, then the running minimum from the largest, at most 1."""
    m = ps.size
    order = np.argsort(ps)
    adjusted = ps[order] * (m / np.arange(1, m + 1))
    adjusted = np.minimum.accumulate(adjusted[::-1])[::-1]
    out = np.empty(m)
    out[order] = adjusted
    return np.clip(out, 0, 1)


def check_alpha(alpha: float) -> float:
    """A significance level must lie strictly between 0 and 1."""
    if not 0 < alpha < 1:
        raise ValidationError(f"significance level {alpha!r}: expected between 0 and 1")
    return alpha


def check_test(test: str) -> str:
    if test not in TESTS:
        raise ValidationError(f"test {test!r}: expected one of {', '.join(TESTS)}")
    return test


def classify(direction: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``hot_99`` ... ``cold_90`` or ``not_significant`` from a direction and a p- or q-value.

    A cell is hot at the 99% level when ``direction > 0`` and ``p < 0.01``, else at 95% when
    ``p < 0.05``, else at 90% when ``p < 0.10``; cold likewise with ``direction < 0``. The
    direction is the exact test's (the tail its p-value comes from) or, for the normal test,
    the sign of z. NaN is not significant.
    """
    direction = np.asarray(direction, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    out = np.full(direction.shape, NOT_SIGNIFICANT, dtype=object)
    for level, alpha in reversed(LEVELS):
        passed = p < alpha  # NaN compares False
        out[passed & (direction > 0)] = f"hot_{level}"
        out[passed & (direction < 0)] = f"cold_{level}"
    return out


def _counts(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    if y.size and (not np.all(np.isfinite(y)) or y.min() < 0 or np.any(y != np.rint(y))):
        raise ValidationError("hot spots need counts: whole numbers, 0 or more")
    return y
