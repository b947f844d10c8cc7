"""Shared helpers for tests over the real Kent data: boundaries straight into ``areas``.

The boundary loader (issue 3) is built elsewhere; until it lands, tests put the shared
district and division shapes into the store's ``areas`` table directly, so placement and the
study regions see the real geography.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

from geo.store import Store

DISTRICTS = "boundaries/kent_medway_districts_lad21_oa_dissolved.geojson"
DIVISIONS = "boundaries/kent_ced_2017_oa_dissolved.geojson"


def load_kent_areas(store: Store, shared_data: Path) -> None:
    """Districts (12 + Medway) and the 72 county divisions into ``areas``."""
    districts = gpd.read_file(shared_data / DISTRICTS)
    divisions = gpd.read_file(shared_data / DIVISIONS)
    rows = [
        ("district", r.lad_code, r.lad_name, None, shapely.to_wkb(r.geometry))
        for r in districts.itertuples()
    ]
    rows += [
        ("division", r.ced_code, r.ced_name, r.lad_code, shapely.to_wkb(r.geometry))
        for r in divisions.itertuples()
    ]
    with store.writing() as con:
        con.executemany("INSERT INTO areas VALUES (?, ?, ?, ?, ?)", rows)
