"""Placement speed: districts and divisions for 1 million points, against naive baselines.

Boundaries are the shared Kent set (``$SOCMAP_SHARED_DATA/boundaries``, or ``--boundaries``),
loaded through socmap's own loader so the shapes are the ones placement really uses. Points
are real police.uk locations jittered by a few hundred metres, plus 10% spread evenly over
the county's box (some fall in the sea, outside every area).

Compared in the same process, on the same points:
  socmap     geo.areas._placement (grid-classified boxes; exact tests only near edges)
  strtree    one shapely STRtree query per level over all points (the first placer)
  sjoin      geopandas.sjoin, districts then divisions
  naive      a Python loop over points and polygons (run on a sample; rate scaled)
The districts found must be identical for every method (lowest code on shared edges).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.areas import placer_from_connection
from geo.areas.boundaries import fetch_boundaries
from geo.store import Store


def points(n: int, shared: Path | None, seed: int = 1) -> tuple[np.ndarray, np.ndarray, tuple]:
    rng = np.random.default_rng(seed)
    bbox = (0.0, 50.9, 1.45, 51.5)
    uniform = n // 10
    lon = rng.uniform(bbox[0], bbox[2], uniform)
    lat = rng.uniform(bbox[1], bbox[3], uniform)
    files = sorted((shared / "police-uk").glob("*.csv")) if shared else []
    if files:
        frame = pd.concat([pd.read_csv(f, usecols=["Longitude", "Latitude"]) for f in files])
        frame = frame.dropna()
        pick = rng.integers(0, len(frame), n - uniform)
        lon = np.concatenate([lon, frame["Longitude"].to_numpy()[pick]])
        lat = np.concatenate([lat, frame["Latitude"].to_numpy()[pick]])
        lon[uniform:] += rng.normal(0, 0.003, n - uniform)
        lat[uniform:] += rng.normal(0, 0.002, n - uniform)
    else:
        lon = rng.uniform(bbox[0], bbox[2], n)
        lat = rng.uniform(bbox[1], bbox[3], n)
    return lat, lon, bbox


def timed(fn, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def strtree_first(geoms: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    pts = shapely.points(lon, lat)
    pairs = shapely.STRtree(geoms).query(pts, predicate="intersects")
    hit = np.full(len(pts), -1)
    order = np.lexsort((pairs[1], pairs[0]))
    p, g = pairs[0][order], pairs[1][order]
    first = np.ones(len(p), dtype=bool)
    first[1:] = p[1:] != p[:-1]
    hit[p[first]] = g[first]
    return hit


def sjoin_first(geoms: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    areas = gpd.GeoDataFrame({"k": np.arange(len(geoms))}, geometry=list(geoms), crs="EPSG:4326")
    joined = gpd.sjoin(pts, areas, predicate="intersects")
    first = joined.groupby(level=0)["k"].min()
    out = np.full(len(lat), -1)
    out[first.index.to_numpy()] = first.to_numpy()
    return out


def naive(district_geoms, division_geoms, division_parent, lat, lon):
    """The obvious loop: first district touching the point, then first of its divisions."""
    district = np.full(len(lat), -1)
    division = np.full(len(lat), -1)
    for i, (y, x) in enumerate(zip(lat, lon, strict=True)):
        point = shapely.Point(x, y)
        for k, g in enumerate(district_geoms):
            if g.intersects(point):
                district[i] = k
                break
        for k, g in enumerate(division_geoms):
            if division_parent[k] == district[i] and g.intersects(point):
                division[i] = k
                break
    return district, division


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--naive-points", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--boundaries", type=Path, help="a folder holding a manifest set")
    args = parser.parse_args()
    raw = os.environ.get("SOCMAP_SHARED_DATA")
    shared = Path(raw) if raw else None
    folder = args.boundaries or (shared / "boundaries" if shared else None)
    if folder is None:
        raise SystemExit("set SOCMAP_SHARED_DATA or pass --boundaries DIR")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        fetch_boundaries(store, from_dir=folder)
        with store.reading() as con:
            t0 = time.perf_counter()
            placer = placer_from_connection(con)
            build = time.perf_counter() - t0
        store.close()
    lat, lon, _ = points(args.points, shared)
    n = len(lat)
    district_geoms = placer.districts.geometries
    division_geoms = placer.divisions.geometries
    fast_t, (district, division) = timed(lambda: placer.place_indices(lat, lon), args.repeats)
    tree_t, tree_d = timed(
        lambda: (strtree_first(district_geoms, lat, lon), strtree_first(division_geoms, lat, lon)),
        args.repeats,
    )
    sj_t, sj_d = timed(
        lambda: (sjoin_first(district_geoms, lat, lon), sjoin_first(division_geoms, lat, lon)), 1
    )
    m = min(args.naive_points, n)
    sample = np.random.default_rng(2).choice(n, m, replace=False)
    parent = placer.division_parent
    naive_t, naive_d = timed(
        lambda: naive(district_geoms, division_geoms, parent, lat[sample], lon[sample]), 1
    )
    assert np.array_equal(district, tree_d[0]), "socmap and STRtree districts differ"
    assert np.array_equal(district, sj_d[0]), "socmap and sjoin districts differ"
    assert np.array_equal(district[sample], naive_d[0]), "socmap and the naive loop differ"
    # Only a point in a rounding sliver between divisions may differ (socmap: the nearest).
    division_differs = int((division[sample] != naive_d[1]).sum())
    in_div = division >= 0
    assert np.array_equal(placer.division_parent[division[in_div]], district[in_div])
    rate = n / fast_t
    naive_rate = m / naive_t
    print(f"{n:,} points; {len(district_geoms)} districts, {len(division_geoms)} divisions")
    print(f"placer build (grid classification): {build * 1000:.0f} ms")
    print(f"socmap:  {fast_t:.3f} s  = {rate:,.0f} points/s   (median of {args.repeats})")
    print(f"strtree: {tree_t:.3f} s  = {n / tree_t:,.0f} points/s   ratio {tree_t / fast_t:.1f}x")
    print(f"sjoin:   {sj_t:.3f} s  = {n / sj_t:,.0f} points/s   ratio {sj_t / fast_t:.1f}x")
    print(f"naive:   {m:,} points in {naive_t:.2f} s = {naive_rate:,.0f} points/s")
    print(f"ratio against the naive per-point loop: {rate / naive_rate:,.0f}x")
    print(f"divisions differing from the naive loop in its sample: {division_differs}")
    outside = int((district < 0).sum())
    print(f"placed: {n - outside:,} in a district ({int(in_div.sum()):,} in a division), "
          f"{outside:,} outside every district")  # fmt: skip


if __name__ == "__main__":
    main()
