"""Hot spots: Getis-Ord Gi* over the hexagons of an area, with an honest significance class.

:func:`hotspots` counts the filtered incidents per cell, lays them on the area's study region
(:mod:`geo.grid`: empty cells count 0), and reports for every cell the analytic Gi* z-score and
two-sided p-value, a permutation p-value, the Benjamini-Hochberg adjusted p-value (q) and a
class.

Which p-value drives the class: by default ``q``, the false-discovery-rate adjusted analytic
p-value. A county map at resolution 8 tests thousands of cells at once; at 90% confidence
without adjustment about one cell in ten of a map with no clustering at all would be coloured.
ArcGIS Pro's Hot Spot Analysis applies the same correction when its FDR option is on.
``class_by="p"`` classifies on the unadjusted p-value (ArcGIS's default) and ``"p_sim"`` on
the permutation p-value (folded, one-sided, so compared with half the alpha).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo import gistar
from geo.cells import cells_to_str
from geo.errors import ValidationError
from geo.filters import Filters
from geo.grid import StudyRegion, study_region
from geo.hexes import hex_counts
from geo.store import Store
from geo.themes import ThemeMap

CLASS_BY = ("q", "p", "p_sim")
# Below this many incidents expected in a hexagon's neighbourhood (mean count per hexagon
# times the mean neighbourhood size, about 7) the normal approximation behind gi_p and gi_q
# is poor: a Poisson count is close enough to normal from a mean of about 5 (the usual rule
# of thumb, as for n*p >= 5), and below it a handful of incidents is "significant" far more
# often than its p-value says (docs/statistics.md, "Sparse data").
SPARSE_NEIGHBOURHOOD = 5.0
COLUMNS = ("cell", "cell_hex", "count", "gi_z", "gi_p", "gi_p_sim", "gi_q", "class")


@dataclass(frozen=True)
class HotspotResult:
    """Gi* for every cell of the study region.

    ``cells`` columns:

    - ``cell`` (uint64) and ``cell_hex`` (15-character H3 id);
    - ``count``: filtered incidents in the cell (0 for empty cells of the region);
    - ``gi_z``: the analytic Gi* z-score (NaN where undefined, e.g. no incidents at all);
    - ``gi_p``: its two-sided normal p-value;
    - ``gi_p_sim``: the permutation pseudo p-value (one-sided in the observed direction,
      ``1/(permutations+1)`` at the smallest; NaN when ``permutations`` is 0);
    - ``gi_q``: Benjamini-Hochberg adjusted ``gi_p`` over all the region's cells;
    - ``class``: ``hot_99``, ``hot_95``, ``hot_90``, ``cold_99``, ``cold_95``, ``cold_90`` or
      ``not_significant`` (labels in :data:`geo.gistar.CLASS_LABELS`), from ``class_by``.

    Rows are ordered by ``gi_z`` from hottest to coldest.

    ``mean_count`` is the mean count per region cell and ``expected_neighbourhood`` that times
    the mean neighbourhood size; ``warnings`` (also in ``notes``) says when that is too low
    for the normal approximation (:attr:`sparse`).
    """

    cells: pd.DataFrame
    res: int
    filters: Filters
    permutations: int
    seed: int | None
    class_by: str
    total: int
    notes: tuple[str, ...] = field(default=())
    mean_count: float = float("nan")
    expected_neighbourhood: float = float("nan")
    warnings: tuple[str, ...] = field(default=())

    @property
    def sparse(self) -> bool:
        """Too few incidents per neighbourhood for the normal p-values (see
        :data:`SPARSE_NEIGHBOURHOOD`); the classes are still computed as documented."""
        return bool(self.expected_neighbourhood < SPARSE_NEIGHBOURHOOD)

    def hot(self) -> pd.DataFrame:
        """Cells classed hot at any confidence, hottest first."""
        return self.cells[self.cells["class"].str.startswith("hot_")]

    def counts_by_class(self) -> dict[str, int]:
        counts = self.cells["class"].value_counts()
        return {name: int(counts.get(name, 0)) for name in gistar.CLASS_LABELS}


def find_hotspots(
    store: Store,
    filters: Filters,
    res: int,
    themes: ThemeMap,
    *,
    permutations: int = 999,
    seed: int | None = 0,
    class_by: str = "q",
) -> HotspotResult:
    """Gi* hot and cold spots of the filtered incidents at ``res`` over the filters' area."""
    if class_by not in CLASS_BY:
        raise ValidationError(f"class_by {class_by!r}: expected one of {', '.join(CLASS_BY)}")
    if permutations < 0:
        raise ValidationError("permutations must be 0 (analytic only) or more")
    region = study_region(store, *filters.area, res)
    counts = hex_counts(store, filters, res, themes)
    y = region.align(counts["cell"].to_numpy(), counts["count"].to_numpy())
    frame = gi_star_frame(y, region, permutations=permutations, seed=seed, class_by=class_by)
    mean, expected = _density(y, region)
    warnings = _sparse_warning(mean, expected, res)
    return HotspotResult(
        cells=frame,
        res=res,
        filters=filters,
        permutations=permutations,
        seed=seed,
        class_by=class_by,
        total=int(y.sum()),
        notes=region.notes + _notes(y, region) + warnings,
        mean_count=mean,
        expected_neighbourhood=expected,
        warnings=warnings,
    )


