"""H3 cells: each point's cell at every resolution from 5 to 10, and cell ids.

H3 cells do not nest: a resolution-10 cell's parent (its index with the finer digits cleared)
is a hexagon that only roughly covers its seven children, and 6-7.5% of a month's police.uk
points lie outside the parent of their own resolution-10 cell. So every incident stores the
cell its point lies in at *each* resolution from :data:`MIN_RES` to :data:`FINE_RES`, computed
by h3 from its stored coordinates at load (:func:`incidents_to_cell_columns`), one unsigned
64-bit column per resolution (:func:`cell_column`), and every count groups on the column of
its resolution. (socmap used to count bit-arithmetic parents of the resolution-10 cell; that
code is gone, so nothing can count that way again.)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import h3
import h3.api.basic_int as h3i
import numpy as np

MIN_RES = 5
FINE_RES = 10
RESOLUTIONS = tuple(range(MIN_RES, FINE_RES + 1))
_RES_SHIFT = 52


def cell_column(res: int) -> str:
    """The incidents column holding each point's cell at ``res`` (an identifier from a fixed
    list: ``cell`` at :data:`FINE_RES`, as stores have always had it, else ``cell_<res>``)."""
    check_res(res)
    return "cell" if res == FINE_RES else f"cell_{res}"


def incidents_to_cells(lat: np.ndarray, lon: np.ndarray, res: int = FINE_RES) -> np.ndarray:
    """H3 cells (uint64) at ``res`` for WGS84 points; 0 where either coordinate is missing."""
    check_res(res)
    return incidents_to_cell_columns(lat, lon, resolutions=(res,))[0]


def incidents_to_cell_columns(
    lat: np.ndarray, lon: np.ndarray, *, resolutions: tuple[int, ...] = RESOLUTIONS
) -> np.ndarray:
    """Each point's H3 cell at each resolution: shape ``(len(resolutions), n)``, uint64, 0
    where either coordinate is missing or not finite.

    The cells are h3-py's own (the H3 C library's ``latLngToCell``), so they are exactly what
    ``h3.latlng_to_cell(lat, lng, res)`` gives. The vectorised libraries measured (h3ronpy,
    polars-h3: both on the Rust port h3o) were at most a third faster than this loop on this
    machine, and round differently within a few ulps of a cell edge and about 1e-12 degrees
    of a vertex, so they would not always agree (``benchmarks/h3_vector_bench.py``). The
    loop is ``map`` over h3-py's compiled function (no Python frame per point), once per
    distinct point: police.uk snaps every crime to one of a fixed set of anonymous map
    points, and a month of Kent holds about a quarter as many points as rows.
    """
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    out = np.zeros((len(resolutions), lat.shape[0]), dtype=np.uint64)
    ok = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    if ok.size == 0:
        return out
    at, first = _distinct_points(lat[ok], lon[ok])
    lats, lons = lat[ok][first].tolist(), lon[ok][first].tolist()
    n = len(lats)
    for row, res in enumerate(resolutions):
        check_res(res)
        cells = np.fromiter(map(_to_cell, lats, lons, itertools.repeat(res, n)), np.uint64, n)
        out[row, ok] = cells[at]
    return out


_SAMPLE = 20_000  # points looked at to tell whether finding the distinct ones pays

# h3-py's compiled latlng_to_cell, under its public wrapper (which only passes the integer
# through): a third faster in a loop, and the same function (tests/unit/test_cells.py compares
# every point with the public API). Falls back to the wrapper if a release moves it.
_to_cell = getattr(getattr(h3, "_cy", None), "latlng_to_cell", h3i.latlng_to_cell)


def _distinct_points(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(at, first)``: each point's index among the distinct points, and one row of each.

    Points are grouped by a 64-bit key of their exact bits, and the grouping is checked
    point by point (two points sharing a key would make every row stand for itself). Where
    a sample shows the points hardly repeat, every row stands for itself at once.
    """
    every = np.arange(len(lat))
    sample = np.linspace(0, len(lat) - 1, min(len(lat), _SAMPLE)).astype(np.int64)
    if len(np.unique(_point_keys(lat[sample], lon[sample]))) > 0.9 * len(sample):
        return every, every
    import pandas as pd  # noqa: PLC0415 - a hash table; loaded only when points repeat

    at, keys = pd.factorize(_point_keys(lat, lon))
    first = np.zeros(len(keys), dtype=np.int64)
    first[at] = every  # any row of a group will do: they hold the same point
    same = np.array_equal(lat[first][at], lat) and np.array_equal(lon[first][at], lon)
    return (at, first) if same else (every, every)


def _point_keys(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    return lat.view(np.uint64) ^ (lon.view(np.uint64) * np.uint64(0x9E3779B97F4A7C15))


def cell_to_str(cell: int) -> str:
    """The standard 15-character hex string of a cell."""
    return h3i.int_to_str(int(cell))


def cells_to_str(cells: Iterable[int]) -> list[str]:
    return [h3i.int_to_str(int(c)) for c in cells]


def str_to_cell(text: str) -> int:
    """Parse a hex cell id; raises ``ValueError`` for anything that is not a valid cell."""
    try:
        cell = h3i.str_to_int(text.strip().lower())
    except (ValueError, TypeError, OverflowError, h3.H3BaseException) as exc:
        raise ValueError(f"{text!r} is not an H3 cell") from exc
    if not h3i.is_valid_cell(cell):
        raise ValueError(f"{text!r} is not an H3 cell")
    return cell


def cell_resolution(cell: int) -> int:
    return (int(cell) >> _RES_SHIFT) & 0xF


def check_res(res: int) -> int:
    if not isinstance(res, int) or not MIN_RES <= res <= FINE_RES:
        raise ValueError(f"resolution {res!r}: expected {MIN_RES} to {FINE_RES}")
    return res


CELL_COLUMNS = tuple(cell_column(r) for r in RESOLUTIONS)
