"""Incidents by deprivation: how they fall on England's most deprived neighbourhoods, and how
concentrated they are there (docs/rates.md, "Deprivation").

For an area (the county, or a district) and any filter:

* **By IMD decile** - England's deciles of the Index of Multiple Deprivation 2019 as MHCLG
  publishes them (decile 1: the 3,284 most deprived of England's 32,844 LSOAs, counted in
  LSOAs, not people): for each decile the area's LSOAs in it, their residents, the incidents
  in them, each as a share of the area's, and the rate per 1,000 residents. An incident's
  decile is its LSOA's (:mod:`geo.areas._incident_lsoas`); incidents placed in the area but in none
  of its LSOAs (a point at sea, or just across the generalised edge of a neighbouring
  district's LSOA) are one more row, "not in an LSOA of the area", so the rows add up to the
  area's total.
* **Shares** - of the incidents, and of the residents, in England's most deprived 10% and 20%
  of neighbourhoods (deciles 1 and 1-2): "23% of knife crime, 9% of residents".
* **The concentration curve and index** (Kakwani, Wagstaff and van Doorslaer 1997): the
  area's LSOAs ranked from the most deprived (IMD rank) to the least, the curve is the
  cumulative share of incidents against the cumulative share of residents. The index is
  ``C = 1 - 2 * (area under the curve)``, equivalently ``sum_t (p_t L_{t+1} - p_{t+1} L_t)``
  over the ranked LSOAs: 0 when incidents follow residents whatever the deprivation,
  negative when they are concentrated in the more deprived neighbourhoods (-1 at the limit),
  positive when in the less deprived. It is population-weighted (each LSOA by its
  residents). ``local_shares`` read the curve at 10% and 20% of the area's residents (the
  area's own most deprived tenth and fifth of residents, interpolated within the LSOA that
  straddles the cut, as if its incidents were spread evenly over its residents); the decile
  index (:attr:`Deprivation.decile_index`) is the same formula over the ten national deciles,
  which is what the public view can publish.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from geo import context
from geo.areas import with_lsoas
from geo.context._population import ages_label
from geo.filters import Filters
from geo.stats._rates import PER, Ages, population_year
from geo.store import Store, read_coverage
from geo.store.queries.rates import incident_points
from geo.themes import ThemeMap

DECILES = tuple(range(1, 11))
OTHER = 0  # the row of incidents in no LSOA of the area
OTHER_LABEL = "not in an LSOA of the area"
TABLE_COLUMNS = (
    "decile", "lsoas", "residents", "incidents", "incident_share", "resident_share", "rate",
)  # fmt: skip


@dataclass(frozen=True)
class Deprivation:
    """One area's incidents by deprivation (see the module's documentation)."""

    level: str  # county | district
    code: str | None
    table: pd.DataFrame  # TABLE_COLUMNS; deciles 1-10 then OTHER
    total: int
    curve: pd.DataFrame  # residents_share, incidents_share: from (0, 0), most deprived first
    concentration_index: float
    decile_index: float
    england_shares: dict[str, tuple[float, float]]  # "10%", "20%": (incidents, residents)
    local_shares: dict[str, float]  # "10%", "20%" of the area's residents: incidents
    population_year: int
    ages: str
    notes: tuple[str, ...] = field(default=())


def decile_table(counts: pd.Series, lsoas: pd.DataFrame, *, other: int = 0) -> pd.DataFrame:
    """The decile rows from incidents per LSOA (``counts``, index: LSOA code, only the area's
    LSOAs) and the area's LSOAs (``lsoa_code, persons, imd_decile``); ``other`` incidents were
    in none of them. Shares are of the area's incidents (``other`` included) and residents."""
    frame = lsoas.assign(n=counts.reindex(lsoas["lsoa_code"]).fillna(0).to_numpy())
    by = frame.groupby("imd_decile").agg(
        lsoas=("lsoa_code", "size"), residents=("persons", "sum"), incidents=("n", "sum")
    )
    by = by.reindex(DECILES, fill_value=0)
    total = by["incidents"].sum() + other
    people = by["residents"].sum()
    out = pd.DataFrame(
        {
            "decile": [*DECILES, OTHER],
            "lsoas": [*by["lsoas"].astype(int), 0],
            "residents": [*by["residents"].astype(float), np.nan],
            "incidents": [*by["incidents"].astype(int), int(other)],
        }
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["incident_share"] = out["incidents"] / total if total else np.nan
        out["resident_share"] = out["residents"] / people
        out["rate"] = np.where(
            out["residents"] > 0, PER * out["incidents"] / out["residents"], np.nan
        )
    return out


def concentration_curve(counts, residents, ranks) -> pd.DataFrame:
    """Cumulative shares of residents and incidents over groups ranked by ``ranks`` (1 = most
    deprived first), starting at (0, 0). Groups with equal ranks are merged into one step
    (their order within a tie would otherwise change the curve)."""
    frame = pd.DataFrame({"n": counts, "p": residents, "r": ranks}).groupby("r").sum()
    x = np.concatenate([[0.0], np.cumsum(frame["p"].to_numpy(float))])
    y = np.concatenate([[0.0], np.cumsum(frame["n"].to_numpy(float))])
    if x[-1] <= 0:
        raise ValueError("no residents to rank")
    y = y / y[-1] if y[-1] > 0 else np.full_like(y, np.nan)
    return pd.DataFrame({"residents_share": x / x[-1], "incidents_share": y})


def concentration_index(curve: pd.DataFrame) -> float:
    """``1 - 2 * area under the curve`` (trapezoids between the ranked groups)."""
    x = curve["residents_share"].to_numpy()
    y = curve["incidents_share"].to_numpy()
    if np.isnan(y).any():
        return float("nan")
    return float(1 - np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1])))


