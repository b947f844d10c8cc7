"""The study region of a hotspot statistic and who neighbours whom in it.

The region is :func:`geo.grid.area_cells`: every cell that overlaps the chosen area's
boundary. It depends only on the loaded boundaries, so no result for one filter changes when
other months, categories or sources are loaded, and a region never tells whether a record
sits in an edge hexagon. Without a boundary there is no region (and no statistic). Cells of
the region with no incident count 0, so quiet places take part in the statistic instead of
vanishing from it. The counts a statistic lays on the region are those of the incidents
placed in the area (:meth:`geo.filters.Filters.where`): at county level, incidents outside
every district stay out, as they stay out of the area totals. Two cells are
neighbours when they are one grid step apart (the H3 grid disk of radius 1) and both lie in the
region; a cell is its own neighbour (Gi*). Cells outside the region are never neighbours: the
statistic does not reach past the area's edge.

A region is built once per store version, area and resolution and then kept (the dashboard
asks for the same one again and again); the cache is keyed by the store's data version, so a
new load is never answered from an old region.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from itertools import chain

import h3.api.basic_int as h3i
import numpy as np
from scipy import sparse

from geo.grid._area_cells import area_cells, area_geometry
from geo.grid._cells import check_res
from geo.store import Store

_CACHE_SIZE = 16
_cache: OrderedDict[tuple, StudyRegion] = OrderedDict()
_cache_lock = threading.Lock()


@dataclass(frozen=True, eq=False)
class StudyRegion:
    """Cells (sorted ``uint64``) and their radius-1 neighbourhoods (self included) as CSR."""

    res: int
    level: str
    code: str | None
    cells: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    notes: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return int(self.cells.shape[0])

    @property
    def cardinality(self) -> np.ndarray:
        """Neighbours of each cell in the region, the cell itself included."""
        return np.diff(self.indptr)

    @property
    def weights(self) -> sparse.csr_array:
        """Binary weights with ones on the diagonal (Getis-Ord's Gi*)."""
        data = np.ones(self.indices.shape[0], dtype=np.float64)
        return sparse.csr_array((data, self.indices, self.indptr), shape=(self.n, self.n))

    def align(self, cells: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Counts per region cell (``float64``, 0 where ``cells`` has none).

        Cells outside the region are ignored; they cannot occur when the counts are those of
        incidents placed in the area (:meth:`geo.filters.Filters.where`), whose hexagons
        contain their points and so overlap the area.
        """
        out = np.zeros(self.n, dtype=np.float64)
        cells = np.asarray(cells, dtype=np.uint64)
        if self.n == 0 or cells.size == 0:
            return out
        pos = np.clip(np.searchsorted(self.cells, cells), 0, self.n - 1)
        inside = self.cells[pos] == cells
        np.add.at(out, pos[inside], np.asarray(counts, dtype=np.float64)[inside])
        return out

    def ring_matrix(self, distance: int) -> sparse.csr_array:
        """Binary matrix of pairs exactly ``distance`` grid steps apart, both in the region."""
        if distance == 0:
            return sparse.eye_array(self.n, format="csr")
        return _link(self.cells, lambda c: h3i.grid_ring(c, distance))


def study_region(store: Store, level: str, code: str | None, res: int) -> StudyRegion:
    """The region of ``level``/``code`` at ``res`` (cached per store version)."""
    check_res(res)
    key = (str(store.path), store.data_version(), level, code, res)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    region = _build(store, level, code, res)
    with _cache_lock:
        _cache[key] = region
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return region


def region_from_cells(cells: np.ndarray, res: int, notes: tuple[str, ...] = ()) -> StudyRegion:
    """A region over any set of cells at ``res`` (used by tests and by callers with a grid)."""
    cells = np.unique(np.asarray(cells, dtype=np.uint64))
    links = _link(cells, lambda c: h3i.grid_disk(c, 1))
    links.sort_indices()
    return StudyRegion(
        res=res,
        level="cells",
        code=None,
        cells=cells,
        indptr=links.indptr.astype(np.int64),
        indices=links.indices.astype(np.int64),
        notes=notes,
    )


def _build(store: Store, level: str, code: str | None, res: int) -> StudyRegion:
    with store.reading() as con:
        cells = area_cells(con, level, code, res)
        has_boundary = area_geometry(con, level, code) is not None
    notes = () if has_boundary else (_NO_BOUNDARY.format(area=_area_name(level, code)),)
    region = region_from_cells(cells, res, notes)
    return StudyRegion(
        res=res,
        level=level,
        code=code,
        cells=region.cells,
        indptr=region.indptr,
        indices=region.indices,
        notes=notes,
    )


_NO_BOUNDARY = (
    "no boundary is loaded for {area}: the study region is the hexagons of the area's "
    "boundary, so there is none to analyse (load the boundaries: socmap boundaries load)"
)


def _area_name(level: str, code: str | None) -> str:
    return "the county" if level == "county" else f"{level} {code}"


def _link(cells: np.ndarray, around) -> sparse.csr_array:
    """Binary CSR linking each cell to the cells ``around(cell)`` returns that are in ``cells``.

    h3-py has no array API, so the neighbourhoods come from one loop; matching them back to
    row numbers is a vectorised binary search.
    """
    n = cells.shape[0]
    if n == 0:
        return sparse.csr_array((0, 0), dtype=np.float64)
    found = [around(c) for c in cells.tolist()]
    lengths = np.fromiter((len(f) for f in found), dtype=np.int64, count=n)
    flat = np.fromiter(chain.from_iterable(found), dtype=np.uint64, count=int(lengths.sum()))
    rows = np.repeat(np.arange(n), lengths)
    pos = np.clip(np.searchsorted(cells, flat), 0, n - 1)
    inside = cells[pos] == flat
    data = np.ones(int(inside.sum()), dtype=np.float64)
    return sparse.csr_array((data, (rows[inside], pos[inside])), shape=(n, n))
