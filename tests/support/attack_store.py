"""A synthetic store for the attacks on public statistics: many small counts in small areas.

Two districts of eight square divisions each (about 4 km a side, some twenty resolution-8
hexagons each), one public quarter (April to June 2024) and the quarter before it. Knife crime
(the partner category and its police.uk proxy) is sparse: most divisions hold from 1 to 4
incidents in the quarter, a few hold more, and one holds a cluster, so the public map withholds
many counts and Gi* has something to find. Rows are written straight into the store with their
district and division (placement is tested elsewhere), each point inside its division.
"""

from __future__ import annotations

from datetime import date

import h3.api.basic_int as h3i
import numpy as np
import shapely

from geo.grid import CELL_COLUMNS, RESOLUTIONS
from geo.store import Store

DISTRICTS = ("E07000110", "E07000111")
WEST, SOUTH, SIDE = 0.40, 51.20, 0.058  # degrees: about 4 km east-west, 6.5 km north-south
QUARTER = ("2024-04", "2024-06")
MONTHS = [date(2024, m, 1) for m in range(1, 7)]
THEME = "knife_crime"
CATEGORIES = ("knife_crime", "Possession of weapons")


def divisions() -> dict[str, tuple[str, shapely.Polygon]]:
    """Division code -> (district, square), four by four, west district first."""
    out = {}
    for i in range(16):
        col, row = i % 4, i // 4
        district = DISTRICTS[col // 2]
        x0, y0 = WEST + col * SIDE, SOUTH + row * SIDE * 0.6
        out[f"E5800{i + 1:04d}"] = (district, shapely.box(x0, y0, x0 + SIDE, y0 + SIDE * 0.6))
    return out


def fill_attack_store(store: Store, seed: int = 11) -> None:
    rng = np.random.default_rng(seed)
    rows = []
    uid = 0
    for i, (code, (district, box)) in enumerate(divisions().items()):
        # Per month: mostly 0 or 1 incident, so a quarter holds 1 to 4 in most divisions;
        # every fifth division is busier, and division 6 holds a cluster.
        rate = 1.4 if i % 5 == 0 else 0.45
        for month in MONTHS:
            n = int(rng.poisson(rate)) + (4 if i == 5 and month >= date(2024, 4, 1) else 0)
            for _ in range(n):
                lat, lon = _point(rng, box, clustered=i == 5 and rng.random() < 0.7)
                uid += 1
                category = CATEGORIES[int(rng.integers(0, 2))]
                source = "police-uk" if category[0].isupper() else "partner-a"
                rows.append((uid, source, category, month, lat, lon, district, code))
    _write(store, rows)


def add_incident(store: Store, category: str, month: date, lat: float, lon: float,
                 district: str, division: str, source: str | None = None) -> None:  # fmt: skip
    """One more incident (a later load), placed in ``division``. Open a store written here
    with a new :class:`Store` only: a process that already has the file open keeps seeing
    the old one (DuckDB shares one database per path and process)."""
    uid = store.fetch_rows("SELECT coalesce(max(uid), 0) + 1 FROM incidents")[0][0]
    source = source or ("police-uk" if category[0].isupper() else "partner-a")
    _write(store, [(uid, source, category, month, lat, lon, district, division)], areas=False)


def _point(rng, box: shapely.Polygon, *, clustered: bool) -> tuple[float, float]:
    x0, y0, x1, y1 = box.bounds
    if clustered:
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        return float(cy + rng.normal(0, 0.003)), float(cx + rng.normal(0, 0.004))
    return float(rng.uniform(y0 + 0.001, y1 - 0.001)), float(rng.uniform(x0 + 0.001, x1 - 0.001))


def _write(store: Store, rows: list[tuple], *, areas: bool = True) -> None:
    # Each point's own cell at every stored resolution (h3-py, point by point), as a load
    # stores them: the public pieces and the statistics count on these columns.
    columns = ", ".join(CELL_COLUMNS)
    marks = ", ".join("?" for _ in CELL_COLUMNS)
    with store.writing() as con:
        con.executemany(
            "INSERT INTO incidents (uid, source, incident_id, category, month, latitude, "
            f"longitude, {columns}, district, division, batch_id) VALUES (?, ?, ?, ?, ?, ?, "
            f"?, {marks}, ?, ?, 1)",
            [
                (uid, src, f"ATK-{uid:05d}", cat, month, lat, lon,
                 *(h3i.latlng_to_cell(lat, lon, r) for r in RESOLUTIONS), district, division)
                for uid, src, cat, month, lat, lon, district, division in rows
            ],
        )  # fmt: skip
        if not areas:
            return
        squares = divisions()
        for district in DISTRICTS:
            shape = shapely.union_all([b for d, b in squares.values() if d == district])
            _area(con, "district", district, f"District {district[-3:]}", None, shape)
        for code, (district, box) in squares.items():
            _area(con, "division", code, f"Division {code[-2:]}", district, box)


def _area(con, level: str, code: str, name: str, parent: str | None, geometry) -> None:
    wkb = shapely.to_wkb(geometry)
    con.execute(
        "INSERT INTO areas (level, code, name, parent_code, geometry, file_geometry) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [level, code, name, parent, wkb, wkb],
    )
