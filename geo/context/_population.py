"""Residents by area: LSOAs as published, districts and counties as sums of their LSOAs, and
divisions apportioned from LSOAs, which do not nest in them.

The division rule (docs/context.md): each LSOA's residents are shared among the divisions of
its own district in proportion to its postcodes (Code-Point Open units, the release nearest
the population year) that lie in each division as loaded. LSOAs nest in districts, so a
division's share never crosses a district edge; an LSOA with no postcode in a division of its
district is shared by area, failing that goes to its best-fit division, and failing that to
the nearest division of its district. Every LSOA of a district with divisions is shared out
whole, so the divisions of a district add up to it and the divisions of Kent to Kent.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import pandas as pd
import shapely

from geo.context._areas import loaded_areas
from geo.context._model import AreaPopulation
from geo.context._sources import OPEN_AGE
from geo.errors import ValidationError
from geo.store import Store
from geo.store.queries import context as queries

LEVELS = ("county", "district", "division", "lsoa")
RULES = ("postcodes", "best_fit")
Ages = tuple[int, int | None] | None

_cache: dict[tuple, pd.DataFrame] = {}
_lock = threading.Lock()


def population_years(store: Store) -> dict[int, list[str]]:
    """The mid-years loaded, each with what it has: total, band, single (years of age)."""
    out: dict[int, list[str]] = {}
    for year, kind in queries.population_kinds(store):
        out.setdefault(int(year), []).append(kind)
    return out


def ages_label(ages: Ages) -> str:
    if ages is None:
        return "all ages"
    lo, hi = ages
    return f"{lo} and over" if hi is None or hi >= OPEN_AGE else f"{lo}-{hi}"


def lsoa_populations(store: Store, *, year: int = 2018, ages: Ages = None) -> pd.Series:
    """Residents per LSOA (index: LSOA code), for ``ages`` (inclusive; ``(10, 24)``,
    ``(65, None)`` for 65 and over) or all ages."""
    loaded = population_years(store)
    if year not in loaded:
        years = ", ".join(f"mid-{y}" for y in loaded) or "none"
        raise ValidationError(f"no mid-{year} population is loaded (loaded: {years})")
    if ages is None:
        rows = queries.lsoa_persons(store, year)
    else:
        kind, lo, hi = _age_rows(loaded[year], year, ages)
        rows = queries.lsoa_persons(store, year, kind=kind, ages=(lo, hi))
    return pd.Series(
        [int(r[1]) for r in rows], index=pd.Index([r[0] for r in rows], name="lsoa_code"),
        name="persons", dtype="int64",
    )  # fmt: skip


_BAND_EDGES = ((0, 9), (10, 17), (18, 24), (25, 64), (65, OPEN_AGE))


def _age_rows(kinds: list[str], year: int, ages: tuple[int, int | None]) -> tuple[str, int, int]:
    lo, hi = ages
    hi = OPEN_AGE if hi is None or hi >= OPEN_AGE else hi
    if not 0 <= lo <= hi:
        raise ValidationError(f"ages {ages}: expected 0 <= from <= to")
    if "single" in kinds:
        if lo > 90 or 90 <= hi < OPEN_AGE:
            raise ValidationError(
                f"ages {ages_label(ages)}: single years of age stop at '90 and over', so a range "
                "must end before 90 or run to the oldest (to None)"
            )
        return "single", lo, hi
    if "band" in kinds:
        starts = [a for a, _ in _BAND_EDGES]
        ends = [b for _, b in _BAND_EDGES]
        if lo in starts and hi in ends:
            return "band", lo, hi
        raise ValidationError(
            f"ages {ages_label(ages)}: mid-{year} is loaded in bands only (0-9, 10-17, 18-24, "
            "25-64, 65 and over); choose a range of whole bands"
        )
    raise ValidationError(f"mid-{year} population is loaded as totals only: no ages")


def populations(
    store: Store, level: str, *, year: int = 2018, ages: Ages = None, rule: str = "postcodes"
) -> dict[str, float]:
    """Residents of every area at ``level`` (county, district, division, lsoa), by code."""
    return {code: p for code, (p, _) in _populations(store, level, year, ages, rule).items()}


def population(
    store: Store,
    level: str,
    code: str,
    *,
    year: int = 2018,
    ages: Ages = None,
    rule: str = "postcodes",
) -> AreaPopulation:
    """Residents of one area, with how they were counted."""
    found = _populations(store, level, year, ages, rule)
    if code not in found:
        raise ValidationError(f"no {level} {code!r} has a population (is it loaded?)")
    persons, lsoas = found[code]
    if level == "division":
        how = _rule_words(store, rule, year)
    elif level == "lsoa":
        how = "as published"
    else:
        how = f"sum of the {level}'s LSOAs"
    kind = "total" if ages is None else _age_rows(population_years(store)[year], year, ages)[0]
    vintages = queries.population_vintages(store, year, kind)
    source = "; ".join(vintages) or f"mid-{year}"
    return AreaPopulation(level, code, persons, year, ages_label(ages), how, lsoas, source)


def _rule_words(store: Store, rule: str, year: int) -> str:
    if rule == "best_fit":
        return "LSOAs given whole to their best-fit division (largest share of area)"
    return (
        "LSOAs apportioned to divisions by their postcodes in each (Code-Point Open "
        f"{_weight_vintage(store, year)}); see docs/context.md"
    )


def _populations(
    store: Store, level: str, year: int, ages: Ages, rule: str
) -> dict[str, tuple[float, int]]:
    if level not in LEVELS:
        raise ValidationError(f"level {level!r}: expected one of {', '.join(LEVELS)}")
    people = lsoa_populations(store, year=year, ages=ages)
    if level == "lsoa":
        return {code: (float(p), 1) for code, p in people.items()}
    if level == "division":
        shares = lsoa_division_shares(store, rule=rule, year=year)
        persons = shares["share"].to_numpy() * people.reindex(shares["lsoa_code"]).to_numpy()
        frame = pd.DataFrame({"code": shares["division_code"].to_numpy(), "p": persons})
        grouped = frame.groupby("code")["p"].agg(["sum", "size"])
        return {c: (float(r["sum"]), int(r["size"])) for c, r in grouped.iterrows()}
    district_of = _lsoa_districts(store)
    frame = pd.DataFrame({"p": people, "district": district_of.reindex(people.index)})
    by_district = frame.groupby("district")["p"].agg(["sum", "size"])
    districts = {c: (float(r["sum"]), int(r["size"])) for c, r in by_district.iterrows()}
    if level == "district":
        return districts
    out = {}
    for county, members in _county_districts(store).items():
        parts = [districts[d] for d in members if d in districts]
        out[county] = (sum(p for p, _ in parts), sum(n for _, n in parts))
    return out


def _lsoa_districts(store: Store) -> pd.Series:
    rows = queries.lsoa_districts(store)
    if not rows:
        raise ValidationError("no LSOAs are loaded: `socmap context load --from DIR`")
    return pd.Series(dict(rows))


def _county_districts(store: Store) -> dict[str, list[str]]:
    """Each loaded county's districts: those whose interior point lies in the county."""
    areas = loaded_areas(store)
    counties, districts = areas["county"], areas["district"]
    if not len(counties.codes):
        raise ValidationError("no county boundaries are loaded: `socmap boundaries fetch`")
    inner = shapely.point_on_surface(districts.geometries)
    return {
        str(code): [
            str(d) for d, p in zip(districts.codes, inner, strict=True) if shapely.contains(geom, p)
        ]
        for code, geom in zip(counties.codes, counties.geometries, strict=True)
    }


