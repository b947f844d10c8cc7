"""Names for cells, so a list of hot spots reads as places, not hexadecimal ids.

A cell's place is the location police.uk (or the partner) gave most often to the incidents in
it (police.uk's anonymised "On or near ..." points name a street or landmark), and its district
and division are the areas most of its incidents were placed in. A cell with no incident takes
the nearest incident's location and areas. Every incident counts, whatever its category: the
name describes where the cell is, not what happened there.
"""

from __future__ import annotations

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd

from geo.grid import cell_column, check_res
from geo.store import Store

PLACE_COLUMNS = ("cell", "place", "district", "district_name", "division", "division_name")
_PREFIX = "On or near "
# How far (degrees) to look for the nearest incident around an empty cell: ~5 km.
_SEARCH_DEGREES = 0.05


def cells_to_places(store: Store, cells: np.ndarray, res: int) -> pd.DataFrame:
    """For each cell (uint64 at ``res``): ``place``, ``district``/``division`` codes and names.

    Missing values are None (a cell with no incident within about 5 km, or no boundaries).
    """
    check_res(res)
    cells = np.unique(np.asarray(cells, dtype=np.uint64))
    frame = pd.DataFrame({"cell": cells})
    if cells.size == 0:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in PLACE_COLUMNS})
        return empty.astype({"cell": np.uint64})
    with store.reading() as con:
        found = _modal_places(con, cells, res)
        missing = cells[~np.isin(cells, found["cell"].to_numpy())]
        if missing.size:
            found = pd.concat([found, _nearest_places(con, missing)], ignore_index=True)
        names = con.execute("SELECT level, code, name FROM areas").fetchall()
    frame = frame.merge(found, on="cell", how="left")
    frame["place"] = frame["place"].map(_short, na_action="ignore")
    lookup = {(level, code): name for level, code, name in names}
    for level in ("district", "division"):
        frame[f"{level}_name"] = [
            lookup.get((level, code)) if isinstance(code, str) else None for code in frame[level]
        ]
    out = frame[list(PLACE_COLUMNS)]
    text = out.drop(columns="cell").astype(object)
    return pd.concat([out[["cell"]], text.where(text.notna(), None)], axis=1)


def place_label(row: pd.Series) -> str:
    """One line for a person: "High Street, Margate Central (Thanet)"."""
    parts = [row.get("place"), row.get("division_name") or row.get("district_name")]
    text = ", ".join(str(p) for p in parts if p)
    district = row.get("district_name")
    if district and row.get("division_name"):
        text += f" ({district})"
    return text or "(no incidents nearby)"


def _modal_places(con, cells: np.ndarray, res: int) -> pd.DataFrame:
    column = cell_column(res)  # a fixed identifier
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE place_rows AS
        SELECT {column} AS cell, location, district, division
        FROM incidents
        WHERE {column} IN (SELECT unnest(?::UBIGINT[]))
        """,
        [cells.tolist()],
    )
    try:
        found = con.execute(
            f"""
            SELECT cell, l.v AS place, d.v AS district, v.v AS division
            FROM (SELECT DISTINCT cell FROM place_rows)
            LEFT JOIN ({_top("location")}) l USING (cell)
            LEFT JOIN ({_top("district")}) d USING (cell)
            LEFT JOIN ({_top("division")}) v USING (cell)
            """
        ).df()
    finally:
        con.execute("DROP TABLE place_rows")
    return found


def _top(column: str) -> str:
    """The most frequent non-null value per cell; ties go to the first name in sort order,
    so the answer is repeatable. ``column`` is one of three fixed names, never user input."""
    return f"""
        SELECT cell, arg_max({column}, (n, -rank)) AS v
        FROM (SELECT cell, {column}, count(*) AS n,
                     dense_rank() OVER (PARTITION BY cell ORDER BY {column}) AS rank
              FROM place_rows WHERE {column} IS NOT NULL GROUP BY cell, {column})
        GROUP BY cell
    """


def _nearest_places(con, cells: np.ndarray) -> pd.DataFrame:
    centres = np.array([h3i.cell_to_latlng(int(c)) for c in cells])
    wanted = pd.DataFrame({"cell": cells, "lat": centres[:, 0], "lon": centres[:, 1]})
    con.register("wanted_centres", wanted)
    try:
        return con.execute(
            """
            SELECT w.cell,
                   arg_min(i.location, (i.latitude - w.lat) ** 2
                           + ((i.longitude - w.lon) * 0.63) ** 2) AS place,
                   arg_min(i.district, (i.latitude - w.lat) ** 2
                           + ((i.longitude - w.lon) * 0.63) ** 2) AS district,
                   arg_min(i.division, (i.latitude - w.lat) ** 2
                           + ((i.longitude - w.lon) * 0.63) ** 2) AS division
            FROM wanted_centres w JOIN incidents i
              ON i.latitude BETWEEN w.lat - ? AND w.lat + ?
             AND i.longitude BETWEEN w.lon - ? AND w.lon + ?
            WHERE i.location IS NOT NULL
            GROUP BY w.cell
            """,
            [_SEARCH_DEGREES] * 2 + [_SEARCH_DEGREES * 1.6] * 2,
        ).df()
    finally:
        con.unregister("wanted_centres")


def _short(location: str) -> str:
    return location[len(_PREFIX) :] if location.startswith(_PREFIX) else location
