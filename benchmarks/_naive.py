"""The naive dashboard the callback benchmark compares against, run in the benchmark process.

What a first version would do: read the whole incidents table into pandas once, and for each
view filter it with boolean masks, count per hexagon with groupby, draw each hexagon's outline
with h3 in a Python loop, total by theme and month, and json.dumps the map figure. It does
less than socmap does (no disclosure control, no clipping to boundaries, no statistics, no
caching), so it flatters the baseline.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import h3
import pandas as pd
import pyarrow as pa

from dashboard.state import ViewState
from geo.grid import CELL_COLUMNS, cell_column
from geo.store import Store
from geo.themes import load_themes


class NaiveDashboard:
    def __init__(self, db: Path) -> None:
        t0 = time.perf_counter()
        store = Store(db)
        # Cells as nullable unsigned integers: through float64 they would lose their low bits.
        self.frame = store.fetch(
            f"SELECT category, source, month, district, division, {', '.join(CELL_COLUMNS)} "
            "FROM incidents"
        ).to_pandas(types_mapper={pa.uint64(): pd.UInt64Dtype()}.get)
        store.close()
        self.load_seconds = time.perf_counter() - t0
        self.themes = load_themes()

    def view(self, query: str) -> int:
        """Build the view of ``query`` (a canonical view state); returns the bytes sent."""
        state = ViewState.from_query(query)
        f = self.frame
        cats = set(state.categories)
        for theme in state.themes or ():
            cats.update(self.themes.categories_for(theme))
        mask = f["category"].isin(cats) & f["cell"].notna()
        if state.sources:
            mask &= f["source"].isin(state.sources)
        if state.month_from:
            months = pd.to_datetime(f["month"])
            mask &= (months >= pd.Timestamp(state.month_from)) & (
                months <= pd.Timestamp(state.month_to)
            )
        if state.division:
            mask &= f["division"] == state.division
        elif state.district:
            mask &= f["district"] == state.district
        else:
            mask &= f["district"].notna()
        rows = f[mask]
        res = state.resolution()
        counts = rows[cell_column(res)].value_counts()
        features, locations, z = [], [], []
        for cell, n in counts.items():
            hex_id = h3.int_to_str(int(cell))
            ring = [[lon, lat] for lat, lon in h3.cell_to_boundary(hex_id)]
            features.append(
                {
                    "type": "Feature",
                    "id": hex_id,
                    "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
                }
            )
            locations.append(hex_id)
            z.append(int(n))
        by_theme = rows["category"].map(self.themes.theme_of).value_counts().to_dict()
        trend = rows.groupby(["month", "category"]).size().reset_index().to_dict("list")
        figure = {
            "data": [
                {
                    "type": "choroplethmap",
                    "geojson": {"type": "FeatureCollection", "features": features},
                    "locations": locations,
                    "z": z,
                    "text": [f"Hexagon {h}: {n}" for h, n in zip(locations, z, strict=True)],
                }
            ],
            "layout": {"map": {"style": "white-bg"}},
        }
        body = json.dumps({"figure": figure, "totals": by_theme, "trend": trend}, default=str)
        return len(body)
