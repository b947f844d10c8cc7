"""A small made-up context folder over tests.support.boundaries' geography (no shared data).

Eight LSOAs: in district A, one in each division and one across both (0.55-0.65 E); in
district B likewise (0.7-0.9 E, across 51.05-51.15 N); two in the Medway-like district. The
2018.3 postcodes put three of the straddling A LSOA's postcodes in Alpha West and one in Alpha
East, one of the straddling B LSOA's in each of Beta's divisions; the 2025.4 release splits
them differently, so a test can tell which release weighted the populations. Every value is
invented and labelled so; the layout and headers are the shared folder's.
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geo.areas.boundaries import load_boundaries
from tests.support.boundaries import (
    DISTRICT_A,
    DISTRICT_B,
    MEDWAY,
    county_frame,
    districts_frame,
    divisions_frame,
    write,
)

WEST, EAST, SOUTH, NORTH = "E58000901", "E58000902", "E58000903", "E58000904"
LSOAS = {  # code: (district, box)
    "E01000001": (DISTRICT_A, (0.50, 51.00, 0.55, 51.20)),
    "E01000002": (DISTRICT_A, (0.55, 51.00, 0.65, 51.20)),  # across West and East
    "E01000003": (DISTRICT_A, (0.65, 51.00, 0.70, 51.20)),
    "E01000004": (DISTRICT_B, (0.70, 51.00, 0.90, 51.05)),
    "E01000005": (DISTRICT_B, (0.70, 51.05, 0.90, 51.15)),  # across South and North
    "E01000006": (DISTRICT_B, (0.70, 51.15, 0.90, 51.20)),
    "E01000007": (MEDWAY, (0.50, 51.20, 0.70, 51.30)),
    "E01000008": (MEDWAY, (0.70, 51.20, 0.90, 51.30)),
}
POP_2018 = dict(zip(LSOAS, [100, 400, 200, 300, 1000, 500, 800, 900], strict=True))
# The postcode rule with the 2018.3 release: (0.75, 0.25) of E01000002, (0.5, 0.5) of
# E01000005; every other LSOA lies in one division.
DIVISION_POP_2018 = {WEST: 100 + 300, EAST: 100 + 200, SOUTH: 300 + 500, NORTH: 500 + 500}
# The best-fit lookup gives each straddling LSOA whole to one division.
BEST_FIT = {"E01000002": (WEST, 0.5), "E01000005": (NORTH, 0.5)}

# (postcode, lon, lat, district) per release; sectors and districts are derived from them.
_COMMON = [
    ("AA1 1AA", 0.52, 51.10, DISTRICT_A),
    ("AA1 1AB", 0.53, 51.12, DISTRICT_A),
    ("AA1 2AA", 0.68, 51.10, DISTRICT_A),
    ("AB2 1AA", 0.80, 51.02, DISTRICT_B),
    ("AB2 1AB", 0.80, 51.17, DISTRICT_B),
    ("ME4 4QB", 0.60, 51.25, MEDWAY),
    ("ME4 4QD", 0.61, 51.26, MEDWAY),
    ("ME5 1AA", 0.80, 51.25, MEDWAY),
]
POSTCODES = {
    "2018.3": [
        *_COMMON,
        ("AA1 3AA", 0.56, 51.05, DISTRICT_A),  # E01000002, West
        ("AA1 3AB", 0.57, 51.06, DISTRICT_A),  # E01000002, West
        ("AA1 3XX", 0.58, 51.07, DISTRICT_A),  # E01000002, West; terminated by 2025
        ("AA1 4AA", 0.62, 51.05, DISTRICT_A),  # E01000002, East
        ("AB2 2AA", 0.80, 51.07, DISTRICT_B),  # E01000005, South
        ("AB2 2AB", 0.80, 51.12, DISTRICT_B),  # E01000005, North
    ],
    "2025.4": [
        *_COMMON,
        ("AA1 3AA", 0.56, 51.05, DISTRICT_A),  # E01000002, West
        ("AA1 4AA", 0.62, 51.05, DISTRICT_A),  # E01000002, East
        ("AA1 4AB", 0.63, 51.06, DISTRICT_A),  # E01000002, East
        ("AB2 2AA", 0.80, 51.07, DISTRICT_B),  # E01000005, South
    ],
}
PLACES = [  # name, local_type, size_rank, lon, lat, district (None: beyond the county)
    ("Alphaton", "Town", 2, 0.53, 51.15, DISTRICT_A),
    ("Eastfold", "Village", 3, 0.67, 51.05, DISTRICT_A),
    ("St Olave's at Beta", "Village", 3, 0.85, 51.18, DISTRICT_B),
    ("Beta Green", "Hamlet", 5, 0.75, 51.03, DISTRICT_B),
    ("Medtown", "Town", 2, 0.65, 51.25, MEDWAY),
    ("Medham", "Suburban Area", 4, 0.75, 51.28, MEDWAY),
    ("Farborough", "Town", 2, 1.30, 51.45, None),
]
# A lake of about 90 ha and a pond of about 3 ha (at 51 N).
WATER = [shapely.box(0.55, 51.05, 0.5635, 51.06), shapely.box(0.75, 51.1, 0.7525, 51.1012)]
ATTRIBUTION_ALL = (
    "Contains OS data © Crown copyright and database right; contains National Statistics "
    "data © Crown copyright and database right; contains Network Rail data licensed under "
    "the Open Government Licence v3.0; © OpenStreetMap contributors (ODbL)"
)


def load_geography(store, folder: Path) -> None:
    """County, districts and divisions of tests.support.boundaries, into ``store``."""
    folder.mkdir(parents=True, exist_ok=True)
    load_boundaries(store, write(county_frame(), folder / "county.geojson"), "county")
    load_boundaries(store, write(districts_frame(), folder / "districts.geojson"), "district")
    load_boundaries(store, write(divisions_frame(), folder / "divisions.geojson"), "division")


def _csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _geojson(path: Path, geoms: list, **fields: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = gpd.GeoDataFrame(fields, geometry=geoms, crs="EPSG:4326")
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


def single_years(seed: int = 7) -> dict[str, list[int]]:
    rng = np.random.default_rng(seed)
    return {code: [int(v) for v in rng.integers(0, 20, 91)] for code in LSOAS}


def write_context(root: Path) -> dict[str, Path]:
    """``root/context/...`` laid out as the shared folder and ``root/boundaries/`` with the
    LSOA files; returns the paths by set name."""
    ctx, bnd = root / "context", root / "boundaries"
    paths: dict[str, Path] = {}
    paths.update(_write_basemap(ctx / "basemap"))
    paths["places"] = _csv(
        ctx / "places" / "kent_medway_places_os_open_names.csv",
        ["os_id", "name", "name_alt", "local_type", "size_rank", "os_most_detail_view_res",
         "lat", "lon", "easting", "northing", "postcode_district", "os_district_borough",
         "os_county_unitary", "lad_code", "lad_name", "in_kent_medway", "in_bbox"],
        [
            [f"osgb{i:012d}", name, "", kind, rank, 10000 * (7 - rank), lat, lon, 0, 0, "AA1",
             "", "", district or "", "Made-up" if district else "", bool(district), True]
            for i, (name, kind, rank, lon, lat, district) in enumerate(PLACES)
        ],
    )  # fmt: skip
    for vintage, units in POSTCODES.items():
        paths.update(_write_postcodes(ctx / "postcodes", vintage, units))
    paths["lsoas"] = _geojson(
        bnd / "kent_medway_lsoa11.geojson",
        [shapely.box(*box) for _, box in LSOAS.values()],
        LSOA11CD=list(LSOAS),
        LSOA11NM=[f"Made-up {i:03d}A" for i in range(len(LSOAS))],
        lad_code=[d for d, _ in LSOAS.values()],
    )
    paths["lsoa_best_fit"] = _csv(
        bnd / "lsoa11_to_ced_kent.csv",
        ["LSOA11CD", "LSOA11NM", "lad_code", "ced_code", "ced_name", "share_of_lsoa_area_in_ced"],
        [[code, f"Made-up {i:03d}A", district, *_best_fit(code, box, district)]
         for i, (code, (district, box)) in enumerate(LSOAS.items())],
    )  # fmt: skip
    paths.update(_write_population(ctx / "population"))
    paths["deprivation/iod2019"] = _write_deprivation(ctx / "deprivation")
    return paths


def _best_fit(code: str, box: tuple, district: str) -> list[object]:
    if district == MEDWAY:
        return ["", "", ""]
    if code in BEST_FIT:
        division, share = BEST_FIT[code]
        return [division, "made-up", share]
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    if district == DISTRICT_A:
        return [WEST if x < 0.6 else EAST, "made-up", 1.0]
    return [SOUTH if y < 51.1 else NORTH, "made-up", 1.0]


def _write_basemap(folder: Path) -> dict[str, Path]:
    return {
        # As in the shared layers, the inland water is the land's holes.
        "basemap/land": _geojson(
            folder / "land.geojson",
            [shapely.box(0.4, 50.9, 1.0, 51.35).difference(shapely.union_all(WATER))],
            country=["GBR"],
        ),
        "basemap/water": _geojson(folder / "inland_water.geojson", WATER, kind=["water", "water"]),
        "basemap/coastline": _geojson(
            folder / "coastline.geojson",
            [shapely.LineString([(0.4, 51.35), (1.0, 51.35)])],
            kind=["coastline"],
        ),
        "basemap/railways": _geojson(
            folder / "railways.geojson",
            [shapely.LineString([(0.5, 51.1), (0.9, 51.1)])],
            elr=["XYZ"],
        ),
        "basemap/labels": _geojson(
            folder / "place_labels.geojson",
            [shapely.Point(lon, lat) for _, _, _, lon, lat, _ in PLACES],
            name=[p[0] for p in PLACES],
            local_type=[p[1] for p in PLACES],
            size_rank=[p[2] for p in PLACES],
            os_most_detail_view_res=[10000 * (7 - p[2]) for p in PLACES],
            in_kent_medway=[p[5] is not None for p in PLACES],
        ),
    }


def _write_postcodes(folder: Path, vintage: str, units: list) -> dict[str, Path]:
    stem = vintage.replace(".", "_")
    rows = [
        [pc, pc.split()[0], pc[:-2], pc[:2].rstrip("0123456789"), lat, lon, 0, 0, 10,
         "" if d == MEDWAY else "E10000901", d, "E05000001"]
        for pc, lon, lat, d in units
    ]  # fmt: skip
    out = {
        f"postcodes/{vintage}": _csv(
            folder / f"kent_medway_postcodes_codepoint_{stem}.csv",
            ["postcode", "outcode", "sector", "area", "lat", "lon", "easting", "northing",
             "pqi", "admin_county_code", "admin_district_code", "admin_ward_code"],
            rows,
        )
    }  # fmt: skip
    for level, key in (("sectors", lambda pc: pc[:-2]), ("districts", lambda pc: pc.split()[0])):
        groups: dict[str, list] = {}
        for pc, lon, lat, d in units:
            groups.setdefault(key(pc), []).append((lon, lat, d))
        name = "sector" if level == "sectors" else "district"
        out[f"postcode_{level}/{vintage}"] = _csv(
            folder / f"kent_medway_postcode_{level}_{stem}.csv",
            [name, "lat", "lon", "n_postcodes", "main_district"],
            [[k, round(np.mean([g[1] for g in v]), 5), round(np.mean([g[0] for g in v]), 5),
              len(v), v[0][2]] for k, v in sorted(groups.items())],
        )  # fmt: skip
    return out


def _write_population(folder: Path) -> dict[str, Path]:
    ages = single_years()
    band_edges = [(0, 9), (10, 17), (18, 24), (25, 64), (65, 90)]
    bands = {c: [sum(v[a : b + 1]) for a, b in band_edges] for c, v in ages.items()}
    return {
        "population/mid-2018": _csv(
            folder / "kent_medway_lsoa11_population_mid2018.csv",
            ["LSOA11CD", "LSOA11NM", "lad_code", "pop_mid2018", "area_sqkm", "people_per_sqkm"],
            [[c, "Made-up", d, POP_2018[c], 1.0, POP_2018[c]] for c, (d, _) in LSOAS.items()],
        ),
        "population/mid-2019-bands": _csv(
            folder / "kent_medway_lsoa11_population_mid2019_agebands.csv",
            ["LSOA11CD", "LSOA11NM", "lad_code", "all_ages", "age_0_9", "age_10_17",
             "age_18_24", "age_25_64", "age_65_plus"],
            [[c, "Made-up", d, sum(ages[c]), *bands[c]] for c, (d, _) in LSOAS.items()],
        ),
        "population/mid-2019-single-year": _csv(
            folder / "kent_medway_lsoa11_population_mid2019_single_year_of_age.csv",
            ["LSOA11CD", "LSOA11NM", "lad_code", "all_ages", *map(str, range(90)), "90+"],
            [[c, "Made-up", d, sum(ages[c]), *ages[c]] for c, (d, _) in LSOAS.items()],
        ),
    }  # fmt: skip


DOMAIN_NAMES = ("imd", "income", "employment", "education", "health", "crime",
                "barriers_housing_services", "living_environment", "idaci", "idaopi")  # fmt: skip


def deprivation_rank(i: int, domain: int) -> int:
    return 1 + (i * 4001 + domain * 977) % 32844


def _write_deprivation(folder: Path) -> Path:
    header = ["LSOA11CD", "LSOA11NM", "lad_code", "lad19_name"]
    header += ["imd_rank", "imd_decile", "imd_score_derived"]
    for d in DOMAIN_NAMES[1:]:
        header += [f"{d}_rank", f"{d}_decile"]
    rows = []
    for i, (code, (district, _)) in enumerate(LSOAS.items()):
        row: list[object] = [code, "Made-up", district, "Made-up"]
        for j, _ in enumerate(DOMAIN_NAMES):
            rank = deprivation_rank(i, j)
            row += [rank, (rank - 1) * 10 // 32844 + 1]
            if j == 0:
                row.append(12.345)
        rows.append(row)
    return _csv(folder / "kent_medway_lsoa11_iod2019.csv", header, rows)
