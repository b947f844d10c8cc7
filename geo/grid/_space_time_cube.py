"""The space-time cube: filtered incidents per study-region cell and per loaded month."""

from __future__ import annotations

from datetime import date

import numpy as np

from geo.filters import Filters, add_months, month_str, months_between
from geo.grid._regions import StudyRegion
from geo.store import Store
from geo.store.queries.counts import cell_month_counts
from geo.store.queries.coverage import months_loaded
from geo.themes import ThemeMap


def cube_months(store: Store, filters: Filters) -> tuple[list[date], tuple[str, ...]]:
    """The months of the filters' period (all loaded months when it is open) that hold data.

    A month with no data loaded at all is a gap, not a month without crime: it is left out,
    and the second value says so in a note.
    """
    loaded = months_loaded(store)
    if not loaded:
        return [], ("the store holds no incidents",)
    first = filters.month_from or loaded[0]
    last = filters.month_to or loaded[-1]
    wanted = [add_months(first, i) for i in range(months_between(first, last))]
    have = set(loaded)
    gaps = [m for m in wanted if m not in have]
    notes: tuple[str, ...] = ()
    if gaps:
        notes = (
            "no data is loaded for " + ", ".join(month_str(m) for m in gaps) + ": those "
            "months are left out rather than read as months without crime",
        )
    return [m for m in wanted if m in have], notes


def monthly_cube(
    store: Store,
    filters: Filters,
    res: int,
    themes: ThemeMap,
    *,
    region: StudyRegion,
    months: list[date],
) -> np.ndarray:
    """Counts (``float64``), rows in ``region.cells`` order, one column per month."""
    cube = np.zeros((region.n, len(months)))
    if not months:
        return cube
    table = cell_month_counts(store, filters.with_period(months[0], months[-1]), res, themes)
    column = {m: i for i, m in enumerate(months)}
    month_index = np.array([column.get(m, -1) for m in table["month"].to_pylist()], dtype=int)
    cells = table["cell"].to_numpy()
    counts = table["count"].to_numpy()
    for i in range(len(months)):
        rows = month_index == i
        cube[:, i] = region.align(cells[rows], counts[rows])
    return cube
