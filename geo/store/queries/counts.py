"""Counts of incidents: per hexagon, per piece of a hexagon in an area, per area.

Every incident stores the cell its point lies in at each resolution (:func:`geo.grid.cell_column`;
H3 cells do not nest, so a coarse cell is never worked out from a fine one), so a count at any
resolution is one grouped scan of that column and the filter columns, and a hexagon's count is
exactly the incidents whose point ``h3.latlng_to_cell`` puts in it. Filters become SQL only
through :meth:`geo.filters.Filters.where` (which holds the county rule: the county is the
incidents placed in a district).

Speed comes from the store's layout, not from a derived table: the loader writes each batch
sorted by ``(category, month, cell)`` (see :mod:`geo.ingest._load`), so DuckDB's per-row-group
minimum/maximum statistics let a category or month filter skip most of a large table, and
the grouping meets each cell's rows together. A sort order cannot go stale when a batch
replaces rows, so there is nothing to keep in step (``benchmarks/hex_query_bench.py``
measures what it buys).

Tables returned by :func:`hex_counts` and :func:`cell_month_counts` have these columns:

``cell``
    the H3 cell (``uint64``) at the requested resolution;
``cell_hex``
    the same cell as the standard 15-character lower-case hex string;
``count``
    incidents matching the filters (``int64``); only cells with at least one are listed;
``month`` (:func:`cell_month_counts` only)
    the first day of the month.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pyarrow as pa

from geo.filters import Filters
from geo.grid import FINE_RES, cell_column
from geo.store._file import Store
from geo.store.queries._run import check_choice, one, rows
from geo.themes import ThemeMap

# DuckDB's hex() of a UBIGINT has no leading zeros; every H3 cell has bit 59 set (mode 1),
# so it is exactly the 15-character id h3 prints.
_HEX = "lower(hex({expr}))"


def hex_counts(store: Store, filters: Filters, res: int, themes: ThemeMap) -> pa.Table:
    """Incidents per cell at ``res`` matching ``filters``, in no particular order.

    Columns ``cell``, ``cell_hex``, ``count`` (see the module's documentation). Incidents
    without a location have no cell and are not counted (they are "unmapped"). Rows are not
    sorted: a map does not need it, and sorting costs as much as the count on small queries.
    """
    sql, params = _counts_sql(filters, res, themes, by_month=False)
    return store.fetch(sql, params)


def cell_month_counts(store: Store, filters: Filters, res: int, themes: ThemeMap) -> pa.Table:
    """Incidents per cell and month at ``res``: columns ``cell``, ``cell_hex``, ``month``,
    ``count``; only non-zero combinations are listed, ordered by cell then month."""
    sql, params = _counts_sql(filters, res, themes, by_month=True)
    return store.fetch(sql, params)


def filtered_total(store: Store, filters: Filters, themes: ThemeMap) -> int:
    """How many incidents with a location match ``filters`` (what :func:`hex_counts` sums to)."""
    where, params = filters.where(themes)
    sql = f"SELECT count(*) FROM incidents WHERE cell IS NOT NULL AND {where}"
    return int(one(store, sql, params)[0])


def _counts_sql(
    filters: Filters, res: int, themes: ThemeMap, *, by_month: bool
) -> tuple[str, list[object]]:
    column = cell_column(res)  # a fixed identifier, checked
    where, where_params = filters.where(themes)
    keys = "parent, month" if by_month else "parent"
    order = "ORDER BY cell, month" if by_month else ""
    # The inner query groups on the bare integer cell; the hex string is made once per
    # output row, not once per incident.
    sql = f"""
        SELECT parent AS cell, {_HEX.format(expr="parent")} AS cell_hex,
               * EXCLUDE (parent)
        FROM (
            SELECT {keys}, count(*) AS count
            FROM (SELECT {column} AS parent, month FROM incidents
                  WHERE {column} IS NOT NULL AND {where})
            GROUP BY {keys}
        )
        {order}
    """
    return sql, where_params


# -- pieces and areas ------------------------------------------------------------------------

# A piece: the incidents of one hexagon placed in one leaf area (a division, or a district
# without divisions), as (district, division, cell, count).
Piece = tuple[str | None, str | None, int | None, int]


def piece_counts(store: Store, filters: Filters, themes: ThemeMap, res: int) -> list[Piece]:
    """Incidents matching ``filters`` with a cell at ``res``, per (district, division, cell):
    every piece of the map at once, from which any area's count is a sum."""
    column = cell_column(res)  # a fixed identifier, checked
    where, params = filters.where(themes)
    return rows(
        store,
        f"SELECT district, division, {column} AS cell, count(*) FROM incidents "
        f"WHERE {column} IS NOT NULL AND {where} GROUP BY ALL",
        params,
    )


DEPTHS = ("district", "division", "cell")


def located_counts(
    store: Store, filters: Filters, themes: ThemeMap, *, res: int, depth: str = "cell"
) -> list[Piece]:
    """Located incidents (with a point, so a fine cell) of ``filters``, its district or
    division ignored, per (district, division, cell at ``res``); at ``depth`` "division" the
    cell is None, at "district" the division too. The public count tree is built from
    these: the county's incidents, whatever area a view shows."""
    check_choice("depth", depth, DEPTHS)
    whole = replace(filters, district=None, division=None)
    where, params = whole.where(themes)
    cell_sql = cell_column(res) if depth == "cell" else "NULL::UBIGINT"
    division_sql = "NULL::VARCHAR" if depth == "district" else "division"
    return rows(
        store,
        f"SELECT district, {division_sql} AS division, {cell_sql} AS cell, count(*) AS n "
        f"FROM incidents WHERE cell IS NOT NULL AND {where} GROUP BY ALL",
        params,
    )


def outside_count(store: Store, filters: Filters, themes: ThemeMap, *, res: int = FINE_RES) -> int:
    """Incidents of ``filters`` (its district or division ignored) with a cell at ``res``
    that were placed in no district: counted in no area, the county included."""
    whole = replace(filters, district=None, division=None)
    where, params = whole.where(themes, outside=True)
    column = cell_column(res)  # a fixed identifier, checked
    sql = f"SELECT count(*) FROM incidents WHERE {column} IS NOT NULL AND {where}"
    return int(one(store, sql, params)[0])


AREA_LEVELS = ("county", "district", "division")


def area_counts(store: Store, filters: Filters, themes: ThemeMap, level: str) -> dict[str, int]:
    """Incidents of ``filters`` per area code at ``level``, from where each incident was
    placed (never from hexagons). The county (code "county") counts every incident matching
    the filters, unmapped ones included; areas with none are absent."""
    check_choice("level", level, AREA_LEVELS)
    where, params = filters.where(themes)
    if level == "county":
        sql = f"SELECT 'county' AS code, count(*) AS n FROM incidents WHERE {where}"
    else:  # a column name from the fixed list above
        sql = f"""
            SELECT {level} AS code, count(*) AS n FROM incidents
            WHERE {where} AND {level} IS NOT NULL GROUP BY 1
        """
    return {code: int(n) for code, n in rows(store, sql, params)}


# (category, source, month, has a location, count)
Breakdown = tuple[str, str, date, bool, int]


def breakdown(store: Store, filters: Filters, themes: ThemeMap) -> list[Breakdown]:
    """Incidents of ``filters`` per category, source, month and whether they have a
    location: the small table a view's totals by theme, its monthly trend and its notes on
    sources are all sums of (one scan instead of five)."""
    where, params = filters.where(themes)
    found = rows(
        store,
        "SELECT category, source, month, cell IS NOT NULL, count(*) FROM incidents "
        f"WHERE {where} GROUP BY ALL",
        params,
    )
    return [(c, s, m, bool(located), int(n)) for c, s, m, located, n in found]
