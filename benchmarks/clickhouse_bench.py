"""DuckDB against ClickHouse (embedded chdb) on the same incidents: filtered hexagon counts,
area totals, and what a load costs on each, side by side in one process.

The DuckDB store is built through socmap's real loader (``hex_query_bench.build_store``: the
shared Kent boundaries, then 24 monthly batches of synthetic police.uk-like incidents, placed
and sorted as the loader does). The ClickHouse store is that store published as its first
generation (:class:`geo.store.ClickHouseStore`), so both hold the same rows. Every query is
asked through the query layer (``hex_counts``, ``area_counts``) and the two answers are
checked equal before they are timed. Then one more month is loaded into each: into DuckDB
(copy the file, load, rename) and into ClickHouse (the same load on its DuckDB staging copy,
then publishing: the previous generation cloned, the new month written).

    .venv/bin/python -m benchmarks.clickhouse_bench [--sizes 1000000 10000000] [--repeat 9]
        [--keep DIR]   # reuse generated stores between runs

Medians of ``repeat`` runs after one warm-up, in milliseconds; a ratio above 1 means chdb is
slower. Timings are comparable only within one run: the machine this was written on has two
cores shared with other work.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.hex_query_bench import FIRST, MONTHS, build_store, median_ms, month_rows
from geo.filters import Filters, add_months
from geo.ingest._load import Chunk, LoadSpec, load_chunks
from geo.settings import StoreTarget
from geo.store import ClickHouseStore, Store
from geo.store.queries.counts import area_counts, hex_counts
from geo.themes import load_themes

_run = itertools.count()


def _same(a, b) -> None:
    def rows(t):
        return sorted(zip(t["cell"].to_pylist(), t["count"].to_pylist(), strict=True))

    if (rows(a) if hasattr(a, "column") else a) != (rows(b) if hasattr(b, "column") else b):
        raise SystemExit("DuckDB and ClickHouse disagree: the benchmark is void")


def _load_month(store, rows: int, seed: int) -> float:
    """Seconds to load one more month of ``rows`` incidents into ``store``."""
    rng = np.random.default_rng(seed)
    month = add_months(FIRST, MONTHS)
    table, cells = month_rows(rng, rows, month)
    spec = LoadSpec("police-uk", "police-uk", f"synthetic-{month}.csv", f"extra-{seed}",
                    "months", "Crime ID")  # fmt: skip
    t0 = time.perf_counter()
    load_chunks(store, spec, [Chunk(table=table, cells=cells)])
    return time.perf_counter() - t0


def bench_size(rows: int, folder: Path, chdb: Path, repeat: int) -> None:
    path = folder / f"hexes-{rows}.duckdb"
    if not path.exists():
        t0 = time.perf_counter()
        build_store(path, rows)
        took = time.perf_counter() - t0
        print(f"DuckDB: built {rows:,} incidents through the loader in {took:.0f} s "
              f"({rows / took:,.0f} rows/s, boundaries and 24 monthly loads)")  # fmt: skip
    # Working copies: the month loaded at the end must not change the cached store.
    duck_path = folder / f"bench-duck-{rows}.duckdb"
    stage_path = folder / f"bench-stage-{rows}.duckdb"
    for copy in (duck_path, stage_path):
        shutil.copyfile(path, copy)
    duck = Store(duck_path)
    target = StoreTarget(kind="chdb", path=chdb, database=f"bench{rows}_{next(_run)}")
    ch = ClickHouseStore(target, stage_path)
    t0 = time.perf_counter()
    ch.publish()
    took = time.perf_counter() - t0
    print(
        f"chdb: published the same {rows:,} incidents as a first generation in {took:.1f} s "
        f"({rows / took:,.0f} rows/s: read from DuckDB, Arrow in, one part per month)"
    )

    themes = load_themes()
    last = add_months(FIRST, MONTHS - 1)
    first = add_months(last, -11)
    print(f"\n{rows:,} incidents; median of {repeat} (ms):")
    print(f"  {'query':52} {'res':>3} {'DuckDB':>8} {'chdb':>8} {'chdb/DuckDB':>11}")
    cases = [
        ("hexagons: knife crime, 12 months", ("Possession of weapons",), 7),
        ("hexagons: knife crime, 12 months", ("Possession of weapons",), 9),
        ("hexagons: Violence and sexual offences, 12 months", ("Violence and sexual offences",), 9),
        ("hexagons: county lines + knife crime, 12 months", ("Drugs", "Possession of weapons"), 9),
        ("hexagons: every category, 12 months", (), 9),
    ]
    ratios = []
    for label, cats, res in cases:
        f = Filters(categories=cats, month_from=first, month_to=last)
        _same(hex_counts(duck, f, res, themes), hex_counts(ch, f, res, themes))
        a = median_ms(lambda f=f, r=res: hex_counts(duck, f, r, themes), repeat)
        b = median_ms(lambda f=f, r=res: hex_counts(ch, f, r, themes), repeat)
        ratios.append(b / a)
        print(f"  {label:52} {res:>3} {a:8.1f} {b:8.1f} {b / a:10.2f}x")
    for level in ("district", "division"):
        f = Filters(month_from=first, month_to=last)
        _same(area_counts(duck, f, themes, level), area_counts(ch, f, themes, level))
        a = median_ms(lambda f=f, lv=level: area_counts(duck, f, themes, lv), repeat)
        b = median_ms(lambda f=f, lv=level: area_counts(ch, f, themes, lv), repeat)
        ratios.append(b / a)
        print(f"  {'area totals by ' + level + ', every category, 12 months':52} {'':>3} "
              f"{a:8.1f} {b:8.1f} {b / a:10.2f}x")  # fmt: skip
    print(f"  median ratio chdb/DuckDB over these queries: {np.median(ratios):.2f}x")

    month = rows // MONTHS
    a = _load_month(duck, month, seed=1)
    b = _load_month(ch, month, seed=1)
    _same(area_counts(duck, Filters(), themes, "district"),
          area_counts(ch, Filters(), themes, "district"))  # fmt: skip
    print(
        f"\n  one more month ({month:,} rows) loaded: DuckDB {a:.1f} s; ClickHouse {b:.1f} s "
        f"(the same DuckDB load on the staging copy, then publish) = {b / a:.2f}x"
    )
    ch.close()
    duck.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--keep", type=Path, help="a folder to keep the generated stores in")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        chdb = Path(tempfile.mkdtemp(prefix="chdb-", dir=folder))  # one directory a process
        try:
            for rows in args.sizes:
                bench_size(rows, folder, chdb, args.repeat)
        finally:
            shutil.rmtree(chdb, ignore_errors=True)
            for scratch in folder.glob("bench-*"):
                scratch.unlink()


if __name__ == "__main__":
    main()
