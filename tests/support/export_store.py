"""A small store for the export tests: three areas, six months, many small counts.

Two districts: ``DIST_A`` with two divisions, and ``DIST_B`` with none (as Medway). One
division's name holds a formula and markup, to show they stay text in every export. Incidents
carry ids and a street name that must never reach a public export; a cluster near
``HOT_POINT`` makes a hot spot; scattered single incidents make many counts below k. A few
incidents lie outside every district (at sea, as police.uk places some): no area, the county
included, counts them. Each incident's cell at every resolution is h3-py's latlng_to_cell.
"""

from __future__ import annotations

from datetime import date

import h3.api.basic_int as h3i
import numpy as np
import shapely

from geo.store import Store

DIST_A, DIST_B = "E07000110", "E06000035"
DIV_1, DIV_2 = "E58000701", "E58000702"
TRICKY_NAME = "=SUM(A1)+<b>Loose</b> & Boughton"
SECRET_STREET = "On or near Secret Lane"
ID_PREFIX = "INC-"
MONTHS = [date(2024, m, 1) for m in range(1, 7)]
PERIOD = ("2024-04", "2024-06")  # the previous three months are loaded too
HOT_POINT = (51.26, 0.45)  # lat, lon inside DIV_1
CATEGORIES = (
    "Possession of weapons",
    "Drugs",
    "knife_crime",
    "county_lines",
    "modern_slavery",
    "Burglary",
)
_BOXES = {
    DIV_1: (0.40, 51.22, 0.50, 51.30),
    DIV_2: (0.50, 51.22, 0.60, 51.30),
    DIST_B: (0.60, 51.22, 0.72, 51.30),
    None: (0.72, 51.22, 0.76, 51.30),  # outside every district
}


def fill_export_store(store: Store, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    rows = []
    uid = 0
    for leaf, box in _BOXES.items():
        district = DIST_B if leaf == DIST_B else DIST_A if leaf else None
        division = leaf if leaf in (DIV_1, DIV_2) else None
        n = 260 if leaf == DIV_1 else 140 if leaf else 24
        lats, lons = _points(rng, box, n, hot=leaf == DIV_1)
        for lat, lon in zip(lats, lons, strict=True):
            uid += 1
            category = CATEGORIES[int(rng.integers(0, len(CATEGORIES)))]
            month = MONTHS[int(rng.integers(0, len(MONTHS)))]
            cells = [h3i.latlng_to_cell(lat, lon, res) for res in range(5, 11)]
            rows.append(
                (
                    uid,
                    "police-uk" if category[0].isupper() else "partner-a",
                    f"{ID_PREFIX}{uid:06d}",
                    category,
                    month,
                    float(lat),
                    float(lon),
                    *cells,
                    district,
                    division,
                    SECRET_STREET,
                )
            )
    with store.writing() as con:
        con.executemany(
            "INSERT INTO incidents (uid, source, incident_id, category, month, latitude, "
            "longitude, cell_5, cell_6, cell_7, cell_8, cell_9, cell, district, division, "
            "location, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            rows,
        )
        for level, code, name, parent, geom in _areas():
            wkb = shapely.to_wkb(geom)
            con.execute(
                "INSERT INTO areas (level, code, name, parent_code, geometry, file_geometry) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [level, code, name, parent, wkb, wkb],
            )


def _points(rng, box, n: int, *, hot: bool):
    x0, y0, x1, y1 = box
    lons = rng.uniform(x0 + 0.002, x1 - 0.002, n)
    lats = rng.uniform(y0 + 0.002, y1 - 0.002, n)
    if hot:  # a third of the division's incidents within a kilometre or so
        k = n // 3
        lats[:k] = HOT_POINT[0] + rng.normal(0, 0.006, k)
        lons[:k] = HOT_POINT[1] + rng.normal(0, 0.009, k)
    return lats, lons


def _areas():
    box = {code: shapely.box(*b) for code, b in _BOXES.items()}
    district_a = shapely.union_all([box[DIV_1], box[DIV_2]])
    return [
        ("district", DIST_A, "Maidstone", None, district_a),
        ("district", DIST_B, "Medway", None, box[DIST_B]),
        ("division", DIV_1, TRICKY_NAME, DIST_A, box[DIV_1]),
        ("division", DIV_2, "Maidstone Central", DIST_A, box[DIV_2]),
    ]


def theme_categories() -> tuple[str, ...]:
    """The categories the default view (every SOC theme) counts."""
    from geo.themes import load_themes

    themes = load_themes()
    return tuple(c for t in themes.themes for c in themes.categories_for(t.key))


def exact_counts(store: Store, months: tuple[str, str], categories: tuple[str, ...]):
    """Incidents with a location per district and per division, and (key None) the county's:
    those placed in a district; straight from SQL."""
    lo, hi = (date.fromisoformat(m + "-01") for m in months)
    marks = ", ".join("?" * len(categories))
    sql = (
        f"SELECT {{col}}, count(*) FROM incidents WHERE cell IS NOT NULL AND month "
        f"BETWEEN ? AND ? AND category IN ({marks}) AND {{col}} IS NOT NULL GROUP BY 1"
    )
    out = {}
    for col in ("district", "division"):
        out.update(dict(store.fetch_rows(sql.format(col=col), [lo, hi, *categories])))
    total = store.fetch_rows(
        f"SELECT count(*) FROM incidents WHERE cell IS NOT NULL AND month BETWEEN ? AND ? "
        f"AND category IN ({marks}) AND district IS NOT NULL",
        [lo, hi, *categories],
    )[0][0]
    out[None] = total
    return out
