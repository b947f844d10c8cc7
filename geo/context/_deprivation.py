"""Deprivation by LSOA (English Indices of Deprivation 2019): ranks and deciles as published,
and the LSOA table rates and deprivation breakdowns start from."""

from __future__ import annotations

import pandas as pd

from geo.context._population import Ages, lsoa_populations
from geo.context._sources import DOMAINS
from geo.errors import ValidationError
from geo.store import Store
from geo.store.queries import context as queries


def _check_domain(domain: str) -> None:
    if domain not in DOMAINS:
        raise ValidationError(
            f"deprivation domain {domain!r}: expected one of {', '.join(DOMAINS)}"
        )


def imd_deciles(store: Store, *, domain: str = "imd") -> dict[str, int]:
    """Decile per LSOA (1 = the most deprived 10% of England's LSOAs), for the Index of
    Multiple Deprivation or one of its domains (income, ..., idaci, idaopi)."""
    _check_domain(domain)
    return {code: int(decile) for code, decile in queries.deprivation_deciles(store, domain)}


def lsoa_deprivation(store: Store, lsoa_code: str) -> dict[str, tuple[int, int]]:
    """Every domain's (rank, decile) for one LSOA; empty when it has none loaded."""
    rows = queries.lsoa_deprivation(store, lsoa_code)
    order = {d: i for i, d in enumerate(DOMAINS)}
    return {d: (int(r), int(c)) for d, r, c in sorted(rows, key=lambda x: order[x[0]])}


def lsoa_table(store: Store, *, year: int = 2018, ages: Ages = None) -> pd.DataFrame:
    """One row per loaded LSOA: ``lsoa_code, name, district_code, persons, imd_rank,
    imd_decile`` (persons for ``year`` and ``ages``; missing values are <NA>, never 0)."""
    rows = queries.lsoa_imd(store).to_pandas()
    people = lsoa_populations(store, year=year, ages=ages)
    rows.insert(3, "persons", people.reindex(rows["lsoa_code"]).astype("Int64").to_numpy())
    for column in ("imd_rank", "imd_decile"):
        rows[column] = rows[column].astype("Int64")
    return rows
