"""Reading each file of the context folder into the rows its table stores.

Each reader checks the file whole (one line naming the file, row and problem on the first
fault) and returns a DataFrame with the table's columns (``set_name`` is added on insert) and
notes for the report. Nothing here touches the store.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.context._csv import DISTRICT, LSOA, Col, read_checked
from geo.context._geofile import read_geo, wkb_and_bounds
from geo.context._sources import (
    BANDS,
    DOMAINS,
    ENGLAND_LSOAS,
    OPEN_AGE,
    PLACE_KINDS,
    SetSpec,
)
from geo.errors import InputError
from geo.settings import KENT_MEDWAY_BBOX

MIN_LON, MIN_LAT, MAX_LON, MAX_LAT = KENT_MEDWAY_BBOX
LON = Col("float", MIN_LON, MAX_LON, what="a longitude")
LAT = Col("float", MIN_LAT, MAX_LAT, what="a latitude")
_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}"
_SECTOR = r"[A-Z]{1,2}\d[A-Z\d]? \d"
_OUTCODE = r"[A-Z]{1,2}\d[A-Z\d]?"


def search_key(text: pd.Series) -> pd.Series:
    """Lower case, letters and digits only: how names and postcodes are matched."""
    return text.str.lower().str.replace(r"[^a-z0-9]+", "", regex=True)


def search_words(text: pd.Series) -> pd.Series:
    """Lower case words separated by single spaces: a query matches the start of any."""
    return text.str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()


def read_places(spec: SetSpec, path: Path) -> tuple[pd.DataFrame, list[str]]:
    kinds = "|".join(PLACE_KINDS)
    f = read_checked(
        path,
        {
            "os_id": Col(),
            "name": Col(),
            "name_alt": Col(blank=True),
            "local_type": Col(pattern=f"(?:{kinds})", what=f"one of {', '.join(PLACE_KINDS)}"),
            "size_rank": Col("int", 1, 6),
            "os_most_detail_view_res": Col("float", 0, blank=True),
            "lat": LAT,
            "lon": LON,
            "postcode_district": Col(blank=True),
            "lad_code": Col(pattern=DISTRICT.pattern, blank=True, what=DISTRICT.what),
            "lad_name": Col(blank=True),
            "in_kent_medway": Col("bool"),
        },
        key=("os_id",),
    )
    inside = f["in_kent_medway"].astype(bool)
    no_district = inside & (f["lad_code"] == "")
    if no_district.any():
        i = int(np.flatnonzero(no_district.to_numpy())[0])
        raise InputError(path, "a place in Kent and Medway has no lad_code", row=i + 2)
    rows = pd.DataFrame(
        {
            "place_id": f["os_id"],
            "name": f["name"],
            "name_alt": f["name_alt"].replace("", None),
            "search_key": search_key(f["name"]),
            "search_words": search_words(f["name"]),
            "alt_key": search_key(f["name_alt"]).replace("", None),
            "kind": f["local_type"].map(PLACE_KINDS),
            "size_rank": f["size_rank"].astype("int16"),
            "detail_res": f["os_most_detail_view_res"].round().astype("Int32"),
            "latitude": f["lat"],
            "longitude": f["lon"],
            "postcode_district": f["postcode_district"].replace("", None),
            "district_code": f["lad_code"].replace("", None),
            "district_name": f["lad_name"].replace("", None),
            "in_kent_medway": inside,
        }
    )
    return rows, []


def read_postcodes(spec: SetSpec, path: Path) -> tuple[pd.DataFrame, list[str]]:
    f = read_checked(
        path,
        {
            "postcode": Col(pattern=_POSTCODE, what="a postcode such as ME4 4QB"),
            "outcode": Col(pattern=_OUTCODE, what="a postcode district such as ME4"),
            "sector": Col(pattern=_SECTOR, what="a postcode sector such as ME4 4"),
            "lat": LAT,
            "lon": LON,
            "pqi": Col("int", 0, 100, blank=True),
            "admin_county_code": Col(blank=True),
            "admin_district_code": Col(pattern=DISTRICT.pattern, what=DISTRICT.what),
            "admin_ward_code": Col(blank=True),
        },
        key=("postcode",),
    )
    wrong = (f["postcode"].str[:-2] != f["sector"]) | (f["sector"].str[:-2] != f["outcode"])
    if wrong.any():
        i = int(np.flatnonzero(wrong.to_numpy())[0])
        raise InputError(
            path,
            f"postcode {f['postcode'].iloc[i]} does not belong to sector "
            f"{f['sector'].iloc[i]!r} and district {f['outcode'].iloc[i]!r}",
            row=i + 2,
        )
    rows = pd.DataFrame(
        {
            "vintage": spec.postcode_vintage,
            "postcode": f["postcode"],
            "search_key": f["postcode"].str.replace(" ", "", regex=False),
            "sector": f["sector"],
            "outcode": f["outcode"],
            "latitude": f["lat"],
            "longitude": f["lon"],
            "pqi": f["pqi"].astype("Int16"),
            "district_code": f["admin_district_code"],
            "ward_code": f["admin_ward_code"].replace("", None),
            "county_code": f["admin_county_code"].replace("", None),
            "lsoa_code": None,  # filled from the LSOA shapes by the loader
        }
    )
    return rows, []


def read_postcode_areas(spec: SetSpec, path: Path) -> tuple[pd.DataFrame, list[str]]:
    level = "sector" if spec.kind == "postcode_sectors" else "district"
    column, pattern = ("sector", _SECTOR) if level == "sector" else ("district", _OUTCODE)
    f = read_checked(
        path,
        {
            column: Col(pattern=pattern, what=f"a postcode {level}"),
            "lat": LAT,
            "lon": LON,
            "n_postcodes": Col("int", 1),
            "main_district": Col(pattern=DISTRICT.pattern, what=DISTRICT.what),
        },
        key=(column,),
    )
    rows = pd.DataFrame(
        {
            "vintage": spec.postcode_vintage,
            "level": level,
            "code": f[column],
            "search_key": f[column].str.replace(" ", "", regex=False),
            "latitude": f["lat"],
            "longitude": f["lon"],
            "n_postcodes": f["n_postcodes"].astype("int32"),
            "district_code": f["main_district"],
        }
    )
    return rows, []


def read_lsoas(spec: SetSpec, path: Path) -> tuple[pd.DataFrame, list[str]]:
    frame, notes = read_geo(path, ("Polygon", "MultiPolygon"), repair=True)
    file = str(path)
    for column in ("LSOA11CD", "LSOA11NM", "lad_code"):
        if column not in frame.columns:
            raise InputError(file, f"has no field {column} (fields: {', '.join(frame.columns)})")
    codes = frame["LSOA11CD"].astype(str).str.strip()
    districts = frame["lad_code"].astype(str).str.strip()
    for column, values, rule in (("LSOA11CD", codes, LSOA), ("lad_code", districts, DISTRICT)):
        bad = np.flatnonzero(~values.str.fullmatch(rule.pattern).to_numpy(dtype=bool))
        if len(bad):
            i = int(bad[0])
            raise InputError(
                file, f"feature {i + 1}: {column} {values.iloc[i]!r} is not {rule.what}"
            )
    repeated = codes.duplicated().to_numpy()
    if repeated.any():
        i = int(np.flatnonzero(repeated)[0])
        raise InputError(file, f"feature {i + 1}: LSOA {codes.iloc[i]} appears twice")
    wkb, _ = wkb_and_bounds(frame.geometry.values)
    rows = pd.DataFrame(
        {
            "lsoa_code": codes.to_numpy(),
            "name": frame["LSOA11NM"].astype(str).str.strip().to_numpy(),
            "district_code": districts.to_numpy(),
            "geometry": wkb,
        }
    )
    return rows, notes


def read_best_fit(spec: SetSpec, path: Path) -> tuple[pd.DataFrame, list[str]]:
    f = read_checked(
        path,
        {
            "LSOA11CD": LSOA,
            "ced_code": Col(pattern=r"E58\d{6}", blank=True, what="a division code (E58...)"),
            "ced_name": Col(blank=True),
            "share_of_lsoa_area_in_ced": Col("float", 0, 1, blank=True),
        },
        key=("LSOA11CD",),
    )
    has_code = (f["ced_code"] != "").to_numpy()
    has_share = ~np.isnan(f["share_of_lsoa_area_in_ced"].to_numpy())
    if (has_code != has_share).any():
        i = int(np.flatnonzero(has_code != has_share)[0])
        raise InputError(
            path, "a division needs its share of area, and a share its division", i + 2
        )
    rows = pd.DataFrame(
        {
            "lsoa_code": f["LSOA11CD"],
            "division_code": f["ced_code"].replace("", None),
            "division_name": f["ced_name"].replace("", None),
            "area_share": f["share_of_lsoa_area_in_ced"],
        }
    )
    return rows, []


def read_population(spec: SetSpec, path: Path) -> tuple[pd.DataFrame, list[str]]:
    year = spec.year
    assert year is not None
    count = Col("int", 0, 100_000, what="a count of people")
    if spec.name.endswith("mid-2018"):
        f = read_checked(path, {"LSOA11CD": LSOA, "pop_mid2018": count}, key=("LSOA11CD",))
        return _population_rows(f, year, "total", {"pop_mid2018": (0, OPEN_AGE)}), []
    single = spec.name.endswith("single-year")
    groups = {str(a): (a, a) for a in range(90)} | {"90+": (90, OPEN_AGE)} if single else BANDS
    columns = {"LSOA11CD": LSOA, "all_ages": count} | dict.fromkeys(groups, count)
    f = read_checked(path, columns, key=("LSOA11CD",))
    parts = f[list(groups)].to_numpy(dtype=np.int64).sum(axis=1)
    off = parts != f["all_ages"].to_numpy(dtype=np.int64)
    if off.any():
        i = int(np.flatnonzero(off)[0])
        raise InputError(
            path,
            f"the ages of {f['LSOA11CD'].iloc[i]} add up to {parts[i]}, not its all_ages "
            f"{f['all_ages'].iloc[i]}",
            row=i + 2,
        )
    kind = "single" if single else "band"
    rows = _population_rows(f, year, kind, groups)
    if not single:  # the bands file also carries the year's totals
        totals = _population_rows(f, year, "total", {"all_ages": (0, OPEN_AGE)})
        rows = pd.concat([totals, rows], ignore_index=True)
    return rows, []


def _population_rows(
    f: pd.DataFrame, year: int, kind: str, groups: dict[str, tuple[int, int]]
) -> pd.DataFrame:
    n = len(f)
    parts = [
        pd.DataFrame(
            {
                "lsoa_code": f["LSOA11CD"].to_numpy(),
                "year": np.full(n, year, np.int16),
                "kind": kind,
                "age_from": np.full(n, lo, np.int16),
                "age_to": np.full(n, hi, np.int16),
                "persons": f[column].to_numpy(dtype=np.int32),
            }
        )
        for column, (lo, hi) in groups.items()
    ]
    return pd.concat(parts, ignore_index=True)


def read_deprivation(spec: SetSpec, path: Path) -> tuple[pd.DataFrame, list[str]]:
    columns = {"LSOA11CD": LSOA}
    for domain in DOMAINS:
        columns[f"{domain}_rank"] = Col("int", 1, ENGLAND_LSOAS, what="a rank")
        columns[f"{domain}_decile"] = Col("int", 1, 10, what="a decile")
    f = read_checked(path, columns, key=("LSOA11CD",))
    parts = []
    for domain in DOMAINS:
        rank = f[f"{domain}_rank"].to_numpy(dtype=np.int64)
        decile = f[f"{domain}_decile"].to_numpy(dtype=np.int64)
        # A decile is a tenth of England's ranks (give or take one rank at an edge): a
        # decile that disagrees with its rank means swapped or shifted columns.
        low = (decile - 1) * ENGLAND_LSOAS / 10 - 1
        high = decile * ENGLAND_LSOAS / 10 + 1
        off = (rank < low) | (rank > high)
        if off.any():
            i = int(np.flatnonzero(off)[0])
            raise InputError(
                path,
                f"{domain}_decile {decile[i]} does not match {domain}_rank {rank[i]} (decile 1 "
                f"is ranks 1 to 3,284 of England's {ENGLAND_LSOAS:,})",
                row=i + 2,
            )
        parts.append(
            pd.DataFrame(
                {
                    "lsoa_code": f["LSOA11CD"].to_numpy(),
                    "domain": domain,
                    "rank": rank.astype(np.int32),
                    "decile": decile.astype(np.int16),
                }
            )
        )
    notes = []
    if "imd_score_derived" in f.columns:
        notes.append(
            f"{path.name}: imd_score_derived not loaded: it is a reconstruction, not the "
            "published IMD score (ranks and deciles are)"
        )
    return pd.concat(parts, ignore_index=True), notes


READERS = {
    "places": read_places,
    "postcodes": read_postcodes,
    "postcode_sectors": read_postcode_areas,
    "postcode_districts": read_postcode_areas,
    "lsoas": read_lsoas,
    "lsoa_best_fit": read_best_fit,
    "population": read_population,
    "deprivation": read_deprivation,
}
