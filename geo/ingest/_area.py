"""The store's area: where a loaded point may lie.

With district boundaries loaded (Kent and Medway: the 12 districts and Medway), the area is
those districts, and a point is kept when it lies in one of them or within ``edge_m`` metres
(500 by default, ``SOCMAP_AREA_EDGE_METRES``) of their outer edge. The edge is there because
police.uk snaps each crime to a point on a street, a pier or a park near where it happened,
and the district shapes are simplified: in the real Kent months the points just over the line
lie 5 to 330 m beyond it (Bexley, Bromley, Wealden, a seafront). A kept point beyond every
district is stored in no district ("outside every district"). A point further out is a crime
the force recorded outside its area, or a garbled coordinate, and is quarantined with how far
out it lies. Distances are measured on the British National Grid (EPSG:27700).

With no district boundaries loaded, the area is the rectangle ``SOCMAP_REGION_BBOX`` (Kent and
Medway with a margin of a few kilometres), as before boundaries existed; a load says so in a
note, since a rectangle lets in parts of London, Essex and Sussex.

Boundaries loaded later place every stored incident again (geo.areas.boundaries) but do not
quarantine incidents already loaded: the area is checked when a row is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import duckdb
import numpy as np
import pyproj
import shapely

from geo.areas import Placer, placer_from_connection

NO_BOUNDARIES_NOTE = (
    "no district boundaries are loaded, so points were checked against the rectangle "
    "SOCMAP_REGION_BBOX only (which takes in parts of London, Essex and Sussex); load the "
    "boundaries with `socmap boundaries fetch` first"
)


@dataclass(frozen=True)
class Located:
    """Where each point lies: district and division indices into the placer's sorted codes
    (-1 for none), whether the point is in the area, and how far beyond the districts' edge
    it is, in metres (NaN where it is in a district, has no point, or no boundaries are
    loaded)."""

    district: np.ndarray
    division: np.ndarray
    inside: np.ndarray
    beyond_m: np.ndarray

    def take(self, order: np.ndarray) -> Located:
        return Located(
            self.district[order], self.division[order], self.inside[order], self.beyond_m[order]
        )


class Area:
    """The area of a store at the start of a load (:func:`area_of_store`)."""

    def __init__(
        self,
        placer: Placer | None,
        edge_m: float,
        bbox: tuple[float, float, float, float],
    ) -> None:
        self.placer = placer
        self.edge_m = float(edge_m)
        self.bbox = bbox
        self._outline: shapely.Geometry | None = None

    @property
    def has_boundaries(self) -> bool:
        return self.placer is not None

    def locate(self, lat: np.ndarray, lon: np.ndarray) -> Located:
        """Each point's district, division and whether it is in the area."""
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        n = len(lat)
        finite = np.isfinite(lat) & np.isfinite(lon)
        beyond = np.full(n, np.nan)
        if self.placer is None:
            none = np.full(n, -1, dtype=np.int64)
            return Located(none, none.copy(), finite & self._in_box(lat, lon), beyond)
        district, division = self.placer.place_indices(lat, lon)
        inside = finite & (district >= 0)
        out = np.flatnonzero(finite & (district < 0))
        if len(out):
            beyond[out] = self._metres_beyond(lat[out], lon[out])
            inside[out] = beyond[out] <= self.edge_m
        return Located(district, division, inside, beyond)

    def contains(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Whether each point is in the area (for the checks that try a coordinate the
        other way round)."""
        return self.locate(lat, lon).inside

    def _in_box(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        min_lon, min_lat, max_lon, max_lat = self.bbox
        with np.errstate(invalid="ignore"):
            return (lat >= min_lat) & (lat <= max_lat) & (lon >= min_lon) & (lon <= max_lon)

    def _metres_beyond(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Distance from each point to the districts, in metres (inf where it cannot be
        projected: a coordinate out of range)."""
        if self._outline is None:
            assert self.placer is not None
            self._outline = shapely.union_all(_to_grid(self.placer.districts.geometries))
            shapely.prepare(self._outline)
        with np.errstate(invalid="ignore"):
            x, y = _grid().transform(lon, lat, errcheck=False)
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        metres = np.full(len(x), np.inf)
        ok = np.isfinite(x) & np.isfinite(y) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
        metres[ok] = shapely.distance(self._outline, shapely.points(x[ok], y[ok]))
        return metres

    def describe(self) -> str:
        if self.placer is None:
            return "the rectangle SOCMAP_REGION_BBOX (no district boundaries are loaded)"
        n = len(self.placer.district_codes)
        return f"the {n} loaded districts and up to {self.edge_m:g} m beyond their edge"


def area_of_store(
    con: duckdb.DuckDBPyConnection, edge_m: float, bbox: tuple[float, float, float, float]
) -> Area:
    """The area of the store open on ``con`` (in the load's transaction)."""
    return Area(placer_from_connection(con), edge_m, bbox)


@lru_cache(maxsize=1)
def _grid() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def _to_grid(geometries: np.ndarray) -> np.ndarray:
    def project(coords: np.ndarray) -> np.ndarray:
        x, y = _grid().transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometries, project)
