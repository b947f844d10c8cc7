"""Cell outlines: equal to h3's, cached, and clipped to an area for drawing."""

from __future__ import annotations

import h3.api.basic_int as h3i
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.areas.boundaries import load_boundaries
from geo.grid import _outlines as outlines
from geo.grid import (
    area_cell_outlines,
    area_cells,
    area_geometry,
    boundaries_to_geojson,
    cells_to_boundaries,
    cells_to_clipped_boundaries,
    incidents_to_cells,
)
from tests.support.boundaries import districts_frame, divisions_frame, write


def test_outlines_equal_h3s_boundaries_and_are_cached():
    rng = np.random.default_rng(3)
    cells = incidents_to_cells(rng.uniform(51.0, 51.4, 50), rng.uniform(0.3, 1.3, 50), 9)
    first = cells_to_boundaries(cells)
    for cell, outline in zip(cells, first, strict=True):
        expected = shapely.Polygon([(lng, lat) for lat, lng in h3i.cell_to_boundary(int(cell))])
        assert shapely.equals_exact(outline, expected, tolerance=0)
    again = cells_to_boundaries(cells)
    assert all(a is b for a, b in zip(first, again, strict=True))  # computed once


@pytest.mark.parametrize("res", [5, 6])
def test_a_pentagon_outline(res):
    # Not hexagons: five corners, plus distortion vertices at odd resolutions.
    pentagon = next(iter(h3i.get_pentagons(res)))
    (outline,) = cells_to_boundaries(np.array([pentagon], dtype=np.uint64))
    ring = h3i.cell_to_boundary(pentagon)
    assert len(outline.exterior.coords) == len(ring) + 1
    assert outline.exterior.coords[0] == (ring[0][1], ring[0][0])


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(outlines, "_CACHE_LIMIT", 10)
    monkeypatch.setattr(outlines, "_cache", {})
    cells = incidents_to_cells(np.linspace(51.0, 51.3, 25), np.linspace(0.5, 1.0, 25), 10)
    cells_to_boundaries(cells)
    assert len(outlines._cache) <= 25
    cells_to_boundaries(cells[:5] + 0)  # same cells: served from the cache, whatever its size
    assert len(outlines._cache) <= 25


@st.composite
def polygons(draw):
    """A random star-shaped polygon a few kilometres across, near Maidstone."""
    n = draw(st.integers(min_value=3, max_value=12))
    radii = draw(st.lists(st.floats(0.005, 0.05), min_size=n, max_size=n))
    angles = np.sort(draw(st.lists(st.floats(0, 2 * np.pi), min_size=n, max_size=n, unique=True)))
    x = 0.52 + np.array(radii) * np.cos(angles)
    y = 51.27 + np.array(radii) * np.sin(angles) * 0.6
    polygon = shapely.make_valid(shapely.Polygon(np.column_stack([x, y])))
    shapes = [g for g in shapely.get_parts(polygon) if g.geom_type == "Polygon" and g.area > 0]
    return shapely.union_all(shapes) if shapes else shapely.box(0.5, 51.26, 0.54, 51.28)


@settings(max_examples=40, deadline=None)
@given(polygons(), st.integers(min_value=7, max_value=9))
def test_clipped_outlines_lie_within_the_boundary(area, res):
    cells = np.union1d(
        np.array(sorted(h3i.geo_to_cells(area, res)), dtype=np.uint64)
        if area.geom_type == "Polygon"
        else np.array([], dtype=np.uint64),
        incidents_to_cells(np.array([area.centroid.y]), np.array([area.centroid.x]), res),
    ).astype(np.uint64)
    clipped = cells_to_clipped_boundaries(cells, area)
    whole = cells_to_boundaries(cells)
    grown = area.buffer(1e-9)
    for piece, outline in zip(clipped, whole, strict=True):
        # Empty where a cell holds a point of the area but does not meet it (a multipolygon's
        # centroid can lie outside it).
        assert piece.is_empty or grown.covers(piece)
        assert piece.area <= outline.area * (1 + 1e-9)
    # The pieces do not overlap, so together they cover no more than the area itself.
    assert sum(p.area for p in clipped) <= area.area * (1 + 1e-9)


def test_area_cell_outlines_for_a_division(store, tmp_path):
    load_boundaries(store, write(districts_frame(), tmp_path / "d.geojson"), "district")
    load_boundaries(store, write(divisions_frame(), tmp_path / "v.geojson"), "division")
    with store.reading() as con:
        cells, clipped = area_cell_outlines(con, "division", "E58000904", 8)
        assert np.array_equal(cells, area_cells(con, "division", "E58000904", 8))
        shape = area_geometry(con, "division", "E58000904")
        county_cells, _ = area_cell_outlines(con, "county", None, 7)
        with pytest.raises(ValueError, match="no division boundary"):
            area_cell_outlines(con, "division", "E58000000", 8)
    assert len(cells) > 50
    assert all(shape.buffer(1e-9).covers(p) for p in clipped)
    # Cells at the edge are cut; the area they draw is the division's, to within rounding.
    assert sum(p.area for p in clipped) == pytest.approx(shape.area, rel=0.05)
    assert len(county_cells) > 0
    geojson = boundaries_to_geojson(cells, clipped, {"count": np.arange(len(cells))})
    feature = geojson["features"][0]
    assert feature["id"] == h3i.int_to_str(int(cells[0]))
    assert feature["properties"] == {"count": 0, "cell": feature["id"]}
