"""Points to H3 cells at every resolution 5-10: socmap's h3-py loop against vectorised peers.

The loaders store each point's cell at six resolutions (H3 cells do not nest, so a coarse
cell cannot come from the fine one). This measures, for 1M points in the same process:

- socmap: ``geo.grid.incidents_to_cell_columns`` (h3-py, the H3 C library, once per distinct
  point), on all-distinct points (the ingest benchmark's generator) and on points snapped to
  50,000 map points (as police.uk anonymises them: a real Kent month holds about a quarter
  as many distinct points as rows);
- h3-py in a plain loop over every point;
- h3ronpy and polars-h3 (both on h3o, the Rust port of H3), when installed
  (``pip install h3ronpy polars polars-h3``; socmap does not depend on them).

and whether each agrees with h3-py bit for bit: on the random points, and on points on cell
edges (found by bisecting between neighbouring centres, then a few ulps either side) and at
cell vertices.

    .venv/bin/python benchmarks/h3_vector_bench.py [--points 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import h3.api.basic_int as h3i
import numpy as np

from geo.grid import RESOLUTIONS, incidents_to_cell_columns


def h3py_loop(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    to_cell = h3i.latlng_to_cell
    pairs = list(zip(lat.tolist(), lon.tolist(), strict=True))
    return np.array([[to_cell(a, b, r) for a, b in pairs] for r in RESOLUTIONS], dtype=np.uint64)


def _h3ronpy():
    try:
        import pyarrow as pa  # noqa: PLC0415 - only with the optional peer
        from h3ronpy.vector import coordinates_to_cells  # noqa: PLC0415 - optional peer
    except ImportError:
        return None

    def run(lat, lon):
        return np.array(
            [np.asarray(pa.array(coordinates_to_cells(lat, lon, r))) for r in RESOLUTIONS],
            dtype=np.uint64,
        )

    return run


def _polars_h3():
    try:
        import polars as pl  # noqa: PLC0415 - optional peer, not a socmap dependency
        import polars_h3 as plh3  # noqa: PLC0415 - optional peer
    except ImportError:
        return None

    def run(lat, lon):
        frame = pl.DataFrame({"lat": lat, "lng": lon})
        out = frame.select(
            [
                plh3.latlng_to_cell("lat", "lng", r, return_dtype=pl.UInt64).alias(str(r))
                for r in RESOLUTIONS
            ]
        )
        return np.array([out[str(r)].to_numpy() for r in RESOLUTIONS], dtype=np.uint64)

    return run


def edge_points(rng: np.random.Generator, per_res: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Points on cell edges (the last float before and the first after the edge between two
    neighbouring cells, and 1-3 ulps either side) and cell vertices, around Kent."""
    lats, lons = [], []
    for res in RESOLUTIONS:
        for _ in range(per_res):
            cell = h3i.latlng_to_cell(rng.uniform(50.9, 51.5), rng.uniform(0.0, 1.5), res)
            other = sorted(h3i.grid_ring(cell, 1))[rng.integers(0, 6)]
            a, b = np.array(h3i.cell_to_latlng(cell)), np.array(h3i.cell_to_latlng(other))
            lo, hi = 0.0, 1.0
            while (mid := (lo + hi) / 2) not in (lo, hi):
                p = a + mid * (b - a)
                lo, hi = (mid, hi) if h3i.latlng_to_cell(p[0], p[1], res) == cell else (lo, mid)
            p = a + lo * (b - a)
            for step in range(-3, 4):
                lats.append(p[0] + step * np.spacing(p[0]))
                lons.append(p[1])
            for vlat, vlon in h3i.cell_to_boundary(cell)[:2]:
                lats.append(vlat)
                lons.append(vlon)
    return np.array(lats), np.array(lons)


def timed(fn, *args, repeat: int) -> tuple[float, float, float, np.ndarray]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), max(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    n = args.points
    lat = np.round(51.2 + rng.normal(0, 0.1, n), 6)  # police.uk gives six decimals
    lon = np.round(0.8 + rng.normal(0, 0.3, n), 6)
    snap = rng.integers(0, 50_000, n)
    e_lat, e_lon = edge_points(rng)
    reference = h3py_loop(e_lat, e_lon)
    print(f"{n:,} points, resolutions 5-10 ({len(RESOLUTIONS) * n:,} cells); median of "
          f"{args.repeat} (s), range; agreement with h3-py on {len(e_lat):,} edge and vertex "
          "points")  # fmt: skip
    runs = [
        ("socmap (h3-py per distinct point)", incidents_to_cell_columns),
        ("socmap, points snapped to 50,000",
         lambda a, b: incidents_to_cell_columns(a[snap], b[snap])),
        ("h3-py loop over every point", h3py_loop),
        ("h3ronpy", _h3ronpy()),
        ("polars-h3", _polars_h3()),
    ]  # fmt: skip
    base = None
    for label, fn in runs:
        if fn is None:
            print(f"  {label:36} not installed")
            continue
        median, lo, hi, out = timed(fn, lat, lon, repeat=args.repeat)
        if "snapped" not in label:
            base = out if base is None else base
            same = np.array_equal(out, base)
            edges = fn(e_lat, e_lon)
            wrong = int((np.asarray(edges) != reference).sum())
            verdict = f"random: {'same' if same else 'DIFFERENT'}; edges: {wrong:,} differ"
        else:
            verdict = ""
        print(f"  {label:36} {median:6.2f} ({lo:.2f}-{hi:.2f})  {verdict}")


if __name__ == "__main__":
    main()
