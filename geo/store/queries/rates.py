"""Every read the rates, deprivation, registers and proximity modules make of the store.

Kept together and small so they can move into the store's query layer as they are. Filters
become SQL only through :meth:`geo.filters.Filters.where`; every value is a parameter and
every identifier comes from a fixed list here.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from geo.errors import ValidationError
from geo.filters import Filters
from geo.grid import cell_column
from geo.store._file import Store
from geo.themes import ThemeMap

_AREA_COLUMNS = {"district": "district", "division": "division"}


def area_counts(store: Store, filters: Filters, themes: ThemeMap, level: str) -> dict[str, int]:
    """Incidents of ``filters`` (its area ignored: the whole county) placed in each area at
    ``level`` (district or division), by code; areas with none are absent."""
    column = _AREA_COLUMNS[level]
    where, params = replace(filters, district=None, division=None).where(themes)
    sql = (
        f"SELECT {column}, count(*) FROM incidents WHERE {where} AND {column} IS NOT NULL "
        f"GROUP BY {column}"
    )
    return {code: int(n) for code, n in store.fetch_rows(sql, params)}


def incident_points(
    store: Store, filters: Filters, themes: ThemeMap, *, res: int | None = None
) -> pd.DataFrame:
    """The incidents of ``filters`` placed in its area (the county: every district), one row
    each: ``uid, source, category, month, lsoa_code`` (the source's own LSOA code, if any),
    ``longitude, latitude, district, division`` and, with ``res``, ``cell`` (the point's
    own H3 cell at ``res``)."""
    where, params = filters.where(themes)
    cell = f", {cell_column(res)} AS cell" if res is not None else ""
    sql = (
        "SELECT uid, source, category, month, lsoa_code, longitude, latitude, district, "
        f"division{cell} FROM incidents WHERE {where} AND latitude IS NOT NULL ORDER BY uid"
    )
    return store.fetch(sql, params).to_pandas()


def area_table(store: Store) -> pd.DataFrame:
    """Every loaded district and division: ``level, code, name, parent_code``."""
    return store.fetch(
        "SELECT level, code, name, parent_code FROM areas "
        "WHERE level IN ('district', 'division') ORDER BY level, code"
    ).to_pandas()


def lsoa_shapes(store: Store) -> pd.DataFrame:
    """The loaded LSOAs: ``lsoa_code, name, district_code, geometry`` (WKB), by code."""
    frame = store.fetch(
        "SELECT lsoa_code, name, district_code, geometry FROM context_lsoas ORDER BY lsoa_code"
    ).to_pandas()
    if frame.empty:
        raise ValidationError(
            "no LSOAs are loaded: load the context data first (`socmap context load --from DIR`)"
        )
    return frame


def postcode_points(store: Store) -> pd.DataFrame:
    """Postcode centroids of the newest Code-Point Open release loaded: ``search_key``
    (postcode without spaces, upper case), ``longitude, latitude, vintage``; empty when no
    postcodes are loaded."""
    return store.fetch(
        """
        SELECT search_key, longitude, latitude, vintage FROM context_postcodes
        WHERE vintage = (SELECT max(vintage) FROM context_postcodes)
        """
    ).to_pandas()


# -- registers of vulnerable places ----------------------------------------------------------


def register_batches(store: Store) -> pd.DataFrame:
    """One row per loaded register (schools, care): its file, checksum and accounting."""
    if not store.exists():
        return pd.DataFrame()
    return store.fetch(
        "SELECT register, layout, publisher, file, checksum, vintage, rows_read, loaded, "
        "outside, quarantined, loaded_at FROM register_batches ORDER BY register"
    ).to_pandas()


def register_places(store: Store, registers: tuple[str, ...] = ()) -> pd.DataFrame:
    """The places of the given registers (all when empty), by register then id."""
    columns = (
        "register, place_id, name, kind, type, status, pru_or_ap, care_home, children, "
        "postcode, local_authority, open_date, close_date, longitude, latitude, located_by, "
        "district, division"
    )
    if registers:
        marks = ", ".join("?" for _ in registers)
        sql = f"SELECT {columns} FROM register_places WHERE register IN ({marks})"
        params: list[object] = list(registers)
    else:
        sql, params = f"SELECT {columns} FROM register_places", []
    return store.fetch(sql + " ORDER BY register, place_id", params).to_pandas()


def register_quarantine(store: Store, register: str | None = None) -> pd.DataFrame:
    """Register rows not loaded: ``register, file, row_number, reason, raw, outside``
    (``outside``: a good row of a place beyond Kent and Medway, not a problem)."""
    sql = "SELECT register, file, row_number, reason, raw, outside FROM register_quarantine"
    params: list[object] = []
    if register is not None:
        sql += " WHERE register = ?"
        params.append(register)
    return store.fetch(sql + " ORDER BY register, row_number", params).to_pandas()