def _weight_vintage(store: Store, year: int) -> str:
    vintages = queries.postcode_vintages_with_lsoas(store)
    if not vintages:
        raise ValidationError("no postcodes placed in LSOAs are loaded: `socmap context load`")
    return min(vintages, key=lambda v: (abs(int(v.split(".")[0]) - year), v))


def lsoa_division_shares(
    store: Store, *, rule: str = "postcodes", year: int = 2018
) -> pd.DataFrame:
    """How each LSOA of a district with divisions is shared among divisions: columns
    ``lsoa_code, division_code, share, basis`` (basis: postcodes, area, best_fit, nearest;
    see the module's docstring). Shares of an LSOA add up to 1. LSOAs of districts without
    divisions (Medway) have no rows."""
    if rule not in RULES:
        raise ValidationError(f"rule {rule!r}: expected one of {', '.join(RULES)}")
    vintage = _weight_vintage(store, year) if rule == "postcodes" else None
    key = (str(store.path), store.data_version(), rule, vintage)
    with _lock:
        found = _cache.get(key)
    if found is None:
        found = _best_fit(store) if rule == "best_fit" else _postcode_shares(store, vintage)
        with _lock:
            while len(_cache) >= 4:  # a few rules and versions; readers move on together
                _cache.pop(next(iter(_cache)))
            _cache[key] = found
    return found.copy()


