"""Hot spots: Getis-Ord Gi* over the hexagons of an area, with calibrated classes.

:func:`find_hotspots` counts the filtered incidents placed in the area per cell, lays them on
the area's study region (:mod:`geo.grid`: every hexagon overlapping the boundary; empty cells
count 0), and reports for every cell the Gi* z-score (a descriptive score), a two-sided
p-value, its Benjamini-Hochberg adjusted value (q) and a class.

The p-value is by default the exact randomisation one (:func:`geo.stats.gi_star_exact`):
if the counts were arranged over the region at random, how often would the hexagon and its
neighbours hold as many? It is valid however sparse or skewed the counts. The class comes from
q: a county map at resolution 8 tests about 6,000 cells at once, so the classes control the
false discovery rate across the map. ``test="conditional"`` keeps each cell's own count fixed
(esda's and GeoDa's conditional randomisation: it marks the quiet neighbours of a busy
hexagon, not the hexagon). ``test="normal"`` takes the p-value from z's normal approximation
(ArcGIS Pro's and esda's analytic p), kept only for comparison: on sparse counts it calls tens
of times more hot spots than it should (docs/statistics.md). ``class_by="p"`` classifies on
the unadjusted p-value (ArcGIS's default, no FDR).

:func:`gi_star_frame` is the pure part: counts aligned to a region in, the table out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.errors import ValidationError
from geo.filters import Filters
from geo.grid import StudyRegion, cells_to_str, study_region
from geo.stats import _gistar as gistar
from geo.store import Store
from geo.store.queries.counts import hex_counts
from geo.themes import ThemeMap

CLASS_BY = ("q", "p")
# Below this many incidents expected in a hexagon's neighbourhood (mean count per hexagon
# times the mean neighbourhood size, about 7) the data are sparse: the normal approximation
# is poor (a Poisson count is close enough to normal from a mean of about 5), and the exact
# test, though calibrated, can find only clusters of several busy hexagons.
SPARSE_NEIGHBOURHOOD = 5.0
COLUMNS = ("cell", "cell_hex", "count", "gi_z", "gi_p", "gi_q", "class")


@dataclass(frozen=True)
class HotspotResult:
    """Gi* for every cell of the study region.

    ``cells`` columns:

    - ``cell`` (uint64) and ``cell_hex`` (15-character H3 id);
    - ``count``: filtered incidents placed in the area, in the cell (0 for empty cells);
    - ``gi_z``: the analytic Gi* z-score, a descriptive score (NaN where undefined, e.g. no
      incidents at all);
    - ``gi_p``: the two-sided p-value of ``test`` (exact randomisation, its conditional
      version, or z's normal approximation);
    - ``gi_q``: Benjamini-Hochberg adjusted ``gi_p`` over all the region's cells;
    - ``class``: ``hot_99``, ``hot_95``, ``hot_90``, ``cold_99``, ``cold_95``, ``cold_90`` or
      ``not_significant`` (labels in :data:`geo.stats.CLASS_LABELS`), from ``class_by``.

    Rows are ordered by ``gi_z`` from hottest to coldest.

    ``mean_count`` is the mean count per region cell and ``expected_neighbourhood`` that times
    the mean neighbourhood size; ``warnings`` (also in ``notes``) says what sparse data means
    for the classes (:attr:`sparse`).
    """

    cells: pd.DataFrame
    res: int
    filters: Filters
    test: str
    class_by: str
    total: int
    notes: tuple[str, ...] = field(default=())
    mean_count: float = float("nan")
    expected_neighbourhood: float = float("nan")
    warnings: tuple[str, ...] = field(default=())
    figures: tuple[str, ...] = field(default=())

    @property
    def public_notes(self) -> tuple[str, ...]:
        """The notes without those quoting exact counts (``figures``: the busiest hexagon's
        count, how many hexagons hold any incident, the mean per hexagon), which a Part 1
        reader must not see."""
        return tuple(n for n in self.notes if n not in self.figures)

    @property
    def sparse(self) -> bool:
        """Few incidents per neighbourhood (see :data:`SPARSE_NEIGHBOURHOOD`)."""
        return bool(self.expected_neighbourhood < SPARSE_NEIGHBOURHOOD)

    def hot(self) -> pd.DataFrame:
        """Cells classed hot at any level, hottest first."""
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
    test: str = "exact",
    class_by: str = "q",
) -> HotspotResult:
    """Gi* hot and cold spots of the filtered incidents at ``res`` over the filters' area."""
    _check(test, class_by)
    region = study_region(store, *filters.area, res)
    counts = hex_counts(store, filters, res, themes)
    y = region.align(counts["cell"].to_numpy(), counts["count"].to_numpy())
    frame = gi_star_frame(y, region, test=test, class_by=class_by)
    mean, expected = _density(y, region)
    warnings = _sparse_warning(mean, expected, res, test)
    ceiling = _ceiling_note(y, region, frame, test)
    return HotspotResult(
        cells=frame,
        res=res,
        filters=filters,
        test=test,
        class_by=class_by,
        total=int(y.sum()),
        notes=region.notes + _notes(y, region) + ceiling + warnings,
        mean_count=mean,
        expected_neighbourhood=expected,
        warnings=warnings,
        figures=_figures(y) + ceiling + warnings,
    )


def gi_star_frame(
    y: np.ndarray,
    region: StudyRegion,
    *,
    test: str = "exact",
    class_by: str = "q",
) -> pd.DataFrame:
    """The table of :class:`HotspotResult` for counts ``y`` aligned with ``region``.

    Pure: ``y`` (whole numbers, one per region cell, in ``region.cells`` order) and the region
    decide everything; nothing is random and nothing reads the store.
    """
    _check(test, class_by)
    z, p, direction = gistar.p_values(y, region, test)
    q = gistar.benjamini_hochberg(p)
    frame = pd.DataFrame(
        {
            "cell": region.cells,
            "cell_hex": cells_to_str(region.cells),
            "count": np.asarray(y).astype(np.int64),
            "gi_z": z,
            "gi_p": p,
            "gi_q": q,
            "class": gistar.classify(direction, q if class_by == "q" else p),
        }
    )
    order = np.lexsort((frame["cell"].to_numpy(), -np.nan_to_num(z, nan=-np.inf)))
    return frame.iloc[order].reset_index(drop=True)


def _check(test: str, class_by: str) -> None:
    gistar.check_test(test)
    if class_by not in CLASS_BY:
        raise ValidationError(f"class_by {class_by!r}: expected one of {', '.join(CLASS_BY)}")


def _figures(y: np.ndarray) -> tuple[str, ...]:
    """The note of :func:`_notes` that quotes a count (how many hexagons hold incidents)."""
    few = np.count_nonzero(y)
    return _notes(y, None) if 0 < few < 10 else ()


def _notes(y: np.ndarray, region: StudyRegion | None) -> tuple[str, ...]:
    if region is not None and region.n == 0:
        return ("the study region is empty: no boundary is loaded for this area",)
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


def _sparse_warning(mean: float, expected: float, res: int, test: str) -> tuple[str, ...]:
    """The normal approximation is poor on sparse counts: say so when it is the test used."""
    if test != "normal" or not mean > 0 or expected >= SPARSE_NEIGHBOURHOOD:
        return ()  # nothing at all is said by _notes
    return (
        f"sparse data: {mean:.2f} incidents per hexagon on average, about {expected:.1f} in "
        f"a hexagon's neighbourhood (below {SPARSE_NEIGHBOURHOOD:.0f}), so the normal "
        "approximation behind gi_p and gi_q is poor and a few incidents look far more "
        f"significant than they are; use the exact test (the default), a resolution coarser "
        f"than {res} or a longer period",
    )


def _ceiling_note(
    y: np.ndarray, region: StudyRegion, frame: pd.DataFrame, test: str
) -> tuple[str, ...]:
    """What the randomisation test cannot find on this map, when that binds.

    A random arrangement of the counts puts the busiest hexagon (``M`` incidents) in some
    neighbourhood, so a neighbourhood holding ``M`` or fewer has p at least ``2 W / n`` (``W``
    cells drawn of ``n``; ``W - 1`` of ``n - 1`` when the cell's own count is fixed), and
    Benjamini-Hochberg at 10% accepts that only when about ``2 W / 0.10`` hexagons are as
    extreme. Said when no marked hexagon's neighbourhood holds ``M`` or fewer.
    """
    if test == "normal" or region.n < 2 or not y.max() > 0:
        return ()
    busiest = int(y.max())
    lag = pd.Series(region.weights @ y, index=region.cells)
    marked = frame.loc[frame["class"] != gistar.NOT_SIGNIFICANT, "cell"].to_numpy()
    if np.any(lag.loc[marked].to_numpy() <= busiest):
        return ()
    fixed = 1 if test == "conditional" else 0
    w = int(region.cardinality.max()) - fixed
    floor = min(1.0, 2.0 * w / (region.n - fixed))
    needed = int(np.ceil(2.0 * w / gistar.LEVELS[-1][1]))
    accepts = (
        f"accepts only when about {needed} are as extreme"
        if needed < region.n
        else "can never accept"
    )
    return (
        f"the busiest hexagon holds {busiest} incidents, and a random arrangement of the "
        f"counts would put it in some hexagon's neighbourhood: so a neighbourhood holding "
        f"{busiest} or fewer has p = {floor:.4f} at best, which the adjustment across "
        f"{region.n} hexagons {accepts}. On this map "
        f"only neighbourhoods holding more than {busiest} incidents are marked; 'not "
        "significant' does not mean 'no crime here'",
    )
