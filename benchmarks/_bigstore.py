"""A store of about a million incidents, built through socmap's own loading paths and cached.

What goes in, in this order (each a normal batch, as a deployment would load it):

1. the shared Kent boundaries (``fetch_boundaries(from_dir=...)``, as
   ``socmap boundaries fetch --from DIR``);
2. the synthetic demo (``load_demo``), 24 months to :data:`LAST_MONTH`;
3. partner files of the four SOC themes: the demo generator (``geo.demo._generate``) run with
   many seeds (towns weighted by size, kept on land, planted hotspots, county lines from
   London boroughs, port events at the ports), written as Parquet partner files and loaded
   with ``ingest_incidents`` (source :data:`PARTNER_SOURCE`);
4. police.uk: the real shared months (2018-10 and 2018-11) and generated police.uk-format CSVs
   for the 22 months before them (``benchmarks.ingest_bench.generate``), one file a month,
   sized so that the store holds ``rows`` incidents in all.

The real 2018-12 month (:func:`new_month_file`) is left out, for the load test to load while
users are working. The store is cached under ``benchmarks/out/`` (git-ignored) with a manifest
of how it was built, and rebuilt only when that changes. Callers that write to it (the load
test) take a copy first (:func:`working_copy`).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from benchmarks.ingest_bench import generate as generate_police_uk
from geo import Settings, Store, ingest_incidents, ingest_police_uk
from geo.demo import GENERATOR as DEMO_GENERATOR
from geo.demo import demo_months, load_demo
from geo.demo._generate import generate as generate_demo
from geo.filters import month_str
from geo.store import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
BUILDER = "bigstore-3"  # change when what is loaded changes, so the cache is rebuilt
LAST_MONTH = "2018-11"
MONTHS = 24
REAL_MONTHS = ("2018-10", "2018-11")
NEW_MONTH = "2018-12"  # real, loaded by the load test while users work
PARTNER_SOURCE = "synthetic-soc"
PARTNER_SHARE = 0.47  # of all rows; police.uk makes up the rest
_SEEDS_PER_FILE = 20
_PARTNER_COLUMNS = (
    "incident_id", "category", "subcategory", "latitude", "longitude", "location", "origin",
    "origin_code", "origin_latitude", "origin_longitude", "destination", "line_name", "port",
)  # fmt: skip


def shared_data() -> Path:
    """``$SOCMAP_SHARED_DATA``, else the shared folder beside the checkout."""
    raw = os.environ.get("SOCMAP_SHARED_DATA")
    path = Path(raw) if raw else ROOT.parent / "shared" / "data"
    if not (path / "boundaries").is_dir() or not (path / "police-uk").is_dir():
        sys.exit(f"{path}: no shared Kent data (boundaries/, police-uk/); set SOCMAP_SHARED_DATA")
    return path


def new_month_file(shared: Path | None = None) -> Path:
    return (shared or shared_data()) / "police-uk" / f"{NEW_MONTH}-kent-street.csv"


def bigstore(rows: int = 1_000_000, *, out: Path = OUT, log=print) -> Path:
    """The cached store of ``rows`` incidents (built first if missing or out of date)."""
    shared = shared_data()
    db = out / f"bigstore-{rows}.duckdb"
    manifest = db.with_suffix(".json")
    want = {
        "builder": BUILDER,
        "rows": rows,
        "last_month": LAST_MONTH,
        "months": MONTHS,
        # The store's schema and the demo generator change with socmap, not with this file.
        "schema": SCHEMA_VERSION,
        "demo": DEMO_GENERATOR,
    }
    if db.is_file() and manifest.is_file():
        found = json.loads(manifest.read_text())
        if {k: found.get(k) for k in want} == want:
            log(f"store: {db} ({found['incidents']:,} incidents, cached)")
            return db
    out.mkdir(parents=True, exist_ok=True)
    building = db.with_name(db.name + ".building")
    for stale in out.glob(building.name + "*"):
        stale.unlink()
    t0 = time.perf_counter()
    incidents = _build(building, rows, shared, log)
    os.replace(building, db)
    for leftover in out.glob(building.name + "*"):  # .prev and .lock of the build
        leftover.unlink()
    manifest.write_text(json.dumps({**want, "incidents": incidents}, indent=1))
    log(f"store: {db} ({incidents:,} incidents) built in {time.perf_counter() - t0:.0f} s")
    return db


def working_copy(db: Path, name: str) -> Path:
    """A private copy of a cached store, for a run that loads into it."""
    copy = db.with_name(f"{name}.duckdb")
    for old in db.parent.glob(copy.name + "*"):
        if old.is_dir():
            shutil.rmtree(old)
        else:
            old.unlink()
    shutil.copyfile(db, copy)
    return copy


def _build(db: Path, rows: int, shared: Path, log) -> int:
    from geo.areas.boundaries import fetch_boundaries  # noqa: PLC0415 - geopandas is slow to import

    settings = Settings(db_path=db)
    store = Store(db)
    fetch_boundaries(store, from_dir=shared / "boundaries", progress=False)
    log("store: boundaries loaded")
    report = load_demo(store, settings, months=MONTHS, end=LAST_MONTH)
    log(f"store: demo {report.loaded:,} rows")
    months = demo_months(MONTHS, LAST_MONTH)
    _partner(store, settings, months, int(rows * PARTNER_SHARE), log)
    for name in REAL_MONTHS:
        report = ingest_police_uk(store, shared / "police-uk" / f"{name}-kent-street.csv", settings)
        log(f"store: police.uk {name} (real) {report.rows_read:,} rows")
    _generated_police_uk(store, settings, months, rows, log)
    total = _count(store)
    store.close()
    return total


def _partner(store: Store, settings: Settings, months, target: int, log) -> None:
    """Partner files of the four themes: the demo generator with many seeds."""
    from geo.demo._load import _placer  # noqa: PLC0415 - the demo's own land check

    placer = _placer(store)
    done, seed, part = 0, 1, 0
    with tempfile.TemporaryDirectory() as tmp:
        while done < target:
            tables = []
            for _ in range(_SEEDS_PER_FILE):
                if done >= target:
                    break
                demo = generate_demo(seed, months, settings.region_bbox, placer)
                table = _partner_rows(demo, seed)
                tables.append(table)
                done += table.num_rows
                seed += 1
            part += 1
            path = Path(tmp) / f"soc-partner-{part:02d}.parquet"
            pq.write_table(pa.concat_tables(tables), path)
            report = ingest_incidents(store, path, settings, source=PARTNER_SOURCE, progress=False)
            log(f"store: partner file {part} {report.loaded + report.unmapped:,} rows ({done:,})")


def _partner_rows(table: pa.Table, seed: int) -> pa.Table:
    """The generator's rows as a partner would send them: their own ids, a date column that
    holds the month alone where the day is not known."""
    ids = pc.binary_join_element_wise(pa.scalar(f"S{seed:04d}-"), table["incident_id"], "")
    month = pc.strftime(table["month"], format="%Y-%m")
    day = pc.strftime(table["date"], format="%Y-%m-%d")
    columns = {name: table[name] for name in _PARTNER_COLUMNS}
    columns["incident_id"] = ids
    columns["date"] = pc.coalesce(day, month)
    return pa.table(columns)


def _generated_police_uk(store: Store, settings: Settings, months, total: int, log) -> None:
    """police.uk-format months before the real ones, one file a month, until the store holds
    ``total`` incidents (a few generated points fall outside the region and are quarantined;
    each month is sized by the share kept so far)."""
    generated = [month_str(m) for m in months if month_str(m) not in REAL_MONTHS]
    kept = 1.0
    with tempfile.TemporaryDirectory() as tmp:
        for i, name in enumerate(generated):
            wanted = -(-(total - _count(store)) // (len(generated) - i))
            if wanted <= 0:
                continue
            n = int(wanted / kept) + 1
            path = Path(tmp) / f"{name}-kent-street.csv"
            generate_police_uk(path, n, seed=100 + i, months=[name], first_id=i * 10**8)
            report = ingest_police_uk(store, path, settings, progress=False)
            kept = (report.loaded + report.unmapped) / report.rows_read
            log(f"store: police.uk {name} (generated) {report.rows_read:,} rows")


def _count(store: Store) -> int:
    return store.fetch_rows("SELECT count(*) FROM incidents")[0][0]


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Build (or find) the cached benchmark store.")
    parser.add_argument("--rows", type=int, default=1_000_000)
    bigstore(parser.parse_args().rows)
