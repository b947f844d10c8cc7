"""Hexagon count benchmark: a filtered count per H3 cell on 1 and 10 million incidents.

socmap's ``hex_counts`` (DuckDB, grouping on the stored column of each incident's own cell at
the resolution; the store written by the real loader, with the shared Kent boundaries loaded so
points are placed in districts, and batches sorted by category, month and cell) against pandas
groupby on the same rows held in memory, in the same run. Two pandas baselines: the columns as
DuckDB hands them over (strings, timestamps), and a tuned one with categorical columns. Also the
same query on a copy of the table in arrival order (batch by batch, rows within a batch in file
order), to show what the loader's sort order buys.

    .venv/bin/python benchmarks/hex_query_bench.py [--sizes 1000000 10000000] [--repeat 15]
        [--keep DIR]   # reuse generated stores between runs

Needs the shared Kent boundaries (``$SOCMAP_SHARED_DATA`` or ``../shared/data``): a county
count holds only the incidents placed in a district.

Targets (issue 4): a filtered count on 10 million incidents under 100 ms median on this 2-core
machine, and at least 5x faster than pandas.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from geo.areas.boundaries import fetch_boundaries
from geo.filters import Filters, add_months
from geo.grid import cell_column, incidents_to_cell_columns
from geo.ingest._load import Chunk, LoadSpec, load_chunks
from geo.ingest._stage import CANONICAL
from geo.store import Store
from geo.store.queries.counts import hex_counts
from geo.themes import load_themes

CATEGORIES = {  # police.uk crime types with their rough share of Kent's crime
    "Violence and sexual offences": 35,
    "Anti-social behaviour": 20,
    "Criminal damage and arson": 9,
    "Public order": 9,
    "Other theft": 6,
    "Shoplifting": 5,
    "Vehicle crime": 5,
    "Burglary": 4,
    "Drugs": 3,
    "Possession of weapons": 1,
    "Robbery": 1,
    "Bicycle theft": 1,
    "Other crime": 1,
}
TOWNS = np.array(
    [(51.27, 0.52), (51.28, 1.08), (51.38, 1.39), (51.15, 0.87), (51.08, 1.17), (51.44, 0.37),
     (51.13, 0.26), (51.34, 0.73), (51.39, 0.53), (51.13, 1.31)]
)  # fmt: skip
FIRST = date(2017, 1, 1)
MONTHS = 24
ARROW_TYPES = {"BIGINT": pa.int64(), "VARCHAR": pa.string(), "DATE": pa.date32(),
               "DOUBLE": pa.float64()}  # fmt: skip


def shared_data() -> Path:
    """``$SOCMAP_SHARED_DATA``, else the shared folder beside the checkout."""
    raw = os.environ.get("SOCMAP_SHARED_DATA")
    path = Path(raw) if raw else Path(__file__).resolve().parents[2] / "shared" / "data"
    if not (path / "boundaries").is_dir():
        raise SystemExit(f"{path}: no shared Kent boundaries; set SOCMAP_SHARED_DATA")
    return path


def month_rows(rng: np.random.Generator, n: int, month: date) -> tuple[pa.Table, np.ndarray]:
    """One month of synthetic incidents in the loader's canonical shape, with their cells."""
    pick = rng.integers(0, len(TOWNS), n)
    lat = TOWNS[pick, 0] + rng.normal(0, 0.03, n)
    lon = TOWNS[pick, 1] + rng.normal(0, 0.045, n)
    share = np.array(list(CATEGORIES.values()), dtype=float)
    cats = rng.choice(list(CATEGORIES), n, p=share / share.sum())
    data = {name: pa.nulls(n, ARROW_TYPES[t]) for name, t in CANONICAL.items()}
    data.update(
        row_number=pa.array(np.arange(2, n + 2)),
        source=pa.array(np.full(n, "police-uk")),
        category=pa.array(cats),
        month=pa.array(np.full(n, month), pa.date32()),
        latitude=pa.array(lat),
        longitude=pa.array(lon),
    )
    return pa.table(data), incidents_to_cell_columns(lat, lon)


def build_store(path: Path, rows: int, seed: int = 3) -> None:
    """``rows`` incidents over 24 months, one batch per month through the real loader."""
    rng = np.random.default_rng(seed)
    store = Store(path)
    fetch_boundaries(store, from_dir=shared_data() / "boundaries")
    per_month = rows // MONTHS
    for i in range(MONTHS):
        month = add_months(FIRST, i)
        table, cells = month_rows(rng, per_month, month)
        spec = LoadSpec("police-uk", "police-uk", f"synthetic-{month}.csv", f"{seed}-{rows}-{i}",
                        "months", "Crime ID")  # fmt: skip
        load_chunks(store, spec, [Chunk(table=table, cells=cells)])
    store.close()


