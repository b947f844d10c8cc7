"""Ingest benchmark: a generated police.uk-format CSV loaded end to end.

socmap's pipeline (parse, validate, H3, place, store; one transaction) against a naive one
(pandas rows, a Python loop over h3, row-by-row INSERTs), in the same run. The naive pipeline
runs on a sample, because row-by-row inserts would take many minutes on a million rows; its
rate is rows per second of that sample. socmap's run happens in a child process so its peak
memory (max RSS) is its own.

    .venv/bin/python benchmarks/ingest_bench.py [--rows 1000000] [--naive-rows 20000]
        [--repeat 5]         # socmap loads the file this many times, each into a new store
        [--boundaries DIR]   # also place points in districts/divisions (shared boundaries)

The rate printed is the median of the repeats (this machine's timings vary by a quarter from
one run to the next); the range and the worst peak memory are printed beside it.

Targets (issue 2): >= 300,000 rows/s, >= 5x the naive pipeline, peak memory < 1.5 GB.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import h3
import numpy as np
import pandas as pd

from geo.ingest.police_uk import HEADER

CATEGORIES = [
    "Anti-social behaviour",
    "Violence and sexual offences",
    "Criminal damage and arson",
    "Public order",
    "Other theft",
    "Shoplifting",
    "Vehicle crime",
    "Burglary",
    "Drugs",
    "Possession of weapons",
    "Robbery",
    "Bicycle theft",
    "Other crime",
    "Theft from the person",
]


def generate(
    path: Path, rows: int, seed: int = 7, months: list[str] | None = None, first_id: int = 0
) -> None:
    """A police.uk-shaped file: Kent points around towns, 2% unmapped, some ASB without ids.

    ``months`` (``YYYY-MM``, default 24 months from 2017-10) are drawn uniformly; Crime IDs
    count up from ``first_id``, so files generated with distinct ranges do not share ids.
    """
    rng = np.random.default_rng(seed)
    towns = np.array(
        [
            (51.27, 0.52),
            (51.28, 1.08),
            (51.38, 1.39),
            (51.15, 0.87),
            (51.08, 1.17),
            (51.44, 0.37),
            (51.13, 0.26),
            (51.34, 0.73),
            (51.39, 0.53),
            (51.13, 1.31),
        ]
    )
    pick = rng.integers(0, len(towns), rows)
    lat = towns[pick, 0] + rng.normal(0, 0.03, rows)
    lon = towns[pick, 1] + rng.normal(0, 0.045, rows)
    if months is None:
        months = [f"{2017 + (m + 9) // 12}-{(m + 9) % 12 + 1:02d}" for m in range(24)]
    month_index = rng.integers(0, len(months), rows)
    cats = rng.integers(0, len(CATEGORIES), rows)
    unmapped = rng.random(rows) < 0.02
    frame = pd.DataFrame(
        {
            "Crime ID": [f"{i:064x}" for i in range(first_id, first_id + rows)],
            "Month": np.array(months)[month_index],
            "Reported by": "Kent Police",
            "Falls within": "Kent Police",
            "Longitude": np.where(unmapped, "", np.char.mod("%.6f", lon)),
            "Latitude": np.where(unmapped, "", np.char.mod("%.6f", lat)),
            "Location": "On or near Somewhere Road",
            "LSOA code": "E01024343",
            "LSOA name": "Maidstone 001A",
            "Crime type": np.array(CATEGORIES)[cats],
            "Last outcome category": "Under investigation",
            "Context": "",
        }
    )
    frame.loc[cats == 0, "Crime ID"] = ""
    frame.to_csv(path, index=False, columns=list(HEADER), quoting=csv.QUOTE_MINIMAL)


def run_socmap_in_child(csv_path: Path, db: Path, boundaries: Path | None) -> dict:
    code = f"""
import json, resource, sys, time
from pathlib import Path
from geo import Settings, Store, ingest_police_uk
settings = Settings(db_path=Path({str(db)!r}))
store = Store(settings.db_path)
boundaries = {str(boundaries) if boundaries else None!r}
if boundaries:
    from geo.areas.boundaries import fetch_boundaries
    fetch_boundaries(store, from_dir=Path(boundaries))
t0 = time.perf_counter()
report = ingest_police_uk(store, {str(csv_path)!r}, settings, progress=False)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"seconds": seconds, "rows": report.rows_read, "loaded": report.loaded,
                  "peak_bytes": peak}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_naive(csv_path: Path, db: Path, rows: int) -> dict:
    """pandas rows, a Python loop over h3, one INSERT per row (the obvious first version)."""
    t0 = time.perf_counter()
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False, nrows=rows)
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE TABLE incidents (crime_id VARCHAR, month DATE, category VARCHAR, "
        "latitude DOUBLE, longitude DOUBLE, cell UBIGINT)"
    )
    con.execute("BEGIN")
    for _, r in frame.iterrows():
        try:
            lat, lon = float(r["Latitude"]), float(r["Longitude"])
        except ValueError:
            lat = lon = math.nan
        cell = None
        if not math.isnan(lat):
            cell = h3.str_to_int(h3.latlng_to_cell(lat, lon, 10))
        con.execute(
            "INSERT INTO incidents VALUES (?, ?, ?, ?, ?, ?)",
            [
                r["Crime ID"] or None,
                r["Month"] + "-01",
                r["Crime type"],
                None if math.isnan(lat) else lat,
                None if math.isnan(lon) else lon,
                cell,
            ],
        )
    con.execute("COMMIT")
    con.close()
    return {"seconds": time.perf_counter() - t0, "rows": len(frame)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--boundaries", type=Path, help="a folder of boundary files to load")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        csv_path = tmpdir / "incidents.csv"
        t0 = time.perf_counter()
        generate(csv_path, args.rows)
        # Flush the generated file to disk first: the load ends with an fsync of the store,
        # which would otherwise wait behind the kernel writing out this 190 MB file.
        os.sync()
        size_mb = csv_path.stat().st_size / 2**20
        print(
            f"generated {args.rows:,} rows ({size_mb:.0f} MB) in {time.perf_counter() - t0:.1f} s"
        )
        runs = [
            run_socmap_in_child(csv_path, tmpdir / f"fast{i}.duckdb", args.boundaries)
            for i in range(args.repeat)
        ]
        naive = run_naive(csv_path, tmpdir / "naive.duckdb", args.naive_rows)
    rows = runs[0]["rows"]
    seconds = sorted(run["seconds"] for run in runs)
    fast_rate = rows / statistics.median(seconds)
    naive_rate = naive["rows"] / naive["seconds"]
    peak = max(run["peak_bytes"] for run in runs)
    print(
        f"socmap: {rows:,} rows in {statistics.median(seconds):.2f} s (median of {len(runs)}; "
        f"{seconds[0]:.2f}-{seconds[-1]:.2f} s) = {fast_rate:,.0f} rows/s "
        f"(peak memory {peak / 2**30:.2f} GB; target >= 300,000 rows/s, < 1.5 GB)"
    )
    print(f"naive:  {naive['rows']:,} rows in {naive['seconds']:.2f} s = {naive_rate:,.0f} rows/s")
    print(f"ratio:  {fast_rate / naive_rate:.1f}x (target >= 5x)")


if __name__ == "__main__":
    main()
