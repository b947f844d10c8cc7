"""Each row's point: its coordinates read once, its H3 cells and its place computed once.

A format turns its coordinate text (or numbers) into :class:`Points` once; everything after
reads them from there: the area check and the places (:mod:`geo.ingest._area`), the H3 cell
at every resolution (:func:`geo.grid.incidents_to_cell_columns`), and the latitude and
longitude the loader stores. So a stored cell is always h3's cell of the stored point, by
construction rather than by a second computation compared with the first.

h3's loop is Python, and holds the GIL; DuckDB's validation does not. So a format computes
the cells while its validation query runs in another thread (:meth:`Points.cells_beside`),
and the two largest costs of a load overlap on two cores.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from geo.errors import SocmapError
from geo.grid import incidents_to_cell_columns
from geo.ingest._area import Area, Located
from geo.ingest._stage import float_values, text_values

T = TypeVar("T")


@dataclass
class Points:
    """Row numbers and WGS84 points (NaN where a row has none), in one order; the place of
    each and its cells at every resolution, once computed (``cells``: one row per
    resolution, 0 where none)."""

    row_number: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    located: Located | None = None
    cells: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.row_number)

    @classmethod
    def from_text(
        cls, row_number: pa.ChunkedArray, lat: pa.ChunkedArray, lon: pa.ChunkedArray
    ) -> Points:
        """Points from text columns as a CSV has them: trimmed, blank as none, and a value
        that is not a finite number as none (the format's rules say why).

        Arrow parses a usual file (numbers, blanks, padding) in well under DuckDB's time;
        when it refuses a value (a word), DuckDB's TRY_CAST parses the columns instead, so
        one bad value costs one slower parse, not a refused file."""
        try:
            lat_v = float_values(pc.cast(text_values(lat), pa.float64()))
            lon_v = float_values(pc.cast(text_values(lon), pa.float64()))
        except pa.ArrowInvalid:
            lat_v, lon_v = _duckdb_floats(lat), _duckdb_floats(lon)
        numbers = row_number.to_numpy()
        return cls(numbers, _finite(lat_v), _finite(lon_v))

    @classmethod
    def from_numbers(cls, row_number: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> Points:
        """Points from numbers already read (a projection, a generated table)."""
        return cls(
            np.asarray(row_number, dtype=np.int64),
            _finite(np.asarray(lat, dtype=np.float64)),
            _finite(np.asarray(lon, dtype=np.float64)),
        )

    def locate(self, area: Area) -> Located:
        """Each point's place in ``area`` (computed once)."""
        if self.located is None:
            self.located = area.locate(self.lat, self.lon)
        return self.located

    def cells_beside(self, work: Callable[[], T], where: np.ndarray | None = None) -> T:
        """Run ``work`` in another thread while this one computes the cells of the points
        ``where`` says (every point by default); return what ``work`` returned."""
        with ThreadPoolExecutor(max_workers=1) as pool:
            future = pool.submit(work)
            try:
                self.compute_cells(where)
            except BaseException:
                future.cancel()
                raise
            return future.result()

    def compute_cells(self, where: np.ndarray | None = None) -> np.ndarray:
        if self.cells is None:
            lat = self.lat if where is None else np.where(where, self.lat, np.nan)
            self.cells = incidents_to_cell_columns(lat, self.lon)
        return self.cells

    def take(self, order: np.ndarray) -> Points:
        """The points in another order (a validation query may reorder rows)."""
        return Points(
            self.row_number[order],
            self.lat[order],
            self.lon[order],
            None if self.located is None else self.located.take(order),
            None if self.cells is None else self.cells[:, order],
        )

    def move_to(self, lat: np.ndarray, lon: np.ndarray, area: Area) -> None:
        """The points the format decided on (a partner row placed from a gazetteer or a
        port has no coordinates of its own): rows whose point changed get their place and
        cells for the new point; no other row is computed again."""
        lat, lon = _finite(lat), _finite(lon)
        moved = ~(_same(lat, self.lat) & _same(lon, self.lon))
        if not moved.any():
            return
        self.lat, self.lon = self.lat.copy(), self.lon.copy()
        self.lat[moved], self.lon[moved] = lat[moved], lon[moved]
        if self.located is not None:
            located = area.locate(lat[moved], lon[moved])
            for name in ("district", "division", "inside", "beyond_m"):
                getattr(self.located, name)[moved] = getattr(located, name)
        if self.cells is not None:
            self.cells[:, moved] = incidents_to_cell_columns(lat[moved], lon[moved])

    def require_rows(self, row_number: pa.ChunkedArray | pa.Array | np.ndarray) -> None:
        """Rows are matched to points by position: check, not assume, that they line up."""
        got = (
            row_number.to_numpy()
            if isinstance(row_number, pa.ChunkedArray | pa.Array)
            else np.asarray(row_number)
        )
        if not np.array_equal(self.row_number, got):
            raise SocmapError("internal error: validated rows are out of step with their points")


def _finite(values: np.ndarray) -> np.ndarray:
    """Infinite values are not points."""
    return np.where(np.isfinite(values), values, np.nan)


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a == b) | (np.isnan(a) & np.isnan(b))


def _duckdb_floats(column: pa.ChunkedArray) -> np.ndarray:
    con = duckdb.connect()
    try:
        con.register("c", pa.table({"v": column}))
        values = con.execute("SELECT TRY_CAST(trim(v) AS DOUBLE) AS v FROM c").fetchnumpy()["v"]
    finally:
        con.close()
    if np.ma.isMaskedArray(values):
        return values.astype(np.float64).filled(np.nan)
    return np.asarray(values, dtype=np.float64)
