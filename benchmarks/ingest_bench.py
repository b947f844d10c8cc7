"""Ingest benchmark: a police.uk-format CSV of 1M rows loaded end to end, against the floor.

socmap's pipeline (parse, validate, H3 at every resolution 5-10, place, account for every
row, store; one transaction, published atomically) against the *floor* of what any loader must
do, in the same run, one load at a time: pyarrow's CSV reader, a vectorised H3 library (h3ronpy
or polars-h3, both on h3o; the faster one here) computing the cells at resolutions 5-10, and
DuckDB's insert of the Arrow table into a new file, with no validation, no placement and no
accounting. Each load runs in a child process, so its peak memory (max RSS) is its own.

Two files, labelled:

* **police.uk-like** (the product's case): the points are the real months' anonymised map
  points (police.uk snaps every crime to one of a limited set; the three shared Kent months
  hold about 12,000), drawn with their real frequencies, from ``$SOCMAP_SHARED_DATA``;
* **all points distinct** (the worst case for h3): points scattered around Kent's towns.

socmap's run also prints where its time goes (a profile by step: each stage the loader
reports, and h3's own time, which overlaps validation on the second core).

    .venv/bin/python benchmarks/ingest_bench.py [--rows 1000000] [--repeat 3]
        [--naive-rows 0]     # also the naive pipeline (pandas rows, row-by-row INSERTs)
        [--boundaries DIR]   # also place points in districts/divisions (shared boundaries)

Rates are medians of the repeats (this machine's timings vary by a quarter from one run to the
next); ranges and the worst peak memory are printed beside them. The peers need the benchmark
extra (``pip install -e .[bench]``: h3ronpy, polars, polars-h3; socmap itself uses h3-py, whose
cells are the definition: the h3o libraries disagree with it on points at cell edges).

Targets (issue 22): >= 500,000 rows/s for 1M police.uk rows, >= 0.8x the floor, peak < 1 GB.
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
    path: Path,
    rows: int,
    seed: int = 7,
    months: list[str] | None = None,
    first_id: int = 0,
    *,
    points: tuple[np.ndarray, np.ndarray] | None = None,
) -> None:
    """A police.uk-shaped file: Kent points, 2% unmapped, some ASB without ids.

    ``months`` (``YYYY-MM``, default 24 months from 2017-10) are drawn uniformly; Crime IDs
    count up from ``first_id``, so files generated with distinct ranges do not share ids.
    ``points`` (latitudes, longitudes) are drawn from uniformly, one draw a row (pass every
    row's point of real months to draw map points with their real frequencies); without
    them every point is distinct, scattered around Kent's towns.
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
    if points is not None:
        draw = rng.integers(0, len(points[0]), rows)
        lat, lon = points[0][draw], points[1][draw]
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


def real_map_points(shared: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """Every located row's point in the shared real police.uk months (so a draw picks a map
    point with its real frequency); None without the shared data."""
    import pyarrow.csv as pcsv  # noqa: PLC0415 - only here

    files = sorted((shared / "police-uk").glob("*.csv")) if shared.is_dir() else []
    if not files:
        return None
    lats, lons = [], []
    for path in files:
        table = pcsv.read_csv(path, convert_options=_FLOAT_COORDS)
        table = table.filter(table["Latitude"].is_valid())
        lats.append(table["Latitude"].to_numpy())
        lons.append(table["Longitude"].to_numpy())
    return np.concatenate(lats), np.concatenate(lons)


def _float_coords():
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.csv as pcsv  # noqa: PLC0415

    return pcsv.ConvertOptions(
        column_types={"Latitude": pa.float64(), "Longitude": pa.float64()},
        include_columns=["Latitude", "Longitude"],
    )


_FLOAT_COORDS = _float_coords()

# Peak memory is the child's VmHWM (its own high-water mark): ru_maxrss would also count the
# benchmark's own memory at the fork (Linux keeps the larger across exec), which is how
# earlier runs reported the same 0.98 GB for every pipeline.

# socmap's load in a child process, with the time of each stage the loader reports (its
# progress steps) and of h3 (which runs beside validation on the second core).
_SOCMAP_CHILD = """
import json, sys, time
from pathlib import Path
import geo.ingest._progress as progress
import geo.ingest._points as points
import geo.store._file as store_file
from geo import Settings, Store, ingest_police_uk
marks, h3_seconds, count_seconds = [], [0.0], [0.0]
step = progress.LoadProgress.step
def timed_step(self, stage, rows=0):
    if not marks or marks[-1][0] != stage:
        marks.append((stage, time.perf_counter()))
    step(self, stage, rows)
progress.LoadProgress.step = timed_step
cells = points.incidents_to_cell_columns
def timed_cells(*args, **kwargs):
    t = time.perf_counter()
    try:
        return cells(*args, **kwargs)
    finally:
        h3_seconds[0] += time.perf_counter() - t
points.incidents_to_cell_columns = timed_cells
refresh = store_file.refresh_counts
def timed_refresh(*args, **kwargs):
    t = time.perf_counter()
    try:
        return refresh(*args, **kwargs)
    finally:
        count_seconds[0] += time.perf_counter() - t
store_file.refresh_counts = timed_refresh
db, csv_path, boundaries = sys.argv[1:4]
settings = Settings(db_path=Path(db))
store = Store(settings.db_path)
if boundaries:
    from geo.areas.boundaries import fetch_boundaries
    fetch_boundaries(store, from_dir=Path(boundaries))
t0 = time.perf_counter()
marks.append(("checking the file", t0))
report = ingest_police_uk(store, csv_path, settings, progress=False)
end = time.perf_counter()
marks.append(("end", end))
steps = {a[0]: b[1] - a[1] for a, b in zip(marks, marks[1:])}
steps["h3 (beside validating)"] = h3_seconds[0]
steps["hexagon counts (part of storing)"] = count_seconds[0]
peak = next(int(line.split()[1]) * 1024 for line in open('/proc/self/status')
            if line.startswith('VmHWM:'))
print(json.dumps({"seconds": end - t0, "rows": report.rows_read, "loaded": report.loaded,
                  "peak_bytes": peak, "steps": steps}))
"""

# The floor: read, cells at every resolution, insert; nothing checked, placed or accounted.
_FLOOR_CHILD = """
import json, sys, time
import duckdb, numpy as np, pyarrow as pa, pyarrow.csv as pcsv
db, csv_path, library = sys.argv[1:4]
RESOLUTIONS = range(5, 11)
if library == "h3ronpy":
    from h3ronpy.vector import coordinates_to_cells
    def cells(lat, lon, res):
        return np.asarray(pa.array(coordinates_to_cells(lat, lon, res)))
else:
    import polars as pl, polars_h3 as plh3
    def cells(lat, lon, res):
        frame = pl.DataFrame({"lat": lat, "lng": lon})
        out = frame.select(plh3.latlng_to_cell("lat", "lng", res, return_dtype=pl.UInt64))
        return out.to_series().to_numpy()
t0 = time.perf_counter()
rows = pcsv.read_csv(csv_path, convert_options=pcsv.ConvertOptions(
    column_types={"Latitude": pa.float64(), "Longitude": pa.float64()}))
t1 = time.perf_counter()
lat = rows["Latitude"].to_numpy()
lon = rows["Longitude"].to_numpy()
ok = np.isfinite(lat) & np.isfinite(lon)  # h3ronpy refuses NaN; polars-h3 gives null
for res in RESOLUTIONS:
    values = np.zeros(len(lat), np.uint64)
    values[ok] = cells(lat[ok], lon[ok], res)
    rows = rows.append_column(f"cell_{res}", pa.array(values, mask=~ok))
t2 = time.perf_counter()
con = duckdb.connect(db)
con.execute("CREATE TABLE incidents AS SELECT * FROM rows")
con.close()
end = time.perf_counter()
peak = next(int(line.split()[1]) * 1024 for line in open('/proc/self/status')
            if line.startswith('VmHWM:'))
print(json.dumps({"seconds": end - t0, "rows": rows.num_rows, "peak_bytes": peak,
                  "steps": {"read (pyarrow.csv)": t1 - t0, "h3 " + library: t2 - t1,
                            "insert (DuckDB, Arrow)": end - t2}}))
"""


def _child(code: str, *args: object) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_socmap_in_child(csv_path: Path, db: Path, boundaries: Path | None) -> dict:
    return _child(_SOCMAP_CHILD, db, csv_path, boundaries or "")


def run_floor_in_child(csv_path: Path, db: Path, library: str) -> dict:
    return _child(_FLOOR_CHILD, db, csv_path, library)


def _peers() -> list[str]:
    found = []
    for library, module in (("h3ronpy", "h3ronpy"), ("polars-h3", "polars_h3")):
        try:
            __import__(module)
        except ImportError:
            continue
        found.append(library)
    return found


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


def _summary(runs: list[dict]) -> tuple[float, float, float, float]:
    """Median seconds, fastest, slowest, worst peak (GB)."""
    seconds = sorted(run["seconds"] for run in runs)
    peak = max(run["peak_bytes"] for run in runs) / 2**30
    return statistics.median(seconds), seconds[0], seconds[-1], peak


def _steps(runs: list[dict]) -> str:
    names = list(runs[0]["steps"])
    return "; ".join(
        f"{name} {statistics.median(run['steps'].get(name, 0.0) for run in runs):.2f} s"
        for name in names
    )


def bench_file(label: str, csv_path: Path, tmpdir: Path, args, peers: list[str]) -> None:
    """socmap and each floor, one load at a time, interleaved (so a burst of load on the
    shared machine falls on both)."""
    ours: list[dict] = []
    floors: dict[str, list[dict]] = {p: [] for p in peers}
    for i in range(args.repeat):
        ours.append(run_socmap_in_child(csv_path, tmpdir / f"socmap{i}.duckdb", args.boundaries))
        for library in peers:
            floors[library].append(
                run_floor_in_child(csv_path, tmpdir / f"floor-{library}{i}.duckdb", library)
            )
        for old in tmpdir.glob("*.duckdb*"):
            old.unlink()
    rows = ours[0]["rows"]
    med, lo, hi, peak = _summary(ours)
    print(f"\n{label}: {rows:,} rows, median of {args.repeat} loads (range), peak memory")
    print(f"  socmap          {med:5.2f} s ({lo:.2f}-{hi:.2f}) {rows / med:>9,.0f} rows/s  "
          f"peak {peak:.2f} GB; loaded {ours[0]['loaded']:,}")  # fmt: skip
    print(f"    by step: {_steps(ours)}")
    best = None
    for library, runs in floors.items():
        f_med, f_lo, f_hi, f_peak = _summary(runs)
        print(f"  floor {library:9} {f_med:5.2f} s ({f_lo:.2f}-{f_hi:.2f}) "
              f"{rows / f_med:>9,.0f} rows/s  peak {f_peak:.2f} GB")  # fmt: skip
        print(f"    by step: {_steps(runs)}")
        best = f_med if best is None else min(best, f_med)
    if best is not None:
        ratio = best / med
        print(f"  socmap / fastest floor: {ratio:.2f}x (target >= 0.8x: "
              f"{'met' if ratio >= 0.8 else 'MISSED'})")  # fmt: skip
    rate = rows / med
    print(f"  targets: >= 500,000 rows/s ({'met' if rate >= 500_000 else 'MISSED'}), "
          f"peak < 1 GB ({'met' if peak < 1 else 'MISSED'})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--boundaries", type=Path, help="a folder of boundary files to load")
    parser.add_argument(
        "--only", choices=("police-uk", "distinct"), help="one of the two files only"
    )
    args = parser.parse_args()
    peers = _peers()
    if not peers:
        print("no floor: install the benchmark extra (h3ronpy, polars-h3)")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the start")
    shared = Path(os.environ.get("SOCMAP_SHARED_DATA", Path(__file__).parents[2] / "shared/data"))
    snap = real_map_points(shared)
    cases = []
    if args.only != "distinct":
        if snap is None:
            print("police.uk-like file skipped: no shared police.uk months (SOCMAP_SHARED_DATA)")
        else:
            distinct = len(set(zip(snap[0].tolist(), snap[1].tolist(), strict=True)))
            cases.append((f"police.uk-like (the real months' {distinct:,} map points)", snap))
    if args.only != "police-uk":
        cases.append(("all points distinct (h3's worst case)", None))
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        for label, points in cases:
            csv_path = tmpdir / "incidents.csv"
            generate(csv_path, args.rows, points=points)
            # Flush the generated file to disk first: the load ends with an fsync of the
            # store, which would otherwise wait behind the kernel writing out this file.
            os.sync()
            bench_file(label, csv_path, tmpdir, args, peers)
            if args.naive_rows:
                naive = run_naive(csv_path, tmpdir / "naive.duckdb", args.naive_rows)
                print(f"  naive (pandas rows, h3 loop, row INSERTs): "
                      f"{naive['rows'] / naive['seconds']:,.0f} rows/s")  # fmt: skip
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end")


if __name__ == "__main__":
    main()
