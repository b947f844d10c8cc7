"""Gi* benchmark: hot spots over the whole county at resolution 8, socmap against esda.

On the real Kent boundaries and police.uk months (``--shared``, default $SOCMAP_SHARED_DATA),
all crime types: socmap's ``find_hotspots`` end to end (store query, study region, Gi*, FDR,
classes), with the study region built from scratch ("cold") and cached ("warm"); its Gi*
arithmetic alone; and esda's ``G_Local(y, w, transform="B", star=True)`` on the same counts and
neighbours (building the libpysal weights counted separately). Then the permutation test, 999
permutations, both sides. Without the shared data, a synthetic region of the same size.

    .venv/bin/python benchmarks/gistar_bench.py [--shared DIR] [--repeat 9]

Target (issue 4): county Gi* (analytic) under 200 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import h3.api.basic_int as h3i
import numpy as np
from esda.getisord import G_Local
from libpysal.weights import W

from geo import Settings, Store, coverage, find_hotspots, ingest_police_uk
from geo import grid as grid_module
from geo.boundaries import fetch_boundaries
from geo.filters import Filters
from geo.gistar import gi_star, gi_star_p_sim
from geo.grid import region_from_cells, study_region
from geo.hexes import hex_counts
from geo.themes import load_themes


def median_ms(fn, repeat: int, setup=None) -> float:
    times = []
    for _ in range(repeat):
        if setup:
            setup()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def kent_store(shared: Path, folder: Path) -> Store:
    settings = Settings(db_path=folder / "kent.duckdb")
    store = Store(settings.db_path)
    fetch_boundaries(store, from_dir=shared / "boundaries")
    for f in sorted((shared / "police-uk").glob("*.csv")):
        ingest_police_uk(store, f, settings, progress=False)
    return store


def esda_weights(region) -> W:
    neighbours = {
        i: [int(j) for j in region.indices[region.indptr[i] : region.indptr[i + 1]] if j != i]
        for i in range(region.n)
    }
    return W(neighbours, silence_warnings=True)


def bench_real(store: Store, repeat: int) -> tuple:
    themes = load_themes()
    filters = Filters()

    def clear() -> None:
        # Both caches: socmap's study regions and the county outline (a union of districts).
        grid_module._cache.clear()
        coverage._county_cache.clear()

    def run() -> None:
        find_hotspots(store, filters, 8, themes, permutations=0)

    cold = median_ms(run, repeat, setup=clear)
    run()
    warm = median_ms(run, repeat)
    region = study_region(store, "county", None, 8)
    counts = hex_counts(store, filters, 8, themes)
    y = region.align(counts["cell"].to_numpy(), counts["count"].to_numpy())
    print(f"county study region at res 8: {region.n:,} cells, {int(y.sum()):,} incidents")
    print(f"socmap find_hotspots, analytic, region built:  {cold:8.1f} ms  (target < 200 ms)")
    print(f"socmap find_hotspots, analytic, region cached: {warm:8.1f} ms")
    return region, y


def bench_synthetic() -> tuple:
    centre = h3i.latlng_to_cell(51.2, 0.8, 8)
    region = region_from_cells(np.array(h3i.grid_disk(centre, 44), dtype=np.uint64), 8)
    y = np.random.default_rng(1).poisson(0.8, region.n).astype(float)
    print(f"synthetic region at res 8: {region.n:,} cells (no shared data)")
    return region, y


def compare(region, y, repeat: int, permutations: int) -> None:
    ours = median_ms(lambda: gi_star(y, region), repeat)
    t0 = time.perf_counter()
    w = esda_weights(region)
    w_ms = 1000 * (time.perf_counter() - t0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = median_ms(lambda: G_Local(y, w, transform="B", star=True, permutations=0), repeat)
        ref = G_Local(y, w, transform="B", star=True, permutations=0).Zs
    z = gi_star(y, region)[0]
    print(f"  max |z - esda z| = {np.nanmax(np.abs(z - ref)):.2e}")
    print(f"Gi* arithmetic only: socmap {ours:.2f} ms, esda {theirs:.1f} ms "
          f"(+ {w_ms:.0f} ms to build its weights): {theirs / ours:.0f}x")  # fmt: skip
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    gi_star_p_sim(y, region, permutations, rng)
    ours_perm = time.perf_counter() - t0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        G_Local(y, w, transform="B", star=True, permutations=permutations, seed=0, n_jobs=1)
        theirs_perm = time.perf_counter() - t0
    print(f"{permutations} permutations: socmap {ours_perm:.2f} s, esda {theirs_perm:.2f} s "
          f"(n_jobs=1): {theirs_perm / ours_perm:.1f}x")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("SOCMAP_SHARED_DATA")
    parser.add_argument("--shared", type=Path, default=Path(default) if default else None)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--permutations", type=int, default=999)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.shared and (args.shared / "police-uk").is_dir():
            store = kent_store(args.shared, Path(tmp))
            region, y = bench_real(store, args.repeat)
            store.close()
        else:
            region, y = bench_synthetic()
        compare(region, y, args.repeat, args.permutations)


if __name__ == "__main__":
    main()
