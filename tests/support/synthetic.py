"""Small synthetic stores for the statistics tests: incidents and areas written directly.

The rows go straight into the store's tables (the loaders are tested on their own), with the
H3 cell at every resolution computed by h3-py's latlng_to_cell, so a test knows exactly what is
stored.
"""

from __future__ import annotations

from datetime import date

import h3
import numpy as np
import pandas as pd
import shapely

from geo.store import Store

MAIDSTONE = (51.2704, 0.5227)
CATEGORIES = ("Drugs", "Possession of weapons", "Burglary", "Anti-social behaviour")


def insert_incidents(store: Store, frame: pd.DataFrame, batch_id: int = 1) -> None:
    """Rows with ``category``, ``month`` (date), ``latitude``, ``longitude`` and optionally
    ``source``, ``district``, ``division``, ``location``; the cells (``cell`` at resolution
    10, ``cell_5`` to ``cell_9``) computed by h3-py from the coordinates."""
    frame = frame.copy()
    frame["source"] = frame.get("source", "police-uk")
    # Points around Maidstone are placed in Maidstone unless the frame says otherwise: the
    # county counts only incidents placed in a district.
    frame["district"] = frame.get("district", "E07000110")
    for column in ("division", "location"):
        if column not in frame:
            frame[column] = None
    missing = frame["latitude"].isna().to_numpy()
    for res in range(5, 11):
        cells = np.array(
            [
                0 if gone else h3.str_to_int(h3.latlng_to_cell(lat, lon, res))
                for lat, lon, gone in zip(
                    frame["latitude"], frame["longitude"], missing, strict=True
                )
            ],
            dtype=np.uint64,
        )
        # Built from integers and a mask: a list with None would pass through float64 and
        # lose the low bits of the 64-bit ids.
        frame["cell" if res == 10 else f"cell_{res}"] = pd.arrays.IntegerArray(cells, missing)
    with store.writing() as con:
        start = con.execute("SELECT coalesce(max(uid), 0) FROM incidents").fetchall()[0][0]
        frame["uid"] = np.arange(start + 1, start + 1 + len(frame))
        frame["batch_id"] = batch_id
        con.register("new_rows", frame)
        con.execute(
            """
            INSERT INTO incidents (uid, source, category, month, latitude, longitude, cell,
                                   cell_5, cell_6, cell_7, cell_8, cell_9,
                                   district, division, location, batch_id)
            SELECT uid, source, category, month, latitude, longitude, cell,
                   cell_5, cell_6, cell_7, cell_8, cell_9,
                   district, division, location, batch_id FROM new_rows
            """
        )
        con.unregister("new_rows")


def insert_area(store: Store, level: str, code: str, name: str, geometry, parent=None) -> None:
    """One area straight into ``areas`` (the shape used and the shape as loaded are one)."""
    wkb = shapely.to_wkb(geometry)
    with store.writing() as con:
        con.execute(
            "INSERT INTO areas (level, code, name, parent_code, geometry, file_geometry) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [level, code, name, parent, wkb, wkb],
        )


def disk_polygon(centre: tuple[float, float], radius_km: float) -> shapely.Polygon:
    """A round area (lon/lat polygon) around ``centre`` (lat, lon)."""
    lat, lon = centre
    angles = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    dlat = radius_km / 111.0
    dlon = radius_km / (111.0 * np.cos(np.radians(lat)))
    return shapely.Polygon(
        np.column_stack([lon + dlon * np.cos(angles), lat + dlat * np.sin(angles)])
    )


def random_incidents(rng: np.random.Generator, n: int, months: int = 6) -> pd.DataFrame:
    """Incidents scattered around Maidstone over ``months`` months from 2018-01, 3% unmapped."""
    lat = MAIDSTONE[0] + rng.normal(0, 0.05, n)
    lon = MAIDSTONE[1] + rng.normal(0, 0.08, n)
    unmapped = rng.random(n) < 0.03
    lat[unmapped] = np.nan
    lon[unmapped] = np.nan
    month_list = [date(2018 + i // 12, i % 12 + 1, 1) for i in range(months)]
    return pd.DataFrame(
        {
            "category": rng.choice(CATEGORIES, n),
            "month": [month_list[i] for i in rng.integers(0, months, n)],
            "latitude": lat,
            "longitude": lon,
            "source": rng.choice(["police-uk", "partner-a"], n, p=[0.8, 0.2]),
            # A few in no district (at sea, say): no area, the county included, counts them.
            "district": rng.choice(["E07000110", "E07000111", None], n, p=[0.49, 0.49, 0.02]),
        }
    )


def points_in_cell(cell: str, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``k`` points inside an H3 cell (jittered around its centre, kept if still inside)."""
    lat0, lon0 = h3.cell_to_latlng(cell)
    res = h3.get_resolution(cell)
    edge = h3.average_hexagon_edge_length(res, unit="km") / 111.0
    lats, lons = [], []
    while len(lats) < k:
        lat = lat0 + rng.uniform(-0.4, 0.4) * edge
        lon = lon0 + rng.uniform(-0.4, 0.4) * edge / np.cos(np.radians(lat0))
        if h3.latlng_to_cell(lat, lon, res) == cell:
            lats.append(lat)
            lons.append(lon)
    return np.array(lats), np.array(lons)
