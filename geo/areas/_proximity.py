"""Incidents near vulnerable places: for each school, pupil referral unit or care location, the
incidents of a filter within a chosen distance over a period, ranked, and the Gi* hot spot
that holds the place, if any (docs/rates.md, "Vulnerable places"). For analysts (Part 2): a
count of incidents within 250 m of one school is a small-area count with no disclosure
control.

**Distance.** Points are projected to British National Grid (EPSG:27700, with pyproj) and
measured as straight lines in metres (``method="bng"``, the default), or along the WGS84
ellipsoid (``method="geodesic"``, pyproj's ``Geod``). Across Kent the grid's scale factor is
within 0.04% of 1, so the two differ by under 10 cm at 250 m (``tests/test_proximity.py``
checks that they count the same incidents away from that margin). police.uk's points are
anonymised to the nearest of a fixed set of map points (a street's middle, a public place),
so a distance to one is good to about the length of a street, not to the metre.

**Which incidents and places.** The places are those of the loaded registers lying in the
filters' area, open at some time in the period (opened on or before its last day, not closed
before its first; a closed school without a closing date, or one only proposed, is left out
and counted in the notes). The incidents are those of the filters' categories, sources and
months placed anywhere in the county: a school near a district's edge counts the incidents
just over it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field, replace
from datetime import date

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
from pyproj import Geod, Transformer
from scipy.spatial import cKDTree

from geo.errors import ValidationError
from geo.filters import Filters, month_str
from geo.store import Store, read_coverage
from geo.store.queries.rates import incident_points, register_places
from geo.themes import ThemeMap

PROXIMITY_METHODS = ("bng", "geodesic")
MAX_DISTANCE = 5_000.0
_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
_GEOD = Geod(ellps="WGS84")
# Candidates for the geodesic test are taken this much further out on the grid, so that no
# pair within the distance on the ellipsoid is missed (the scale factor differs by < 0.1%).
_GEODESIC_SLACK = 1.002


@dataclass(frozen=True)
class Proximity:
    """Places ranked by the incidents within ``within`` metres of them over the period."""

    places: pd.DataFrame  # see PROXIMITY_COLUMNS
    within: float
    method: str
    first: date | None
    last: date | None
    res: int | None  # the hot spots' resolution (None: not asked)
    total_incidents: int
    notes: tuple[str, ...] = field(default=())


PROXIMITY_COLUMNS = (
    "rank", "register", "place_id", "name", "kind", "type", "pru_or_ap", "care_home",
    "children", "district", "division", "postcode", "incidents", "nearest_m", "hot_spot",
)  # fmt: skip


def to_bng(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    x, y = _TO_BNG.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def counts_within(
    places_lonlat: tuple[np.ndarray, np.ndarray],
    points_lonlat: tuple[np.ndarray, np.ndarray],
    within: float,
    *,
    method: str = "bng",
) -> tuple[np.ndarray, np.ndarray]:
    """For each place, the points within ``within`` metres and the distance to the nearest
    point (NaN when there are none)."""
    if method not in PROXIMITY_METHODS:
        raise ValidationError(f"method {method!r}: expected one of {', '.join(PROXIMITY_METHODS)}")
    if not 0 < within <= MAX_DISTANCE:
        raise ValidationError(
            f"distance {within:g} m: expected more than 0, at most {MAX_DISTANCE:g}"
        )
    px, py = to_bng(*places_lonlat)
    qx, qy = to_bng(*points_lonlat)
    n = np.zeros(len(px), dtype=np.int64)
    nearest = np.full(len(px), np.nan)
    if not len(qx) or not len(px):
        return n, nearest
    tree = cKDTree(np.column_stack([qx, qy]))
    d, _ = tree.query(np.column_stack([px, py]))
    nearest[:] = d
    reach = within * (_GEODESIC_SLACK if method == "geodesic" else 1.0)
    for i, hits in enumerate(tree.query_ball_point(np.column_stack([px, py]), reach)):
        if method == "bng" or not hits:
            n[i] = len(hits)
            continue
        lon = np.asarray(points_lonlat[0])[hits]
        lat = np.asarray(points_lonlat[1])[hits]
        plon = np.full(len(hits), places_lonlat[0][i])
        plat = np.full(len(hits), places_lonlat[1][i])
        _, _, metres = _GEOD.inv(plon, plat, lon, lat)
        n[i] = int((np.asarray(metres) <= within).sum())
    if method == "geodesic":  # the nearest point's distance on the ellipsoid, too
        nearest = _geodesic_nearest(places_lonlat, points_lonlat, tree, px, py)
    return n, nearest


def _geodesic_nearest(places_lonlat, points_lonlat, tree, px, py) -> np.ndarray:
    _, idx = tree.query(np.column_stack([px, py]), k=min(8, tree.n))
    idx = idx.reshape(len(px), -1)
    out = np.empty(len(px))
    for i, row in enumerate(idx):
        lon = np.asarray(points_lonlat[0])[row]
        lat = np.asarray(points_lonlat[1])[row]
        _, _, metres = _GEOD.inv(
            np.full(len(row), places_lonlat[0][i]), np.full(len(row), places_lonlat[1][i]), lon, lat
        )
        out[i] = float(np.min(metres))
    return out


def open_during(places: pd.DataFrame, first: date, last: date) -> np.ndarray:
    """Which places were open at some time from the first day of ``first`` to the last day
    of ``last`` (see the module's documentation)."""
    end = date(last.year, last.month, calendar.monthrange(last.year, last.month)[1])
    opened = places["open_date"].map(lambda d: d is None or pd.isna(d) or d <= end)
    closed = places["close_date"].map(lambda d: d is not None and not pd.isna(d) and d < first)
    status = places["status"].str.lower()
    unknown_close = (status == "closed") & places["close_date"].isna()
    return (opened & ~closed & ~unknown_close & (status != "proposed to open")).to_numpy(bool)


def places_near_incidents(
    store: Store,
    filters: Filters,
    themes: ThemeMap,
    *,
    within: float = 250.0,
    registers: tuple[str, ...] = (),
    method: str = "bng",
    hotspot_res: int | None = 8,
) -> Proximity:
    """Every open place of the registers in the filters' area, with the incidents within
    ``within`` metres over the period, ranked (most first); ``hotspot_res`` None skips the
    Gi* hot spots."""
    places = register_places(store, registers)
    if places.empty:
        raise ValidationError(
            "no register of places is loaded: `socmap registers load schools FILE`"
        )
    coverage = read_coverage(store).period(filters, themes)
    notes: list[str] = []
    level, code = filters.area
    if level != "county":
        places = places[places[level] == code]
    if coverage.first is not None:
        open_now = open_during(places, coverage.first, coverage.last)
        if (~open_now).any():
            notes.append(
                f"{int((~open_now).sum())} places not open during {month_str(coverage.first)} to "
                f"{month_str(coverage.last)} (opened later, closed earlier, or closed or proposed "
                "without a date) are left out"
            )
        places = places[open_now]
    points = incident_points(store, replace(filters, district=None, division=None), themes)
    n, nearest = counts_within(
        (places["longitude"].to_numpy(), places["latitude"].to_numpy()),
        (points["longitude"].to_numpy(), points["latitude"].to_numpy()),
        within,
        method=method,
    )
    out = places.assign(incidents=n, nearest_m=nearest)
    out["hot_spot"] = ""
    if hotspot_res is not None and len(out):
        out["hot_spot"] = _hot_spots(store, filters, themes, out, hotspot_res)
    out = out.sort_values(["incidents", "nearest_m", "name"], ascending=[False, True, True])
    out.insert(0, "rank", out["incidents"].rank(method="min", ascending=False).astype(int))
    return Proximity(
        out[list(PROXIMITY_COLUMNS)].reset_index(drop=True), float(within), method, coverage.first,
        coverage.last, hotspot_res, len(points), tuple(notes),
    )  # fmt: skip


def _hot_spots(store, filters, themes, places: pd.DataFrame, res: int) -> list[str]:
    """The Gi* class of the hexagon holding each place, where it is a hot spot (the
    calibrated classes of :func:`geo.stats.find_hotspots` over the filters' area)."""
    from geo.stats import find_hotspots  # noqa: PLC0415 - scipy-heavy; only when asked

    result = find_hotspots(store, filters, res, themes)
    hot = result.cells[result.cells["class"].str.startswith("hot_")]
    classes = dict(zip(hot["cell"].astype("uint64").tolist(), hot["class"], strict=True))
    cells = [h3i.latlng_to_cell(lat, lon, res) for lon, lat in zip(
        places["longitude"], places["latitude"], strict=True)]  # fmt: skip
    return [classes.get(c, "") for c in cells]
