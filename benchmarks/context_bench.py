"""Context data: the load of the shared folder, and the queries the dashboard will make,
against peers run in the same process on the same data.

  load        socmap context load (read and check every file, place postcodes in LSOAs,
              one store transaction) vs the peer: pandas/geopandas reading the same files
              with no checks and no store (the floor any loader pays)
  search      geo.context.search_places (DuckDB, then placing the hits in divisions) vs
              the peer: a pandas filter over an in-memory table of the same places and
              postcodes (exact and prefix matches only, no placing)
  basemap     geo.context.basemap at county, district and division level vs the peer:
              geopandas clip of the same layers held in memory, then GeoJSON
  divisions   geo.context.populations(level="division"), first call (postcode shares
              computed) and later calls (cached per store version) vs the peer: the same rule
              by two geopandas spatial joins on the raw files

Needs the shared data ($SOCMAP_SHARED_DATA or ../shared/data). Prints medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo.areas.boundaries import fetch_boundaries
from geo.context import _population as population_module
from geo.context import basemap, load_context, populations, search_places
from geo.store import Store

QUERIES = ["Gillingham", "chatham", "Wye", "st margarets", "gilingham", "ME4 4QB", "me44qb",
           "ME4 4", "ME14", "Tunbridge"]  # fmt: skip
BOXES = {
    "county": None,
    "district": (0.4, 51.3, 0.7, 51.45),
    "division": (0.5, 51.36, 0.56, 51.4),
}


def timed(fn, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def line(name: str, ours: float, peer: float) -> None:
    print(f"  {name:34} socmap {ours * 1000:9.2f} ms   peer {peer * 1000:9.2f} ms   "
          f"ratio {ours / peer:6.2f}")  # fmt: skip


def peer_read(context: Path, boundaries: Path) -> None:
    for path in sorted(context.rglob("*.csv")):
        pd.read_csv(path, dtype=str)
    for path in sorted(context.rglob("*.geojson")):
        gpd.read_file(path, engine="pyogrio")
    gpd.read_file(boundaries / "kent_medway_lsoa11.geojson", engine="pyogrio")
    pd.read_csv(boundaries / "lsoa11_to_ced_kent.csv", dtype=str)


def peer_search_table(context: Path) -> pd.DataFrame:
    places = pd.read_csv(context / "places" / "kent_medway_places_os_open_names.csv")
    units = pd.read_csv(context / "postcodes" / "kent_medway_postcodes_codepoint_2025_4.csv")
    return pd.DataFrame({
        "name": pd.concat([places["name"], units["postcode"]], ignore_index=True),
        "key": pd.concat([places["name"], units["postcode"]], ignore_index=True)
        .str.lower().str.replace(r"[^a-z0-9]+", "", regex=True),
    })  # fmt: skip


def peer_search(table: pd.DataFrame, query: str) -> pd.DataFrame:
    key = "".join(ch for ch in query.lower() if ch.isalnum())
    return table[table["key"].str.startswith(key)].head(10)


def peer_basemap(layers: dict[str, gpd.GeoDataFrame], box) -> str:
    box = box or (-0.02, 50.85, 1.50, 51.56)
    return [gpd.clip(frame, box).to_json() for frame in layers.values()]


def peer_divisions(store: Store, context: Path, boundaries: Path) -> pd.Series:
    units = pd.read_csv(context / "postcodes" / "kent_medway_postcodes_codepoint_2018_3.csv")
    points = gpd.GeoDataFrame(
        units, geometry=gpd.points_from_xy(units["lon"], units["lat"]), crs=4326
    )
    lsoas = gpd.read_file(boundaries / "kent_medway_lsoa11.geojson", engine="pyogrio")
    rows = store.fetch_rows(
        "SELECT code, parent_code, geometry FROM areas WHERE level = 'division'"
    )
    divisions = gpd.GeoDataFrame(
        {"division": [r[0] for r in rows], "parent": [r[1] for r in rows]},
        geometry=[shapely.from_wkb(r[2]) for r in rows], crs=4326,
    )  # fmt: skip
    joined = gpd.sjoin(points, lsoas[["LSOA11CD", "lad_code", "geometry"]], predicate="within")
    joined = gpd.sjoin(joined.drop(columns="index_right"), divisions, predicate="within")
    joined = joined[joined["parent"] == joined["lad_code"]]
    counts = joined.groupby(["LSOA11CD", "division"]).size()
    shares = counts / counts.groupby(level=0).transform("sum")
    pop = pd.read_csv(context / "population" / "kent_medway_lsoa11_population_mid2018.csv")
    pop = pop.set_index("LSOA11CD")["pop_mid2018"]
    return (
        (shares * pop.reindex(shares.index.get_level_values(0)).to_numpy()).groupby(level=1).sum()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared", type=Path, default=Path(os.environ.get("SOCMAP_SHARED_DATA", "../shared/data"))
    )
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    context, boundaries = args.shared / "context", args.shared / "boundaries"
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "socmap.duckdb")
        fetch_boundaries(store, from_dir=boundaries)
        print(f"context data from {context} (2-core machine shared with other work)")

        def ours_load():
            return load_context(store, context, force=True)

        ours, _ = timed(ours_load, 3)
        peer, _ = timed(lambda: peer_read(context, boundaries), 3)
        line("load (whole shared folder)", ours, peer)
        unchanged, _ = timed(lambda: load_context(store, context), 3)
        line("reload, unchanged (checksums only)", unchanged, peer)

        search_places(store, "warm up")
        table = peer_search_table(context)
        for query in QUERIES:
            ours, _ = timed(lambda q=query: search_places(store, q), args.repeats)
            peer, _ = timed(lambda q=query: peer_search(table, q), args.repeats)
            line(f"search {query!r}", ours, peer)

        layers = {
            p.stem: gpd.read_file(p, engine="pyogrio")
            for p in sorted((context / "basemap").glob("*.geojson"))
        }
        for level, box in BOXES.items():
            ours, _ = timed(lambda lv=level, b=box: basemap(store, b, level=lv), args.repeats)
            peer, _ = timed(lambda b=box: peer_basemap(layers, b), args.repeats)
            line(f"basemap {level}", ours, peer)

        population_module._cache.clear()
        first, got = timed(lambda: populations(store, "division"), 1)
        later, _ = timed(lambda: populations(store, "division"), args.repeats)
        peer, want = timed(lambda: peer_divisions(store, context, boundaries), 1)
        line("division populations, first call", first, peer)
        line("division populations, cached", later, peer)
        diff = max(abs(got[k] - want[k]) for k in want.index)
        print(
            f"  divisions agree with the peer to {diff:.2e} persons; sum {sum(got.values()):,.1f}"
        )
        store.close()


if __name__ == "__main__":
    main()
