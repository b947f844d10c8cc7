"""The print figure's rings from GeoJSON (``_bng.geojson_rings_xy``) against the shapely path
it replaced (``rings_xy(shapes_to_bng(...))``): the same arrays, bit for bit, on random
hexagon-like pieces with holes, multipolygons, collections holding lines, open rings and
rings of either winding; and holes still print as holes."""

from __future__ import annotations

import h3
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.export import _bng

pytestmark = pytest.mark.unit


def _reference(geometries):
    return _bng.rings_xy(_bng.shapes_to_bng(geometries) if geometries else [])


def _assert_same(geometries):
    want = _reference(geometries)
    got = _bng.geojson_rings_xy(geometries)
    for w, g in zip(want, got, strict=True):
        np.testing.assert_array_equal(g, w)


def _ring(lat, lng, res, *, clockwise, closed=True):
    """An H3 cell's boundary as a GeoJSON ring (lon, lat), wound as asked."""
    boundary = [[lon, la] for la, lon in h3.cell_to_boundary(h3.latlng_to_cell(lat, lng, res))]
    area = sum(
        x0 * y1 - x1 * y0
        for (x0, y0), (x1, y1) in zip(boundary, boundary[1:] + boundary[:1], strict=True)
    )
    if (area < 0) != clockwise:
        boundary.reverse()
    return boundary + boundary[:1] if closed else boundary


def _hole(ring):
    """A smaller ring inside ``ring`` (shrunk towards its centre), wound the same way."""
    cx = sum(p[0] for p in ring[:-1]) / (len(ring) - 1)
    cy = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
    return [[cx + (x - cx) * 0.4, cy + (y - cy) * 0.4] for x, y in ring]


_points = st.tuples(st.floats(50.9, 51.5), st.floats(0.0, 1.5), st.integers(6, 10))


@st.composite
def _geometry(draw):
    lat, lng, res = draw(_points)
    clockwise = draw(st.booleans())
    outer = _ring(lat, lng, res, clockwise=clockwise, closed=draw(st.booleans()))
    rings = [outer]
    if draw(st.booleans()) and outer[0] == outer[-1]:
        rings.append(_hole(outer) if draw(st.booleans()) else _hole(outer)[::-1])
    kind = draw(st.sampled_from(["Polygon", "MultiPolygon", "GeometryCollection"]))
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": rings}
    other = _ring(lat + 0.05, lng + 0.05, res, clockwise=not clockwise)
    if kind == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [rings, [other]]}
    # A piece cut at a boundary can be a collection holding a stray line (it prints nothing).
    return {
        "type": "GeometryCollection",
        "geometries": [
            {"type": "Polygon", "coordinates": rings},
            {"type": "LineString", "coordinates": [[lng, lat], [lng + 0.01, lat]]},
        ],
    }


@settings(max_examples=150, deadline=None)
@given(st.lists(_geometry(), min_size=0, max_size=12))
def test_the_same_arrays_as_the_shapely_path(geometries):
    _assert_same(geometries)


def test_empty_input_and_empty_polygons_print_nothing():
    _assert_same([])
    x, y = _bng.geojson_rings_xy([{"type": "Polygon", "coordinates": []}])
    assert x.size == 0 and y.size == 0


def test_exteriors_anticlockwise_and_holes_clockwise_in_grid_metres():
    outer = _ring(51.2, 0.7, 7, clockwise=True)
    geometry = {"type": "Polygon", "coordinates": [outer, _hole(outer)]}
    x, y = _bng.geojson_rings_xy([geometry])
    breaks = np.flatnonzero(np.isnan(x))
    signed = []
    for start, end in zip([0, *(breaks[:-1] + 1)], breaks, strict=True):
        rx, ry = x[start:end], y[start:end]
        signed.append(float(np.sum(rx * np.roll(ry, -1) - np.roll(rx, -1) * ry)))
    assert len(signed) == 2
    assert signed[0] > 0 > signed[1]  # so a non-zero fill leaves the hole empty
