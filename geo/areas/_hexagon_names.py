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
import pyarrow as pa

from geo.grid import check_res
from geo.store import Store
from geo.store.queries import areas, incidents

PLACE_COLUMNS = ("cell", "place", "district", "district_name", "division", "division_name")
_PREFIX = "On or near "


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
    found = incidents.cell_places(store, cells, res).to_pandas()
    missing = cells[~np.isin(cells, found["cell"].to_numpy())]
    if missing.size:
        centres = np.array([h3i.cell_to_latlng(int(c)) for c in missing])
        wanted = pa.table(
            {
                "cell": pa.array(missing, pa.uint64()),
                "lat": pa.array(centres[:, 0], pa.float64()),
                "lon": pa.array(centres[:, 1], pa.float64()),
            }
        )
        nearest = incidents.nearest_places(store, wanted).to_pandas()
        found = pd.concat([found, nearest], ignore_index=True)
    loaded = areas.areas(store)
    names = [(a.level, a.code, a.name) for a in loaded]
    frame = frame.merge(found, on="cell", how="left")
    frame["place"] = frame["place"].map(_short, na_action="ignore")
    # The district is the division's own: the most common division and the most common
    # district of a cell's incidents can disagree at a boundary, which printed
    # "Gravesham Rural (Medway)", a division in a district it is not in.
    parents = {a.code: a.parent for a in loaded if a.level == "division" and a.parent}
    frame["district"] = [
        parents.get(v, d) if isinstance(v, str) else d
        for v, d in zip(frame["division"], frame["district"], strict=True)
    ]
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


def _short(location: str) -> str:
    return location[len(_PREFIX) :] if location.startswith(_PREFIX) else location
