"""Each point's cell at every resolution, as the loaders store it, against h3-py per point.

The cells must be exactly what ``h3.latlng_to_cell(lat, lng, res)`` gives, on cell edges and
vertices too (the vectorised H3 libraries measured round differently there: see
``benchmarks/h3_vector_bench.py``), with missing coordinates as 0 and repeated points
computed once.
"""

from __future__ import annotations

import math

import h3
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import ingest_police_uk
from geo.grid import (
    CELL_COLUMNS,
    RESOLUTIONS,
    cell_column,
    incidents_to_cell_columns,
    incidents_to_cells,
)
from tests.support.police_uk import row, write_csv

KENT_LAT = st.floats(50.7, 51.6, allow_nan=False)
KENT_LON = st.floats(-0.2, 1.8, allow_nan=False)
ANY = st.one_of(
    st.tuples(KENT_LAT, KENT_LON),
    st.tuples(st.floats(-89.0, 89.0), st.floats(-180.0, 180.0)),
    st.tuples(st.sampled_from([math.nan, math.inf, -math.inf]), KENT_LON),
    st.tuples(KENT_LAT, st.sampled_from([math.nan, math.inf])),
)


def _h3(lat: float, lon: float, res: int) -> int:
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return 0
    return h3.str_to_int(h3.latlng_to_cell(lat, lon, res))


@settings(max_examples=300, deadline=None)
@given(points=st.lists(ANY, min_size=1, max_size=40), repeat=st.integers(0, 3))
def test_every_resolution_equals_h3_py_per_point(points, repeat):
    points = points + points[:repeat]  # repeated points are computed once, and must not mix
    lat = np.array([p[0] for p in points])
    lon = np.array([p[1] for p in points])
    got = incidents_to_cell_columns(lat, lon)
    assert got.shape == (len(RESOLUTIONS), len(points)) and got.dtype == np.uint64
    for row_, res in enumerate(RESOLUTIONS):
        assert got[row_].tolist() == [_h3(a, b, res) for a, b in points]
        assert incidents_to_cells(lat, lon, res).tolist() == got[row_].tolist()


def _edge_points() -> list[tuple[float, float]]:
    """Cell vertices, points a few ulps either side of them, and midpoints of edges, for
    cells of every resolution around Maidstone."""
    out = []
    for res in RESOLUTIONS:
        for cell in h3.grid_disk(h3.latlng_to_cell(51.2704, 0.5227, res), 1):
            ring = h3.cell_to_boundary(cell)
            for (a, b), (c, d) in zip(ring, [*ring[1:], ring[0]], strict=True):
                out.append((a, b))
                out.append(((a + c) / 2, (b + d) / 2))
                for step in (-3, -1, 1, 3):
                    out.append((a + step * math.ulp(a), b))
                    out.append((a, b + step * math.ulp(b)))
    return out


def test_points_on_cell_edges_and_vertices_get_h3_pys_cells():
    points = _edge_points()
    got = incidents_to_cell_columns(np.array(points)[:, 0], np.array(points)[:, 1])
    for row_, res in enumerate(RESOLUTIONS):
        assert got[row_].tolist() == [_h3(a, b, res) for a, b in points], res


def test_columns_are_named_for_their_resolution():
    assert CELL_COLUMNS == ("cell_5", "cell_6", "cell_7", "cell_8", "cell_9", "cell")
    assert cell_column(10) == "cell"
    for bad in (4, 11, "8", 8.0):
        with pytest.raises(ValueError, match="resolution"):
            cell_column(bad)


def test_a_loaded_police_uk_file_stores_h3_pys_cell_at_every_resolution(tmp_path, store, settings):
    # Points near vertices of Maidstone's cells, written as police.uk writes coordinates.
    points = _edge_points()[::7][:400]
    rows = [row(f"id{i}", lon_lat=(f"{b:.6f}", f"{a:.6f}")) for i, (a, b) in enumerate(points)]
    rows.append(row("blank", lon_lat=("", "")))
    path = write_csv(tmp_path / "2018-10-kent-street.csv", rows)
    ingest_police_uk(store, path, settings, progress=False)
    columns = ", ".join(CELL_COLUMNS)
    stored = store.fetch_rows(f"SELECT latitude, longitude, {columns} FROM incidents")
    assert len(stored) == len(rows)
    for lat, lon, *cells in stored:
        if lat is None:
            assert cells == [None] * len(RESOLUTIONS)
            continue
        assert cells == [_h3(lat, lon, res) for res in RESOLUTIONS]