def _divisions(store: Store):
    divisions = loaded_areas(store)["division"]
    if not len(divisions.codes):
        raise ValidationError("no divisions are loaded: `socmap boundaries fetch`")
    return divisions


def _postcode_shares(store: Store, vintage: str | None) -> pd.DataFrame:
    divisions = _divisions(store)
    rows = queries.postcodes_in_lsoas(store, vintage).to_pandas()
    where, _ = divisions.locate(rows["longitude"].to_numpy(), rows["latitude"].to_numpy())
    parent = np.where(where >= 0, divisions.parents[np.maximum(where, 0)], None)
    # LSOAs nest in districts: a postcode in another district's division is an artefact of
    # generalised outlines, and does not count.
    own = (where >= 0) & (parent == rows["district_code"].to_numpy(dtype=object))
    counted = pd.DataFrame(
        {
            "lsoa_code": rows["lsoa_code"][own].to_numpy(),
            "division_code": divisions.codes[where[own]],
        }
    )
    counts = counted.groupby(["lsoa_code", "division_code"]).size().rename("n").reset_index()
    counts["share"] = counts["n"] / counts.groupby("lsoa_code")["n"].transform("sum")
    counts["basis"] = "postcodes"
    shares = counts.drop(columns="n")
    lsoas = _lsoas_in_divided_districts(store, divisions)
    missing = lsoas[~lsoas["lsoa_code"].isin(shares["lsoa_code"])]
    if len(missing):
        shares = pd.concat([shares, _fallback_shares(store, missing, divisions)], ignore_index=True)
    return shares.sort_values(["lsoa_code", "division_code"]).reset_index(drop=True)


def _lsoas_in_divided_districts(store: Store, divisions) -> pd.DataFrame:
    rows = queries.lsoa_shapes(store).to_pandas()
    return rows[rows["district_code"].isin(set(divisions.parents))]


def _fallback_shares(store: Store, missing: pd.DataFrame, divisions) -> pd.DataFrame:
    """By share of area among the divisions of the LSOA's district, else its best-fit
    division (when that is one of them), else the nearest of them: every LSOA of a district
    with divisions is shared out whole."""
    fit = queries.best_fit_divisions(store)
    best = dict(zip(fit["lsoa_code"].to_pylist(), fit["division_code"].to_pylist(), strict=True))
    out = []
    for code, district, wkb in missing[["lsoa_code", "district_code", "geometry"]].itertuples(
        index=False
    ):
        shape = shapely.from_wkb(wkb)
        own = np.flatnonzero(divisions.parents == district)
        areas = shapely.area(shapely.intersection(divisions.geometries[own], shape))
        if areas.sum() > 0:
            out += [
                (code, str(divisions.codes[own[i]]), areas[i] / areas.sum(), "area")
                for i in np.flatnonzero(areas > 0)
            ]
        elif best.get(code) in set(divisions.codes[own]):
            out.append((code, best[code], 1.0, "best_fit"))
        else:
            nearest = own[int(np.argmin(shapely.distance(divisions.geometries[own], shape)))]
            out.append((code, str(divisions.codes[nearest]), 1.0, "nearest"))
    return pd.DataFrame(out, columns=["lsoa_code", "division_code", "share", "basis"])


def _best_fit(store: Store) -> pd.DataFrame:
    divisions = _divisions(store)
    rows = queries.best_fit_divisions(store).to_pandas()
    if rows.empty:
        raise ValidationError("the LSOA best-fit lookup is not loaded")
    unknown = sorted(set(rows["division_code"]) - set(divisions.codes))
    if unknown:
        raise ValidationError(
            f"the best-fit lookup names {len(unknown)} divisions that are not loaded (e.g. "
            f"{unknown[0]}: it uses 2017 codes); use the postcode rule with these boundaries"
        )
    rows["share"] = 1.0
    rows["basis"] = "best_fit"
    return rows.sort_values("lsoa_code").reset_index(drop=True)


def age_bands(
    store: Store,
    level: str,
    code: str,
    *,
    year: int = 2019,
    bands: Sequence[tuple[int, int | None]] = ((0, 9), (10, 17), (18, 24), (25, 64), (65, None)),
    rule: str = "postcodes",
) -> dict[str, float]:
    """Residents of one area by age band (label -> persons), bands as published by default."""
    return {
        ages_label(band): population(store, level, code, year=year, ages=band, rule=rule).persons
        for band in bands
    }
