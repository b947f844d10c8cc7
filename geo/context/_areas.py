"""The loaded districts and divisions, for placing search results and postcodes.

Read once per version of the store (boundaries can be loaded after the context data, so
nothing here is stored: it follows whatever boundaries are loaded now).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import shapely

from geo.areas import PolygonLocator
from geo.store import Store
from geo.store.queries.areas import area_shapes

# A point within this distance of an area's generalised outline, but outside every area
# (a harbour or seafront postcode), is given the nearest one: about 500 m.
NEAR_DEGREES = 0.0045


@dataclass(frozen=True)
class AreaSet:
    """The areas at one level, sorted by code (on a shared edge the lower code wins, as
    incidents are placed)."""

    codes: np.ndarray
    parents: np.ndarray
    geometries: np.ndarray
    tree: shapely.STRtree

    @classmethod
    def of(cls, rows: list[tuple]) -> AreaSet:
        """From (code, parent, geometry) rows."""
        rows = sorted(rows, key=lambda r: r[0])
        geoms = np.array([r[2] for r in rows], dtype=object)
        shapely.prepare(geoms)
        return cls(
            np.array([r[0] for r in rows], dtype=object),
            np.array([r[1] for r in rows], dtype=object),
            geoms,
            shapely.STRtree(geoms),
        )

    def locate(
        self, lon: np.ndarray, lat: np.ndarray, *, near: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Index of the area holding each point (-1: none), and whether it was the nearest
        rather than inside (``near``: within :data:`NEAR_DEGREES` of the point)."""
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        if not len(self.codes):
            return np.full(len(lon), -1), np.zeros(len(lon), dtype=bool)
        if len(lon) > 200:
            found = PolygonLocator(self.geometries).locate(lon, lat)
        else:
            found = np.full(len(lon), -1)
            point, area = self.tree.query(shapely.points(lon, lat), predicate="intersects")
            for p, a in zip(point, area, strict=True):  # on a shared edge the lowest code wins
                if found[p] == -1 or a < found[p]:
                    found[p] = a
        nearest = np.zeros(len(lon), dtype=bool)
        if near:
            for i in np.flatnonzero(found < 0):
                point = shapely.Point(lon[i], lat[i])
                hit = self.tree.query_nearest(point, max_distance=NEAR_DEGREES)
                if len(hit):
                    found[i] = int(min(hit))
                    nearest[i] = True
        return found, nearest


_cache: dict[tuple[str, str], dict[str, AreaSet]] = {}
_lock = threading.Lock()


def loaded_areas(store: Store) -> dict[str, AreaSet]:
    """{"district": ..., "division": ..., "county": ...} for the store's current version."""
    key = (str(store.path), store.data_version())
    with _lock:
        found = _cache.get(key)
    if found is not None:
        return found
    shapes = area_shapes(store)
    found = {
        level: AreaSet.of([(a.code, a.parent, a.geometry) for a in shapes if a.level == level])
        for level in ("county", "district", "division")
    }
    with _lock:
        _cache.clear()  # one version per store is plenty: readers move on together
        _cache[key] = found
    return found