def share_at(curve: pd.DataFrame, fraction: float) -> float:
    """The incidents' share held by the most deprived ``fraction`` of residents (linear
    within the group that straddles it)."""
    return float(np.interp(fraction, curve["residents_share"], curve["incidents_share"]))


def deprivation(
    store: Store,
    filters: Filters,
    themes: ThemeMap,
    *,
    ages: Ages = None,
    year: int | None = None,
) -> Deprivation:
    """Incidents by IMD decile, shares and concentration for the filters' area (the county,
    or its district; a division is refused: its LSOAs are apportioned, not whole)."""
    level, code = filters.area
    if level == "division":
        raise ValueError(
            "deprivation is for the county or a district (LSOAs do not nest in divisions)"
        )
    coverage = read_coverage(store).period(filters, themes)
    year, year_note = population_year(store, coverage, ages, year)
    lsoas = context.lsoa_table(store, year=year, ages=ages)
    if code is not None:
        lsoas = lsoas[lsoas["district_code"] == code]
    lsoas = lsoas.dropna(subset=["persons", "imd_decile"])
    points = with_lsoas(store, incident_points(store, filters, themes))
    inside = points["lsoa"].isin(set(lsoas["lsoa_code"]))
    counts = points.loc[inside, "lsoa"].value_counts()
    other = int((~inside).sum())
    table = decile_table(counts, lsoas, other=other)
    ranked = lsoas.assign(n=counts.reindex(lsoas["lsoa_code"]).fillna(0).to_numpy())
    curve = concentration_curve(ranked["n"], ranked["persons"], ranked["imd_rank"])
    by_decile = table[table["decile"] != OTHER]
    decile_curve = concentration_curve(
        by_decile["incidents"], by_decile["residents"], by_decile["decile"]
    )
    notes = [year_note] if year_note else []
    if other:
        notes.append(
            f"{other:,} {'incident' if other == 1 else 'incidents'} placed in the area "
            f"{'lies' if other == 1 else 'lie'} in no LSOA of it (at sea, or just over "
            "the generalised edge of a neighbouring district's LSOA): no decile"
        )
    return Deprivation(
        level=level, code=code, table=table, total=len(points), curve=curve,
        concentration_index=concentration_index(curve),
        decile_index=concentration_index(decile_curve),
        england_shares=england_shares(table),
        local_shares={"10%": share_at(curve, 0.1), "20%": share_at(curve, 0.2)},
        population_year=year, ages=ages_label(ages), notes=tuple(notes),
    )  # fmt: skip


def england_shares(table: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """(incident share, resident share) in England's most deprived 10% and 20% of LSOAs."""
    out = {}
    for label, top in (("10%", 1), ("20%", 2)):
        rows = table[(table["decile"] >= 1) & (table["decile"] <= top)]
        out[label] = (float(rows["incident_share"].sum()), float(rows["resident_share"].sum()))
    return out


def by_district(store: Store, filters: Filters, themes: ThemeMap, **options) -> list[Deprivation]:
    """:func:`deprivation` for the county and then every district with LSOAs loaded."""
    county = replace(filters, district=None, division=None)
    codes = sorted(set(context.lsoa_table(store)["district_code"]))
    return [deprivation(store, county, themes, **options)] + [
        deprivation(store, replace(county, district=c), themes, **options) for c in codes
    ]
