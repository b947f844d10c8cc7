"""Partner ingest benchmark: a generated N-row partner CSV loaded end to end (parse, validate,
BNG conversion, gazetteer and port lookups, H3, store) against a naive pipeline (pandas rows,
a Python loop over validation, pyproj and h3 per row, row-by-row inserts) in the same run.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_partner_ingest.py [--rows 1000000]

Prints rows per second for both, the ratio, and the fast path's peak memory (measured in a
child process, so the generator's own memory does not count).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
import h3
import numpy as np
import pandas as pd
import pyproj

CATEGORIES = np.array(
    ["knife_crime", "Knife crime", "modern_slavery", "county lines", "port_event"]
)


def make_csv(path: Path, rows: int, seed: int = 1) -> None:
    """Mostly good rows: lat/lon, a fifth in BNG, county lines by destination, ports by name,
    and about 1% bad (swapped, impossible dates)."""
    rng = np.random.default_rng(seed)
    lat = rng.uniform(51.0, 51.45, rows).round(6)
    lon = rng.uniform(0.2, 1.35, rows).round(6)
    category = CATEGORIES[rng.integers(0, len(CATEGORIES), rows)]
    day = rng.integers(1, 29, rows)
    frame = pd.DataFrame({
        "incident_id": [f"B{i:08d}" for i in range(rows)],
        "category": category,
        "date": [f"2024-{1 + i % 12:02d}-{d:02d}" for i, d in enumerate(day)],
        "latitude": lat.astype(str),
        "longitude": lon.astype(str),
        "easting": "",
        "northing": "",
        "origin": np.where(category == "county lines", "Lewisham", ""),
        "destination": np.where(category == "county lines", "Margate", ""),
        "port": np.where(category == "port_event", "Dover", ""),
        "notes": "x",
    })  # fmt: skip
    grid = rng.random(rows) < 0.2
    e, n = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True).transform(
        lon[grid], lat[grid]
    )
    frame.loc[grid, ["latitude", "longitude"]] = ""
    frame.loc[grid, "easting"] = np.round(e, 1).astype(str)
    frame.loc[grid, "northing"] = np.round(n, 1).astype(str)
    bad = rng.random(rows) < 0.01
    frame.loc[bad, "date"] = "2024-02-30"
    frame.to_csv(path, index=False)


FAST = """
import sys, time
from geo import Settings, Store, ingest_incidents
s = Settings(db_path=sys.argv[2])
t = time.perf_counter()
r = ingest_incidents(Store(s.db_path), sys.argv[1], s, progress=False)
print(time.perf_counter() - t, r.rows_read, r.loaded, r.unmapped, r.quarantined)
"""


def run_fast(csv_path: Path, db: Path) -> tuple[float, int, str]:
    out = subprocess.run(
        [sys.executable, "-c", FAST, str(csv_path), str(db)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    seconds, *counts = out.stdout.splitlines()[-1].split()
    return float(seconds), peak_kb, " ".join(counts)


def run_naive(csv_path: Path, db: Path, rows: int) -> float:
    """What a first attempt looks like: a row at a time, all the way to the database."""
    start = time.perf_counter()
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False, nrows=rows)
    to_wgs = pyproj.Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE TABLE t (id VARCHAR, category VARCHAR, date DATE, lat DOUBLE, lon DOUBLE, "
        "cell UBIGINT, reason VARCHAR)"
    )
    aliases = {"knife crime": "knife_crime", "county lines": "county_lines"}
    for _, row in frame.iterrows():
        category = aliases.get(row["category"].lower(), row["category"].lower())
        reason, when, lat, lon, cell = None, None, None, None, None
        try:
            when = date.fromisoformat(row["date"])
        except ValueError:
            reason = "bad date"
        if row["latitude"]:
            lat, lon = float(row["latitude"]), float(row["longitude"])
        elif row["easting"]:
            lon, lat = to_wgs.transform(float(row["easting"]), float(row["northing"]))
        if lat is not None and reason is None:
            cell = h3.str_to_int(h3.latlng_to_cell(lat, lon, 10))
        con.execute(
            "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)",
            [row["incident_id"], category, when, lat, lon, cell, reason],
        )
    con.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        csv_path = tmp_path / "partner.csv"
        make_csv(csv_path, args.rows)
        size_mb = csv_path.stat().st_size / 2**20
        seconds, peak_kb, counts = run_fast(csv_path, tmp_path / "fast.duckdb")
        naive_rows = min(args.naive_rows, args.rows)
        naive = run_naive(csv_path, tmp_path / "naive.duckdb", naive_rows)
    fast_rate, naive_rate = args.rows / seconds, naive_rows / naive
    print(
        f"file: {args.rows:,} rows, {size_mb:.0f} MB (read loaded unmapped quarantined: {counts})"
    )
    print(f"socmap ingest incidents: {fast_rate:,.0f} rows/s ({seconds:.1f} s)")
    print(f"naive pipeline ({naive_rows:,} rows): {naive_rate:,.0f} rows/s")
    print(f"ratio: {fast_rate / naive_rate:.1f}x")
    print(f"peak memory (fast path): {peak_kb / 1024:.0f} MB")


if __name__ == "__main__":
    main()
