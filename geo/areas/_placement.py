"""Placing incidents in districts and divisions by point in polygon.

The district comes from the district boundaries themselves, so a district's count is what an
independent spatial join against those boundaries gives (and, on police.uk, what the LSOA
printed on each row says for all but a handful of rows; a division-first rule, taking the
district from the division's parent, agrees less well, because approximate division shapes
stray over district edges).

The division is then chosen among the divisions of that district only. The stored division
shapes tile their district (the loader clips each to its district and gives the slivers
between them to a neighbour, see ``geo/areas/boundaries/_nest.py``), so a point in a district with
divisions lies in one of them; a point that rounding leaves in no division of its district
goes to the nearest. Every incident in a district with divisions therefore has exactly one,
and division counts sum to their district's count. Medway has no divisions: its incidents
keep a district and no division, and stay in every total.

A point on an edge shared by two areas goes to the area with the lowest code. Points in no
district are kept with no place and reported as outside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from geo.areas._point_in_polygon import PolygonLocator
from geo.store.queries import areas
from geo.store.queries._run import Source

# Nearest-division distances are computed in blocks of this many points, to bound memory.
_NEAREST_BLOCK = 20_000


@dataclass(frozen=True)
class Placer:
    """Places points; build it with :func:`placer_from_connection` or :func:`placer_from_areas`."""

    district_codes: np.ndarray  # object array, sorted
    districts: PolygonLocator
    division_codes: np.ndarray  # object array, sorted
    division_parent: np.ndarray  # index into district_codes for each division
    divisions: PolygonLocator | None

    def place(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """District and division codes for each point (None where outside or missing)."""
        district, division = self.place_indices(lat, lon)
        return _codes(self.district_codes, district), _codes(self.division_codes, division)

    def place_indices(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`place`, as indices into the sorted code arrays (-1 for none)."""
        x = np.asarray(lon, dtype=np.float64)
        y = np.asarray(lat, dtype=np.float64)
        district = self.districts.locate(x, y)
        division = np.full(len(x), -1, dtype=np.int64)
        if self.divisions is None:
            return district, division
        found = self.divisions.locate(x, y)
        parent = np.where(found >= 0, self.division_parent[np.maximum(found, 0)], -2)
        agree = (found >= 0) & (parent == district)
        division[agree] = found[agree]
        has_divisions = np.zeros(len(self.district_codes) + 1, dtype=bool)
        has_divisions[self.division_parent] = True
        # has_divisions[-1] is the padding slot, False, for points in no district.
        missing = np.flatnonzero(~agree & has_divisions[district])
        if len(missing):
            division[missing] = self._nearest(x[missing], y[missing], district[missing])
        return district, division

    def _nearest(self, x: np.ndarray, y: np.ndarray, district: np.ndarray) -> np.ndarray:
        """The nearest division of each point's own district (lowest code on a tie)."""
        assert self.divisions is not None
        out = np.empty(len(x), dtype=np.int64)
        for d in np.unique(district):
            rows = np.flatnonzero(district == d)
            own = np.flatnonzero(self.division_parent == d)
            geoms = self.divisions.geometries[own]
            for start in range(0, len(rows), _NEAREST_BLOCK):
                block = rows[start : start + _NEAREST_BLOCK]
                points = shapely.points(x[block], y[block])
                distance = shapely.distance(geoms[:, None], points[None, :])
                out[block] = own[np.argmin(distance, axis=0)]
        return out


def _codes(codes: np.ndarray, index: np.ndarray) -> np.ndarray:
    padded = np.append(codes, None)  # index -1 picks the None at the end
    return padded[index]


def placer_from_areas(
    districts: Sequence[tuple[str, shapely.Geometry]],
    divisions: Sequence[tuple[str, str, shapely.Geometry]] = (),
) -> Placer:
    """A placer for ``(code, geometry)`` districts and ``(code, parent, geometry)`` divisions.

    Every division's parent must be one of the districts.
    """
    districts = sorted(districts, key=lambda r: r[0])
    divisions = sorted(divisions, key=lambda r: r[0])
    district_codes = np.array([c for c, _ in districts], dtype=object)
    position = {code: i for i, code in enumerate(district_codes)}
    unknown = sorted({p for _, p, _ in divisions if p not in position})
    if unknown:
        raise ValueError(f"divisions name parents that are not districts: {unknown}")
    return Placer(
        district_codes=district_codes,
        districts=PolygonLocator(np.array([g for _, g in districts], dtype=object)),
        division_codes=np.array([c for c, _, _ in divisions], dtype=object),
        division_parent=np.array([position[p] for _, p, _ in divisions], dtype=np.int64),
        divisions=(
            PolygonLocator(np.array([g for _, _, g in divisions], dtype=object))
            if divisions
            else None
        ),
    )


def placer_from_connection(source: Source) -> Placer | None:
    """A placer for the boundaries in the store, or None when no districts are loaded.
    ``source``: a load's open connection (placing its rows inside its transaction), or the
    store itself."""
    districts = areas.area_shapes(source, "district")
    if not districts:
        return None
    divisions = areas.area_shapes(source, "division")
    return placer_from_areas(
        [(a.code, a.geometry) for a in districts],
        [(a.code, a.parent, a.geometry) for a in divisions],
    )
