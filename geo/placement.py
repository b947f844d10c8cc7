"""Placing incidents in districts and divisions by point in polygon.

Vectorised with shapely's STRtree. A point on an edge shared by two areas touches both; it goes
to exactly one, the area with the lowest code, so every point has one place. A division's
district is its parent: an incident placed in a division is in that division's district, so
division counts always sum to district counts. Points in no area keep NULL (reported as
outside).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import shapely


@dataclass(frozen=True)
class Placer:
    district_codes: np.ndarray  # object array, sorted
    district_tree: shapely.STRtree
    division_codes: np.ndarray
    division_parents: np.ndarray
    division_tree: shapely.STRtree | None

    def place(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """District and division codes for each point (None where outside or missing)."""
        n = len(lat)
        district = np.full(n, None, dtype=object)
        division = np.full(n, None, dtype=object)
        ok = np.isfinite(lat) & np.isfinite(lon)
        if not ok.any():
            return district, division
        idx = np.flatnonzero(ok)
        points = shapely.points(lon[idx], lat[idx])
        if self.division_tree is not None:
            hit = _first_hit(self.division_tree, points)
            found = hit >= 0
            division[idx[found]] = self.division_codes[hit[found]]
            district[idx[found]] = self.division_parents[hit[found]]
        rest = idx[district[idx] == None]  # noqa: E711 - elementwise on an object array
        if len(rest):
            hit = _first_hit(self.district_tree, shapely.points(lon[rest], lat[rest]))
            found = hit >= 0
            district[rest[found]] = self.district_codes[hit[found]]
        return district, division


def _first_hit(tree: shapely.STRtree, points: np.ndarray) -> np.ndarray:
    """For each point, the lowest-index geometry it intersects (-1 for none)."""
    pairs = tree.query(points, predicate="intersects")
    hit = np.full(len(points), -1, dtype=np.int64)
    if pairs.shape[1]:
        # Geometries are sorted by code, so the minimum index is the lowest code.
        order = np.lexsort((pairs[1], pairs[0]))
        pts, geoms = pairs[0][order], pairs[1][order]
        first = np.ones(len(pts), dtype=bool)
        first[1:] = pts[1:] != pts[:-1]
        hit[pts[first]] = geoms[first]
    return hit


def placer_from_connection(con: duckdb.DuckDBPyConnection) -> Placer | None:
    """A placer for the boundaries in the store, or None when none are loaded."""
    districts = con.execute(
        "SELECT code, geometry FROM areas WHERE level = 'district' ORDER BY code"
    ).fetchall()
    if not districts:
        return None
    divisions = con.execute(
        "SELECT code, parent_code, geometry FROM areas WHERE level = 'division' ORDER BY code"
    ).fetchall()
    d_geoms = shapely.from_wkb([g for _, g in districts])
    shapely.prepare(d_geoms)
    div_tree = None
    if divisions:
        v_geoms = shapely.from_wkb([g for _, _, g in divisions])
        div_tree = shapely.STRtree(v_geoms)
    return Placer(
        district_codes=np.array([c for c, _ in districts], dtype=object),
        district_tree=shapely.STRtree(d_geoms),
        division_codes=np.array([c for c, _, _ in divisions], dtype=object),
        division_parents=np.array([p for _, p, _ in divisions], dtype=object),
        division_tree=div_tree,
    )
