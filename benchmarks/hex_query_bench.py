"""Hexagon count benchmark: a filtered count per H3 cell on 1 and 10 million incidents.

socmap's ``hex_counts`` (DuckDB, grouping on the stored column of each incident's own cell at
the resolution; the store written by the real loader, with the shared Kent boundaries loaded so
points are placed in districts, and batches sorted by category, month and cell) against its
strongest peers on the same rows, in the same run, each timed the same way (median and range
of ``--repeat`` runs after one warm-up):

* **DuckDB over the raw table**: the same five columns (category, month, placed, cell_7,
  cell_9) in an in-memory DuckDB table in arrival order, a plain ``GROUP BY`` (no socmap
  layout, no storage order);
* **pandas with categorical columns** (the tuned pandas) and plain pandas (strings), the
  rows held in memory;
* socmap's count is timed with its memory of earlier answers cleared before each run (the
  query itself); "repeated" is the same count asked again on the same version of the store
  (answered from memory: ``geo.store.queries._run.cached_table``);
* a prototype of per-resolution pre-aggregates (incidents per category, source, month,
  district, division and cell, in a separate file; the store's schema is unchanged): the
  same filter summed over far fewer rows;
* socmap's own SQL on a copy of the store in arrival order (batch by batch, rows within a
  batch in file order), to show what the loader's sort order buys.

    .venv/bin/python benchmarks/hex_query_bench.py [--sizes 1000000 10000000] [--repeat 15]
        [--keep DIR]   # reuse generated stores between runs

Needs the shared Kent boundaries (``$SOCMAP_SHARED_DATA`` or ``../shared/data``): a county
count holds only the incidents placed in a district.

Targets (issue 22): a filtered count on 10 million incidents at most 10 ms median on every
filter, and at least 10x the tuned pandas.
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
from geo.store.queries._run import clear_cache
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


def timed_ms(fn, repeat: int) -> tuple[float, float, float]:
    """Median, fastest and slowest of ``repeat`` runs (ms), after one warm-up run (first
    touch of the file and of pandas' caches)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - t0))
    return statistics.median(times), min(times), max(times)


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


RAW_SQL = """
    SELECT {column} AS cell, count(*) AS count FROM raw
    WHERE category IN ({marks}) AND month BETWEEN ? AND ? AND placed
    GROUP BY {column}
"""


def raw_duckdb(store_path: Path) -> duckdb.DuckDBPyConnection:
    """The same five columns as a plain in-memory DuckDB table (DuckDB's own types: DATE
    months, UBIGINT cells), rows in a random (arrival) order, no socmap layout."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"ATTACH '{store_path}' AS src (READ_ONLY)")
    con.execute(
        "CREATE TABLE raw AS SELECT category, month, district IS NOT NULL AS placed, "
        "cell_7, cell_9 FROM src.incidents ORDER BY hash(uid)"
    )
    con.execute("DETACH src")
    return con


def _fmt(t: tuple[float, float, float]) -> str:
    return f"{t[0]:6.1f} ({t[1]:.0f}-{t[2]:.0f})"


# A prototype only (the store's schema is not changed here): per-resolution pre-aggregates,
# incidents counted per (category, source, month, district, division, cell), in a separate
# file, so a filtered count sums far fewer rows. Filters.where applies to them unchanged (it
# uses only those columns). A load would have to rebuild the months and sources it replaces.
AGG_SQL = """
    CREATE TABLE agg_{res} AS
    SELECT category, source, month, district, division, {column} AS cell, count(*) AS n
    FROM src.incidents WHERE {column} IS NOT NULL
    GROUP BY ALL ORDER BY category, month, cell
"""
AGG_COUNT_SQL = """
    SELECT cell, lower(hex(cell)) AS cell_hex, sum(n)::BIGINT AS count
    FROM agg_{res} WHERE {where} GROUP BY cell
"""


def aggregate_copy(src: Path, dst: Path, resolutions=(7, 9)) -> float:
    """Build the pre-aggregates of ``src`` in ``dst``; returns the seconds it took."""
    t0 = time.perf_counter()
    con = duckdb.connect(str(dst))
    con.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
    con.execute("SET enable_progress_bar = false")
    for res in resolutions:
        con.execute(AGG_SQL.format(res=res, column=cell_column(res)))
    con.close()
    return time.perf_counter() - t0


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
    # Cells as uint64 with 0 for none (only unplaced, unmapped rows have none, and the
    # filter drops those): with NULLs pandas would hold them as floats.
    frame = store.fetch(
        "SELECT category, month, district IS NOT NULL AS placed, coalesce(cell_7, 0) AS cell_7, "
        "coalesce(cell_9, 0) AS cell_9 FROM incidents"
    ).to_pandas(date_as_object=False)
    tuned = frame.astype({"category": "category"})
    raw = raw_duckdb(path)
    arrival_path = folder / f"hexes-{rows}-arrival.duckdb"
    if not arrival_path.exists():
        arrival_copy(path, arrival_path)
    loose = duckdb.connect(str(arrival_path), read_only=True)
    agg_path = folder / f"hexes-{rows}-agg.duckdb"
    if not agg_path.exists():
        print(f"pre-aggregates (prototype) built in {aggregate_copy(path, agg_path):.1f} s")
    agg = duckdb.connect(str(agg_path), read_only=True)
    agg_rows = {r: agg.sql(f"SELECT count(*) FROM agg_{r}").fetchall()[0][0] for r in (7, 9)}
    print(f"pre-aggregate rows: res 7 {agg_rows[7]:,}, res 9 {agg_rows[9]:,} (of {rows:,})")
    ts = pd.Timestamp(first), pd.Timestamp(last)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{rows:,} incidents; filtered counts, median (range) of {repeat} runs, ms; "
          f"load average {load}")  # fmt: skip
    heads = ("socmap", "repeated", "DuckDB raw", "pandas cat", "pandas", "arrival", "pre-agg")
    print(f"  {'filter':38} {'res':>3} " + " ".join(f"{h:>13}" for h in heads)
          + f" {'x raw':>6} {'x cat':>6}")  # fmt: skip
    worst, least = 0.0, float("inf")
    for label, cats in (
        ("knife crime (Possession of weapons)", ["Possession of weapons"]),
        ("Violence and sexual offences", ["Violence and sexual offences"]),
        ("county lines + knife crime themes", ["Drugs", "Possession of weapons"]),
    ):
        filters = Filters(categories=tuple(cats), month_from=first, month_to=last)
        for res in (7, 9):
            ours = timed_ms(lambda f=filters, r=res: _uncached(store, f, r, themes), repeat)
            again = timed_ms(lambda f=filters, r=res: hex_counts(store, f, r, themes), repeat)
            column = cell_column(res)
            raw_sql = RAW_SQL.format(column=column, marks=", ".join("?" * len(cats)))
            raw_params = [*cats, first, last]
            peer = timed_ms(lambda s=raw_sql, p=raw_params: raw.sql(s, params=p).fetchall(),
                            repeat)  # fmt: skip
            best = timed_ms(lambda c=cats, r=res: pandas_count(tuned, c, *ts, r), repeat)
            base = timed_ms(lambda c=cats, r=res: pandas_count(frame, c, *ts, r), repeat)
            sql, params = _sql(filters, res, themes)
            arrival = timed_ms(lambda s=sql, p=params: loose.sql(s, params=p).fetchall(), repeat)
            where, where_params = filters.where(themes)
            agg_sql = AGG_COUNT_SQL.format(res=res, where=where)
            pre = timed_ms(lambda s=agg_sql, p=where_params: agg.sql(s, params=p).to_arrow_table(),
                           repeat)  # fmt: skip
            reference = pandas_count(frame, cats, *ts, res)
            _check(agg.sql(agg_sql, params=where_params).to_arrow_table(), reference)
            _check(hex_counts(store, filters, res, themes), reference)
            _check(raw.sql(raw_sql, params=raw_params).to_arrow_table(), reference)
            worst, least = max(worst, ours[0]), min(least, best[0] / ours[0])
            cells = " ".join(
                f"{_fmt(t):>13}" for t in (ours, again, peer, best, base, arrival, pre)
            )
            print(f"  {label:38} {res:>3} {cells} {peer[0] / ours[0]:5.1f}x "
                  f"{best[0] / ours[0]:5.1f}x")  # fmt: skip
    print(f"  slowest socmap median {worst:.1f} ms (target <= 10 ms: "
          f"{'met' if worst <= 10 else 'MISSED'}); least x pandas cat {least:.1f}x "
          f"(target >= 10x: {'met' if least >= 10 else 'MISSED'})")  # fmt: skip
    raw.close()
    agg.close()
    loose.close()
    store.close()


def _uncached(store: Store, filters: Filters, res: int, themes) -> pa.Table:
    """socmap's count with its memory of earlier answers cleared: the query itself."""
    clear_cache()
    return hex_counts(store, filters, res, themes)


def _sql(filters: Filters, res: int, themes) -> tuple[str, list]:
    from geo.store.queries.counts import _counts_sql  # noqa: PLC0415 - the same SQL on the unsorted copy

    return _counts_sql("duckdb", filters, res, themes, by_month=False)


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
    print("\ntargets: 10M filtered count <= 10 ms median on every filter; >= 10x pandas cat")


if __name__ == "__main__":
    main()
