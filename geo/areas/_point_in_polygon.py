"""Vectorised point in polygon: which of a list of polygons holds each point.

A regular grid over the polygons' extent is classified once. A box wholly inside exactly one
polygon answers every point that falls in it without a geometric test; a box that meets no
polygon answers "none"; only points in the boxes that an edge crosses are tested, and each only
against the polygons that meet its box. Most incidents lie well inside an area, so most need
no test at all (see ``benchmarks/placement_bench.py``).

Rounding cannot move a point into the wrong box's answer: a box counts as inside only if the
box grown by :data:`_MARGIN` lies in the polygon's interior, and the box arithmetic is exact to
far less than that. A point on an edge shared by two polygons goes to the lowest index, so a
caller that sorts its polygons by code gets "lowest code wins".
"""

from __future__ import annotations

import numpy as np
import shapely

# About 40,000 boxes: classifying them takes a fraction of a second, and at Kent's size each
# box is a few hundred metres across, so only a few per cent of points need a test.
_TARGET_BOXES = 40_000
_COARSEN = 4  # a power of two (see _Grid.coarsened)
_MARGIN = 1e-9  # degrees, about 0.1 mm: far above the rounding in the box arithmetic
_NONE = -1
_TEST = -2


class PolygonLocator:
    """Locates points (x = longitude, y = latitude) in ``geometries``."""

    def __init__(self, geometries: np.ndarray) -> None:
        self.geometries = np.asarray(geometries, dtype=object)
        shapely.prepare(self.geometries)
        self._grid = _Grid.around(self.geometries)
        self._owner, self._pairs = self._classify()

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index of the polygon holding each point (``-1`` for none, or missing coordinates)."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        out = np.full(len(x), _NONE, dtype=np.int64)
        if not len(self.geometries):
            return out
        box, inside = self._grid.boxes_of(x, y)
        out[inside] = self._owner[box[inside]]
        pending = np.flatnonzero(out == _TEST)
        out[pending] = _NONE
        self._test(pending, box[pending], x, y, out)
        return out

    def _classify(self) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Each box's owner (a polygon index, ``_NONE`` or ``_TEST``) and the (box, polygon)
        pairs that meet, sorted by polygon, for the boxes that need a test.

        Boxes are classified coarse first: a fine box inside a coarse box that is wholly in
        one polygon, or meets none, needs no classification of its own. That is most of
        them, and halves the time to build a placer.
        """
        fine = self._grid
        coarse = fine.coarsened(_COARSEN)
        coarse_owner, _, _ = _classify_boxes(self.geometries, coarse.box_geometries(_MARGIN))
        iy, ix = np.divmod(np.arange(fine.size), fine.nx)
        owner = coarse_owner[(iy // _COARSEN) * coarse.nx + ix // _COARSEN]
        need = np.flatnonzero(owner == _TEST)
        boxes = fine.box_geometries(_MARGIN, need)
        fine_owner, box_of, geom_of = _classify_boxes(self.geometries, boxes)
        owner[need] = fine_owner
        tested = owner[need[box_of]] == _TEST
        order = np.argsort(geom_of[tested], kind="stable")
        return owner, (need[box_of[tested]][order], geom_of[tested][order])

    def _test(
        self, pending: np.ndarray, box: np.ndarray, x: np.ndarray, y: np.ndarray, out: np.ndarray
    ) -> None:
        """Exact tests for the points in edge boxes, polygon by polygon in index order."""
        box_of, geom_of = self._pairs
        starts = np.searchsorted(geom_of, np.arange(len(self.geometries) + 1))
        candidate = np.zeros(self._grid.size, dtype=bool)
        for k in range(len(self.geometries)):
            if not len(pending):
                return
            boxes_k = box_of[starts[k] : starts[k + 1]]
            if not len(boxes_k):
                continue
            candidate[boxes_k] = True
            chosen = np.flatnonzero(candidate[box])
            candidate[boxes_k] = False
            if not len(chosen):
                continue
            idx = pending[chosen]
            # intersects, not contains: a point on the edge belongs to this (lower) index.
            hit = shapely.intersects_xy(self.geometries[k], x[idx], y[idx])
            out[idx[hit]] = k
            keep = np.ones(len(pending), dtype=bool)
            keep[chosen[hit]] = False
            pending, box = pending[keep], box[keep]


def _classify_boxes(
    geometries: np.ndarray, boxes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each box's owner, and the (box, polygon) pairs that meet."""
    owner = np.full(len(boxes), _NONE, dtype=np.int64)
    if not len(geometries) or not len(boxes):
        return owner, np.array([], np.int64), np.array([], np.int64)
    box_of, geom_of = shapely.STRtree(geometries).query(boxes, predicate="intersects")
    meets = np.bincount(box_of, minlength=len(boxes))
    # A box inside one polygon and meeting no other is answered without a test.
    inside = shapely.contains_properly(geometries[geom_of], boxes[box_of])
    sole = inside & (meets[box_of] == 1)
    owner[meets > 0] = _TEST
    owner[box_of[sole]] = geom_of[sole]
    return owner, box_of, geom_of


class _Grid:
    """A regular lon/lat grid, one box wider than the extent on every side."""

    def __init__(self, x0: float, y0: float, step: float, nx: int, ny: int) -> None:
        self.x0, self.y0, self.step, self.nx, self.ny = x0, y0, step, nx, ny
        self.size = nx * ny

    @classmethod
    def around(cls, geometries: np.ndarray) -> _Grid:
        if not len(geometries):
            return cls(0.0, 0.0, 1.0, 1, 1)
        minx, miny, maxx, maxy = shapely.total_bounds(geometries)
        width, height = max(maxx - minx, 1e-6), max(maxy - miny, 1e-6)
        step = float(np.sqrt(width * height / _TARGET_BOXES))
        nx = int(width // step) + 3
        ny = int(height // step) + 3
        return cls(minx - step, miny - step, step, nx, ny)

    def boxes_of(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each point's box number, and whether it lies on the grid at all."""
        ok = np.isfinite(x) & np.isfinite(y)
        bx = np.floor((np.where(ok, x, self.x0) - self.x0) / self.step)
        by = np.floor((np.where(ok, y, self.y0) - self.y0) / self.step)
        ok &= (bx >= 0) & (bx < self.nx) & (by >= 0) & (by < self.ny)
        box = np.where(ok, by * self.nx + bx, 0).astype(np.int64)
        return box, ok

    def coarsened(self, factor: int) -> _Grid:
        """The grid of boxes ``factor`` times wider, from the same corner, covering this one.

        Multiplying by a power of two is exact, so the coarse edges fall on fine edges.
        """
        nx, ny = -(-self.nx // factor), -(-self.ny // factor)
        return _Grid(self.x0, self.y0, self.step * factor, nx, ny)

    def box_geometries(self, margin: float, which: np.ndarray | None = None) -> np.ndarray:
        index = np.arange(self.size) if which is None else which
        iy, ix = np.divmod(index, self.nx)
        left = self.x0 + ix * self.step
        bottom = self.y0 + iy * self.step
        return shapely.box(
            left - margin, bottom - margin, left + self.step + margin, bottom + self.step + margin
        )
