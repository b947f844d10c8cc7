"""Emerging hot spots: how each cell's hot or cold status has changed month by month.

The method is ArcGIS Pro's Emerging Hot Spot Analysis ("How Emerging Hot Spot Analysis
works"), on the hexagon grid:

1. A space-time cube: filtered incidents placed in the area, per cell of the study region and
   per month (empty cells count 0). Months with no data loaded at all are gaps, not zeros:
   they are left out, and the result says which.
2. Gi* for every bin (cell and month) with a space-time neighbourhood (:mod:`geo.stats._spacetime`):
   the cell's neighbourhood in the same month and in the ``steps_back`` months before it
   (ArcGIS's "neighborhood time step", default 1). Each bin's z-score is measured against the
   whole cube by default (ArcGIS's "entire cube" global window), so a place whose counts hold
   steady keeps a steady z-score when another place heats up; ``global_window="month"``
   measures each month against the months its neighbourhood reaches. A bin is a *significant
   hot spot* when its exact randomisation p-value, adjusted by Benjamini-Hochberg over every
   bin of the cube, is below ``alpha`` (default 0.10: ArcGIS's hot spot bins at 90%
   confidence or more) on the hot side, a *significant cold spot* on the cold side. The same
   exact test as the hot spot map's, so the classes keep their false discovery rate on sparse
   counts; ``test="normal"`` (z's normal p-value, ArcGIS's) is kept for comparison only.
3. The Mann-Kendall test (:mod:`geo.stats._mann_kendall`) on each cell's series of z-scores: the
   clustering is *intensifying* when the trend is significant (``p < trend_alpha``, default
   0.05) and positive, *diminishing* when significant and negative. The same test on the
   counts is reported too, with Sen's slope (incidents per month). A month where z is
   undefined (no incidents at all) takes z = 0 for the trend.
4. Each cell's category, from the rules in :func:`classify_series`.

ArcGIS requires at least ten time steps; with fewer the result carries a warning (in its
notes, so on the map, in exports and on the command line's standard error).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from geo.filters import Filters
from geo.grid import StudyRegion, cells_to_str, cube_months, monthly_cube, study_region
from geo.stats import _gistar as gistar
from geo.stats._mann_kendall import mann_kendall
from geo.stats._spacetime import check_steps_back, cube_gi
from geo.store import Store, ThinMonth, read_coverage, source_name
from geo.themes import ThemeMap

PATTERNS = (
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "sporadic",
    "oscillating",
    "historical",
)
NO_PATTERN = "no_pattern"
CATEGORIES = (
    *(f"{p}_hot" for p in PATTERNS),
    *(f"{p}_cold" for p in PATTERNS),
    NO_PATTERN,
)
CATEGORY_LABELS = {
    **{f"{p}_hot": f"{p.capitalize()} hot spot" for p in PATTERNS},
    **{f"{p}_cold": f"{p.capitalize()} cold spot" for p in PATTERNS},
    NO_PATTERN: "No pattern detected",
}
MIN_MONTHS = 10


@dataclass(frozen=True)
class EmergingResult:
    """Emerging hot spot categories for every cell of the study region.

    ``cells`` columns: ``cell`` (uint64), ``cell_hex``, ``count`` (incidents over the whole
    cube), ``category`` (one of :data:`CATEGORIES`; labels in :data:`CATEGORY_LABELS`),
    ``hot_months`` and ``cold_months`` (significant months), ``final_z`` (Gi* z in the last
    month), ``trend_tau``, ``trend_z``, ``trend_p`` (Mann-Kendall of the monthly z-scores),
    ``count_trend_z``, ``count_trend_p`` (Mann-Kendall of the monthly counts) and
    ``count_slope`` (Sen's slope of the counts, incidents per month). Rows follow the order
    of :data:`CATEGORIES`, then the strongest trend first.

    ``gi_z`` is the cube of monthly z-scores, rows in ``region_cells`` order (sorted cells),
    columns in ``months`` order. The analysis is deterministic: it takes no seed.
    ``warnings`` (also in ``notes``) are what may mislead a reader, such as too few months.
    """

    cells: pd.DataFrame
    months: tuple[date, ...]
    region_cells: np.ndarray
    gi_z: np.ndarray
    res: int
    filters: Filters
    alpha: float
    trend_alpha: float
    global_window: str = "cube"
    steps_back: int = 1
    test: str = "exact"
    notes: tuple[str, ...] = field(default=())
    warnings: tuple[str, ...] = field(default=())

    def counts_by_category(self) -> dict[str, int]:
        counts = self.cells["category"].value_counts()
        return {name: int(counts.get(name, 0)) for name in CATEGORIES}


def emerging_hotspots(
    store: Store,
    filters: Filters,
    res: int,
    themes: ThemeMap,
    *,
    alpha: float = 0.10,
    trend_alpha: float = 0.05,
    global_window: str = "cube",
    steps_back: int = 1,
    test: str = "exact",
) -> EmergingResult:
    """Emerging hot spot analysis of the filtered incidents over the filters' area and period
    (all loaded months when the filters give no period)."""
    gistar.check_alpha(alpha)
    gistar.check_alpha(trend_alpha)
    check_steps_back(steps_back)
    gistar.check_test(test)
    region = study_region(store, *filters.area, res)
    months, notes = cube_months(store, filters)
    counts = monthly_cube(store, filters, res, themes, region=region, months=months)
    frame, z = emerging_from_cube(
        counts,
        region,
        alpha=alpha,
        trend_alpha=trend_alpha,
        global_window=global_window,
        steps_back=steps_back,
        test=test,
    )
    warnings = few_months_warning(len(months)) + thin_cube_warning(
        _thin_in_cube(store, filters, themes, months)
    )
    return EmergingResult(
        cells=frame,
        months=tuple(months),
        region_cells=region.cells,
        gi_z=z,
        res=res,
        filters=filters,
        alpha=alpha,
        trend_alpha=trend_alpha,
        global_window=global_window,
        steps_back=steps_back,
        test=test,
        notes=region.notes + notes + warnings,
        warnings=warnings,
    )


def _thin_in_cube(
    store: Store, filters: Filters, themes: ThemeMap, months: list[date]
) -> tuple[ThinMonth, ...]:
    if not months:
        return ()
    coverage = read_coverage(store)
    span = replace(filters, month_from=months[0], month_to=months[-1])
    return coverage.thin_in([coverage.period(span, themes)])


def thin_cube_warning(thin: tuple[ThinMonth, ...]) -> tuple[str, ...]:
    """The warning for a cube holding thin months (geo/store/_coverage.py): a month short of
    records reads colder everywhere, so the patterns that rest on a cold step may be the
    data rather than crime."""
    if not thin:
        return ()
    ordered = sorted({(t.month, t.source) for t in thin})
    names = [f"{m:%B %Y} ({source_name(s)})" for m, s in ordered]
    months = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    verb = "is a thin month" if len(names) == 1 else "are thin months"
    it = "it" if len(names) == 1 else "them"
    return (
        f"{months} {verb} (far fewer records than the source's reference month, as months "
        f"often are when first published): every hexagon reads colder in {it} than it was, "
        "so cold spots, new, consecutive and sporadic cold spots and diminishing hot spots "
        f"that rest on {it} may be the data rather than crime",
    )


def few_months_warning(months: int, unit: str = "months") -> tuple[str, ...]:
    """The warning for a cube of fewer than :data:`MIN_MONTHS` time steps (empty otherwise);
    ``unit`` names the steps (plural: "months", "quarters")."""
    if months >= MIN_MONTHS:
        return ()
    if months == 1:
        unit = unit.removesuffix("s")  # "only 1 month", not "only 1 months"
    return (
        f"only {months} {unit}: ArcGIS Pro's Emerging Hot Spot Analysis requires at least "
        f"{MIN_MONTHS} time steps, and with fewer these patterns are weak evidence (a "
        "'persistent' or 'new' hot spot may be chance); load more months or read them as "
        "a sketch",
    )


def emerging_from_cube(
    counts: np.ndarray,
    region: StudyRegion,
    *,
    alpha: float = 0.10,
    trend_alpha: float = 0.05,
    global_window: str = "cube",
    steps_back: int = 1,
    test: str = "exact",
) -> tuple[pd.DataFrame, np.ndarray]:
    """The categories for a cube of counts (region cells x months, in time order).

    Returns the ``cells`` frame of :class:`EmergingResult` and the z-score cube.
    """
    counts = np.asarray(counts, dtype=np.float64)
    z, hot, cold = _significant_bins(counts, region, alpha, global_window, steps_back, test)
    trend = mann_kendall(np.nan_to_num(z, nan=0.0))
    count_trend = mann_kendall(counts)
    category = classify_series(hot, cold, trend.z, trend.p, trend_alpha)
    frame = pd.DataFrame(
        {
            "cell": region.cells,
            "cell_hex": cells_to_str(region.cells),
            "count": counts.sum(axis=1).astype(np.int64),
            "category": category,
            "hot_months": hot.sum(axis=1),
            "cold_months": cold.sum(axis=1),
            "final_z": z[:, -1] if z.shape[1] else np.full(region.n, np.nan),
            "trend_tau": trend.tau,
            "trend_z": trend.z,
            "trend_p": trend.p,
            "count_trend_z": count_trend.z,
            "count_trend_p": count_trend.p,
            "count_slope": count_trend.slope,
        }
    )
    rank = pd.Categorical(frame["category"], categories=CATEGORIES, ordered=True).codes
    order = np.lexsort((-np.abs(trend.z), rank))
    return frame.iloc[order].reset_index(drop=True), z


def classify_series(
    hot: np.ndarray,
    cold: np.ndarray,
    trend_z: np.ndarray,
    trend_p: np.ndarray,
    trend_alpha: float = 0.05,
) -> np.ndarray:
    """Each cell's category from its significant months (cells x months booleans, in time
    order) and the Mann-Kendall trend of its z-scores.

    With ``T`` months, ``H`` the months the cell was a significant hot spot, "final" the last
    month, and "mostly hot" meaning ``H >= 0.9 T``, the rules (ArcGIS Pro's definitions, made
    exact) are, for hot spots:

    - *intensifying*: mostly hot, hot in the final month, and a significant upward trend;
    - *persistent*: mostly hot, hot in the final month, and no significant trend;
    - *diminishing*: mostly hot, hot in the final month, and a significant downward trend;
    - *new*: hot in the final month and in no other;
    - *consecutive*: not mostly hot, and hot in an unbroken run of at least two months that
      ends in the final month, never hot before that run;
    - *oscillating*: hot in the final month, not mostly hot, not new or consecutive, and a
      significant cold spot in some earlier month;
    - *sporadic*: hot in the final month, not mostly hot, not new or consecutive, and never a
      significant cold spot;
    - *historical*: mostly hot but not hot in the final month.

    Cold spots mirror these with hot and cold swapped and the trend's sign reversed
    (intensifying cold: z falling significantly). ArcGIS's definitions overlap in a few corner
    cases; they are settled in this order: a pattern ending in the final month (hot first,
    then cold) wins over a historical one; then *no pattern*.
    """
    hot = np.asarray(hot, dtype=bool)
    cold = np.asarray(cold, dtype=bool)
    up = (np.asarray(trend_p) < trend_alpha) & (np.asarray(trend_z) > 0)
    down = (np.asarray(trend_p) < trend_alpha) & (np.asarray(trend_z) < 0)
    out = np.full(hot.shape[0], NO_PATTERN, dtype=object)
    if hot.shape[1] == 0:
        return out
    # Assign the lowest priority first, so a later, stronger rule overwrites it.
    for kind, same, other, rising, falling in (
        ("cold", cold, hot, down, up),
        ("hot", hot, cold, up, down),
    ):
        for pattern, match in _final_patterns(same, other, rising, falling).items():
            out[match] = f"{pattern}_{kind}"
    historical_free = out == NO_PATTERN
    for kind, same in (("cold", cold), ("hot", hot)):
        out[historical_free & _mostly(same) & ~same[:, -1]] = f"historical_{kind}"
    return out


def _final_patterns(
    same: np.ndarray, other: np.ndarray, rising: np.ndarray, falling: np.ndarray
) -> dict[str, np.ndarray]:
    """Patterns of cells significant (``same``) in the final month, from weakest to strongest
    claim; later entries overwrite earlier ones (they are exclusive anyway)."""
    final = same[:, -1]
    mostly = _mostly(same)
    count = same.sum(axis=1)
    run = _final_run(same)
    new = final & (count == 1) & ~mostly
    consecutive = final & ~mostly & (run >= 2) & (run == count)
    recurring = final & ~mostly & ~new & ~consecutive
    return {
        "sporadic": recurring & ~other.any(axis=1),
        "oscillating": recurring & other.any(axis=1),
        "new": new,
        "consecutive": consecutive,
        "persistent": final & mostly & ~rising & ~falling,
        "intensifying": final & mostly & rising,
        "diminishing": final & mostly & falling,
    }


def _mostly(flags: np.ndarray) -> np.ndarray:
    # 90% of the months, in integers so 0.9 * T has no rounding error.
    return 10 * flags.sum(axis=1) >= 9 * flags.shape[1]


def _final_run(flags: np.ndarray) -> np.ndarray:
    """Length of the run of True that ends in the last column."""
    reversed_flags = flags[:, ::-1]
    first_false = np.argmin(reversed_flags, axis=1)
    return np.where(reversed_flags.all(axis=1), flags.shape[1], first_false)


def _significant_bins(
    counts: np.ndarray,
    region: StudyRegion,
    alpha: float,
    global_window: str,
    steps_back: int,
    test: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """z per bin, and which bins are significant hot and cold spots: Benjamini-Hochberg over
    every bin of the cube (one family, whichever the global window)."""
    z, p, direction = cube_gi(
        counts, region, steps_back=steps_back, window=global_window, test=test
    )
    q = gistar.benjamini_hochberg(p.ravel()).reshape(p.shape)
    significant = q < alpha  # NaN compares False
    return z, significant & (direction > 0), significant & (direction < 0)
