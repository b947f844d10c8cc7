"""The same store contents on DuckDB and on ClickHouse (chdb), for the query-layer tests.

Every load goes through :class:`geo.store.ClickHouseStore`: it writes the DuckDB staging copy
exactly as a DuckDB store is written (the loaders do not know) and then publishes it, so the
staging :class:`~geo.store.Store` and the ClickHouse generation hold the same rows, and any
difference in an answer is the query layer's.

chdb opens one directory per process: every test in a pytest process shares one directory
(:func:`chdb_dir`) and each store gets its own database in it.
"""

from __future__ import annotations

import itertools
import os
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from geo.settings import Settings, StoreTarget
from geo.store import ClickHouseStore
from tests.support import boundaries as bh
from tests.support.synthetic import insert_incidents

_names = itertools.count()

# Text that breaks naive quoting: quotes, a backslash, a tab, ClickHouse's \N and a brace
# placeholder look-alike.
NASTY_CATEGORY = 'O\'Brien \\ "x"\t{p0:String} \\N'
NASTY_SOURCE = "partner\\'b"


def new_database() -> str:
    return f"t{os.getpid()}_{next(_names)}"


def clickhouse_store(chdb_dir: Path, folder: Path, database: str | None = None) -> ClickHouseStore:
    target = StoreTarget(kind="chdb", path=chdb_dir, database=database or new_database())
    return ClickHouseStore(target, folder / "socmap.duckdb")


def build_contents(store: ClickHouseStore, folder: Path) -> Settings:
    """Boundaries (made up), the synthetic demo (12 months), a police.uk file with a row
    quarantined, and incidents with awkward text; each load published."""
    from geo.areas.boundaries import load_boundaries
    from geo.demo import load_demo
    from geo.ingest import ingest_police_uk

    settings = Settings(db_path=store.staging.path)
    paths = bh.write_set(folder / "boundaries")
    load_boundaries(store, paths["district"], "district")
    load_boundaries(store, paths["division"], "division")
    load_demo(store, settings, seed=11, months=12, end="2026-10")
    csv = bh.write_police_csv(folder / "2018-10-kent-street.csv", [*bh.POINTS, (9.0, 40.0)])
    ingest_police_uk(store, csv, settings, progress=False)
    insert_incidents(store, awkward_incidents(np.random.default_rng(5)), batch_id=90)
    return settings


def awkward_incidents(rng: np.random.Generator, n: int = 400) -> pd.DataFrame:
    """Incidents in the made-up districts, some with quotes and backslashes in their text."""
    lat = rng.uniform(51.0, 51.3, n)
    lon = rng.uniform(0.5, 0.9, n)
    district = np.where(lat > 51.2, bh.MEDWAY, np.where(lon < 0.7, bh.DISTRICT_A, bh.DISTRICT_B))
    months = [date(2026, m, 1) for m in range(1, 11)]
    return pd.DataFrame(
        {
            "category": rng.choice(["Drugs", NASTY_CATEGORY, "Burglary"], n),
            "month": [months[i] for i in rng.integers(0, len(months), n)],
            "latitude": lat,
            "longitude": lon,
            "source": rng.choice(["police-uk", NASTY_SOURCE], n),
            "district": district,
            "division": [None] * n,
            "location": rng.choice(["On or near O'Neil's \\ Yard", "High St", None], n),
        }
    )