def median_ms(fn, repeat: int) -> float:
    fn()  # warm up: first touch of the file and of pandas' caches
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def pandas_count(frame: pd.DataFrame, cats: list[str], first, last, res: int) -> pd.Series:
    """The same count in pandas: the filter, then the incidents per cell of the resolution's
    own column (the county: incidents placed in a district)."""
    keep = frame["category"].isin(cats) & (frame["month"] >= first) & (frame["month"] <= last)
    keep &= frame["placed"]
    return frame.loc[keep, cell_column(res)].value_counts()


def arrival_copy(src: Path, dst: Path) -> None:
    """The same incidents as an unsorted loader would leave them: batch after batch (one per
    month), each batch in the generator's random order."""
    con = duckdb.connect(str(dst))
    con.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
    con.execute("SET enable_progress_bar = false")
    con.execute(
        "CREATE TABLE incidents AS SELECT * FROM src.incidents ORDER BY batch_id, hash(uid)"
    )
    con.close()


def bench_size(rows: int, folder: Path, repeat: int) -> None:
    path = folder / f"hexes-{rows}.duckdb"
    if not path.exists():
        t0 = time.perf_counter()
        build_store(path, rows)
        print(f"built a store of {rows:,} incidents in {time.perf_counter() - t0:.0f} s")
    store = Store(path)
    themes = load_themes()
    last = add_months(FIRST, MONTHS - 1)
    first = add_months(last, -11)
    # Months as datetime64, not Python date objects: the baseline gets pandas' fast path.
    frame = store.fetch(
        "SELECT category, month, district IS NOT NULL AS placed, cell_7, cell_9 FROM incidents"
    ).to_pandas(date_as_object=False)
    tuned = frame.astype({"category": "category"})
    arrival_path = folder / f"hexes-{rows}-arrival.duckdb"
    if not arrival_path.exists():
        arrival_copy(path, arrival_path)
    loose = duckdb.connect(str(arrival_path), read_only=True)
    ts = pd.Timestamp(first), pd.Timestamp(last)
    print(f"\n{rows:,} incidents; filtered counts, median of {repeat} (ms):")
    print(f"  {'filter':46} {'res':>3} {'socmap':>7} {'arrival':>8} {'pandas':>7} "
          f"{'tuned':>7} {'x pandas':>8} {'x tuned':>7}")  # fmt: skip
    for label, cats in (
        ("knife crime (Possession of weapons), 12 months", ["Possession of weapons"]),
        ("Violence and sexual offences, 12 months", ["Violence and sexual offences"]),
        ("county lines + knife crime themes, 12 months", ["Drugs", "Possession of weapons"]),
    ):
        filters = Filters(categories=tuple(cats), month_from=first, month_to=last)
        for res in (7, 9):
            ours = median_ms(lambda f=filters, r=res: hex_counts(store, f, r, themes), repeat)
            sql, params = _sql(filters, res, themes)
            arrival = median_ms(lambda s=sql, p=params: loose.sql(s, params=p).fetchall(), repeat)
            base = median_ms(lambda c=cats, r=res: pandas_count(frame, c, *ts, r), repeat)
            best = median_ms(lambda c=cats, r=res: pandas_count(tuned, c, *ts, r), repeat)
            _check(hex_counts(store, filters, res, themes), pandas_count(frame, cats, *ts, res))
            print(f"  {label:46} {res:>3} {ours:7.1f} {arrival:8.1f} {base:7.1f} {best:7.1f} "
                  f"{base / ours:7.1f}x {best / ours:6.1f}x")  # fmt: skip
    loose.close()
    store.close()


def _sql(filters: Filters, res: int, themes) -> tuple[str, list]:
    from geo.store.queries.counts import _counts_sql  # noqa: PLC0415 - the same SQL on the unsorted copy

    return _counts_sql(filters, res, themes, by_month=False)


def _check(table: pa.Table, reference: pd.Series) -> None:
    got = dict(zip(table["cell"].to_pylist(), table["count"].to_pylist(), strict=True))
    if got != {int(k): int(v) for k, v in reference.items()}:
        raise SystemExit("socmap and pandas disagree: the benchmark is void")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", type=Path, help="a folder to keep the generated stores in")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for rows in args.sizes:
            bench_size(rows, folder, args.repeat)
    print("\ntargets: 10M filtered count < 100 ms median; >= 5x pandas")


if __name__ == "__main__":
    main()
