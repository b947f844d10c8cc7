"""Hexagon count benchmark: a filtered count per H3 cell on 1 and 10 million incidents.

socmap's ``hex_counts`` (its real path: on DuckDB it reads the pre-aggregated counts of
``geo.store._counts``, incidents per category, source, month, district, division and own cell
at each resolution, kept by every load; the store written by the real loader, one batch a
month, with the shared Kent boundaries loaded so points are placed in districts) against its
strongest peers on the same rows, in the same run, each timed the same way (median and range
of ``--repeat`` runs after one warm-up):

* **DuckDB over the raw table**: the same five columns (category, month, placed, cell_7,
  cell_9) in an in-memory DuckDB table in arrival order, a plain ``GROUP BY`` (no socmap
  layout, no storage order, no pre-aggregate);
* **pandas with categorical columns** (the tuned pandas), the rows held in memory;
* socmap's count is timed with its memory of earlier answers cleared before each run (the
  query itself); "repeated" is the same count asked again on the same version of the store
  (answered from memory: ``geo.store.queries._run.cached_table``);
* "schema 8": socmap's previous query, the same filter grouped over the incidents themselves
  (sorted by category, month and cell), to show what the pre-aggregate buys.

Every answer is checked against pandas before it is timed: a benchmark of wrong counts is void.

    .venv/bin/python benchmarks/hex_query_bench.py [--sizes 1000000 10000000] [--repeat 15]
        [--keep DIR]   # reuse generated stores between runs (rebuilt if of another schema)

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
from geo.store._counts import counts_table
from geo.store._schema import SCHEMA_VERSION
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


# socmap's query before schema 9: the same filter grouped over the incidents themselves.
INCIDENTS_SQL = """
    SELECT parent AS cell, lower(hex(parent)) AS cell_hex, count
    FROM (SELECT {column} AS parent, count(*) AS count FROM incidents
          WHERE {column} IS NOT NULL AND {where} GROUP BY parent)
"""


def bench_size(rows: int, folder: Path, repeat: int) -> None:
    path = folder / f"hexes-{rows}.duckdb"
    if path.exists() and Store(path).schema_version() != SCHEMA_VERSION:
        path.unlink()  # a kept store of an older schema: built again
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
    del frame
    raw = raw_duckdb(path)
    agg_rows = {
        r: store.fetch_rows(f"SELECT count(*) FROM {counts_table(r)}")[0][0] for r in (7, 9)
    }
    print(f"pre-aggregated rows: res 7 {agg_rows[7]:,}, res 9 {agg_rows[9]:,} (of {rows:,})")
    ts = pd.Timestamp(first), pd.Timestamp(last)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{rows:,} incidents; filtered counts, median (range) of {repeat} runs, ms; "
          f"load average {load}")  # fmt: skip
    heads = ("socmap", "repeated", "DuckDB raw", "pandas cat", "schema 8")
    print(f"  {'filter':38} {'res':>3} " + " ".join(f"{h:>13}" for h in heads)
          + f" {'x raw':>6} {'x cat':>6} {'x sch8':>6}")  # fmt: skip
    worst, least = 0.0, float("inf")
    with store.reading() as con:
        for label, cats in (
            ("knife crime (Possession of weapons)", ["Possession of weapons"]),
            ("Violence and sexual offences", ["Violence and sexual offences"]),
            ("county lines + knife crime themes", ["Drugs", "Possession of weapons"]),
        ):
            filters = Filters(categories=tuple(cats), month_from=first, month_to=last)
            for res in (7, 9):
                reference = pandas_count(tuned, cats, *ts, res)
                _check(_uncached(store, filters, res, themes), reference)
                column = cell_column(res)
                raw_sql = RAW_SQL.format(column=column, marks=", ".join("?" * len(cats)))
                raw_params = [*cats, first, last]
                _check(raw.sql(raw_sql, params=raw_params).to_arrow_table(), reference)
                where, where_params = filters.where(themes)
                old_sql = INCIDENTS_SQL.format(column=column, where=where)
                _check(con.sql(old_sql, params=where_params).to_arrow_table(), reference)
                ours = timed_ms(lambda f=filters, r=res: _uncached(store, f, r, themes), repeat)
                again = timed_ms(lambda f=filters, r=res: hex_counts(store, f, r, themes), repeat)
                peer = timed_ms(
                    lambda s=raw_sql, p=raw_params: raw.sql(s, params=p).fetchall(), repeat
                )
                best = timed_ms(lambda c=cats, r=res: pandas_count(tuned, c, *ts, r), repeat)
                before = timed_ms(
                    lambda s=old_sql, p=where_params: con.sql(s, params=p).to_arrow_table(),
                    repeat,
                )
                worst, least = max(worst, ours[0]), min(least, best[0] / ours[0])
                cells = " ".join(f"{_fmt(t):>13}" for t in (ours, again, peer, best, before))
                print(f"  {label:38} {res:>3} {cells} {peer[0] / ours[0]:5.1f}x "
                      f"{best[0] / ours[0]:5.1f}x {before[0] / ours[0]:5.1f}x")  # fmt: skip
    print(f"  slowest socmap median {worst:.1f} ms (target <= 10 ms: "
          f"{'met' if worst <= 10 else 'MISSED'}); least x pandas cat {least:.1f}x "
          f"(target >= 10x: {'met' if least >= 10 else 'MISSED'}); load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    if worst > 10:
        _profile(store, first, last, themes)
    raw.close()
    store.close()


def _profile(store: Store, first, last, themes) -> None:
    """Where the slowest count's time goes: the aggregate's scan and sum, the hex text, the
    Arrow hand-over (the target was missed)."""
    filters = Filters(categories=("Violence and sexual offences",), month_from=first,
                      month_to=last)  # fmt: skip
    where, params = filters.where(themes)
    steps = {
        "scan + filter + sum(n) by cell": f"SELECT cell, sum(n) FROM {counts_table(9)} "
        f"WHERE cell IS NOT NULL AND {where} GROUP BY cell",
        "+ hex text of each cell": f"SELECT cell, hex(cell), sum(n)::BIGINT FROM "
        f"{counts_table(9)} WHERE cell IS NOT NULL AND {where} GROUP BY cell",
    }
    print("  profile (violence, res 9), median ms:")
    with store.reading() as con:
        for name, sql in steps.items():
            fetch = timed_ms(lambda s=sql: con.execute(s, params).fetchall(), 5)
            arrow = timed_ms(lambda s=sql: con.sql(s, params=params).to_arrow_table(), 5)
            print(f"    {name:34} fetchall {fetch[0]:6.1f}   arrow {arrow[0]:6.1f}")


def _uncached(store: Store, filters: Filters, res: int, themes) -> pa.Table:
    """socmap's count with its memory of earlier answers cleared: the query itself."""
    clear_cache()
    return hex_counts(store, filters, res, themes)


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