def gi_star_frame(
    y: np.ndarray,
    region: StudyRegion,
    *,
    permutations: int = 999,
    seed: int | None = 0,
    class_by: str = "q",
) -> pd.DataFrame:
    """The statistics of :class:`HotspotResult` for counts ``y`` aligned with ``region``."""
    z, p = gistar.gi_star(y, region)
    rng = np.random.default_rng(seed)
    p_sim = gistar.gi_star_p_sim(y, region, permutations, rng)
    q = gistar.benjamini_hochberg(p)
    # p_sim is one-sided: the two-sided levels 0.10/0.05/0.01 correspond to half of them.
    driver = {"q": q, "p": p, "p_sim": 2.0 * p_sim}[class_by]
    frame = pd.DataFrame(
        {
            "cell": region.cells,
            "cell_hex": cells_to_str(region.cells),
            "count": y.astype(np.int64),
            "gi_z": z,
            "gi_p": p,
            "gi_p_sim": p_sim,
            "gi_q": q,
            "class": gistar.classify(z, driver),
        }
    )
    order = np.lexsort((frame["cell"].to_numpy(), -np.nan_to_num(z, nan=-np.inf)))
    return frame.iloc[order].reset_index(drop=True)


def _notes(y: np.ndarray, region: StudyRegion) -> tuple[str, ...]:
    if region.n == 0:
        return ("the study region is empty: no boundary and no incidents in this area",)
    if y.sum() == 0:
        return ("no incidents match these filters, so there is nothing to cluster",)
    if np.count_nonzero(y) < 10:
        return (
            f"only {np.count_nonzero(y)} cells hold any incident: too few for Gi* to say "
            "much; widen the period or the categories",
        )
    return ()


def _density(y: np.ndarray, region: StudyRegion) -> tuple[float, float]:
    if region.n == 0:
        return float("nan"), float("nan")
    mean = float(y.mean())
    return mean, mean * float(region.cardinality.mean())


def _sparse_warning(mean: float, expected: float, res: int) -> tuple[str, ...]:
    if not mean > 0 or expected >= SPARSE_NEIGHBOURHOOD:
        return ()  # nothing at all is said by _notes
    return (
        f"sparse data: {mean:.2f} incidents per hexagon on average, about {expected:.1f} in "
        f"a hexagon's neighbourhood (below {SPARSE_NEIGHBOURHOOD:.0f}), so the normal "
        "approximation behind gi_p and gi_q is poor and a few incidents look more significant "
        f"than they are; prefer a resolution coarser than {res}, a longer period, or the "
        "permutation p-value (class by p_sim)",
    )
