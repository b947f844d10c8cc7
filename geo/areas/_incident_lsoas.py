"""Which LSOA each incident lies in: the numerator of LSOA rates and of deprivation breakdowns.

**The rule.** A police.uk row carries the code of the 2011 LSOA its (anonymised) point falls
in, which police.uk works out against ONS's full-resolution LSOA boundaries. socmap uses that
code when the row is police.uk's and the code is one of the loaded LSOAs; otherwise (partners'
files, which may carry no code or one of another vintage) it places the point in the loaded
LSOA shapes by point-in-polygon. A point in no loaded LSOA (police.uk snaps a few incidents to
points at sea or just over the county edge) has no LSOA, and so no deprivation decile: it is
reported as such, never given a neighbour's.

**Why police.uk's code first.** The loaded LSOA shapes are generalised (the shared file has
about 60 vertices per LSOA): on the three real police.uk months, point-in-polygon agrees with
police.uk's own code for 96.6% of located rows, and every disagreement lies within 20 m of
the outline of police.uk's LSOA, where the generalised edge cuts the corner
(``tests/test_rates_real.py`` checks both figures). Where they differ police.uk's code is the
more accurate, since it comes from the full boundaries; a partner's point has nothing better
than the shapes. Either way the denominator is the same published LSOA population.
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import shapely

from geo.areas._point_in_polygon import PolygonLocator
from geo.store import Store
from geo.store.queries.rates import lsoa_shapes

POLICE_UK = "police-uk"
HOW = ("police.uk code", "point in polygon", "no LSOA")

_cache: dict[tuple[str, str], tuple[np.ndarray, PolygonLocator]] = {}
_lock = threading.Lock()


def assign_lsoas(
    points: pd.DataFrame, codes: np.ndarray, locator: PolygonLocator
) -> tuple[np.ndarray, np.ndarray]:
    """The LSOA of each point (None for none) and how it was found (one of :data:`HOW`).

    ``points`` has ``source, lsoa_code, longitude, latitude``; ``codes`` are the loaded LSOAs'
    codes in the order of the polygons ``locator`` was built on."""
    known = set(codes.tolist())
    own = points["lsoa_code"].to_numpy(dtype=object)
    use_own = (points["source"].to_numpy(dtype=object) == POLICE_UK) & np.array(
        [c in known for c in own], dtype=bool
    )
    out = np.where(use_own, own, None).astype(object)
    how = np.where(use_own, HOW[0], HOW[2]).astype(object)
    rest = np.flatnonzero(~use_own)
    if rest.size:
        where = locator.locate(
            points["longitude"].to_numpy()[rest], points["latitude"].to_numpy()[rest]
        )
        hit = where >= 0
        out[rest[hit]] = codes[where[hit]]
        how[rest[hit]] = HOW[1]
    return out, how


def point_in_polygon_lsoas(store: Store, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The loaded LSOA holding each point by point-in-polygon alone (None for none)."""
    codes, locator = _locator(store)
    where = locator.locate(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.where(where >= 0, codes[np.maximum(where, 0)], None).astype(object)


def with_lsoas(store: Store, points: pd.DataFrame) -> pd.DataFrame:
    """``points`` (from :func:`geo.store.queries.rates.incident_points`) with ``lsoa`` and
    ``lsoa_how`` added by the rule above."""
    codes, locator = _locator(store)
    lsoa, how = assign_lsoas(points, codes, locator)
    return points.assign(lsoa=lsoa, lsoa_how=how)


def _locator(store: Store) -> tuple[np.ndarray, PolygonLocator]:
    """The loaded LSOA shapes as a point locator, built once per version of the store."""
    key = (str(store.path), store.data_version())
    with _lock:
        found = _cache.get(key)
    if found is None:
        shapes = lsoa_shapes(store)  # sorted by code: on a shared edge the lower code wins
        codes = shapes["lsoa_code"].to_numpy(dtype=object)
        found = (codes, PolygonLocator(shapely.from_wkb(shapes["geometry"].to_numpy())))
        with _lock:
            _cache.clear()  # one version per store: readers move on together
            _cache[key] = found
    return found
