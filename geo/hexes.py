"""Hexagon counts: incidents per H3 cell at any resolution from 5 to 10.

Every incident stores the cell its point lies in at each resolution (:func:`geo.grid.cell_column`;
H3 cells do not nest, so a coarse cell is never worked out from a fine one), so a count at any
resolution is one grouped scan of that column and the filter columns, and a hexagon's count is
exactly the incidents whose point ``h3.latlng_to_cell`` puts in it. Filters become SQL only
through :meth:`geo.filters.Filters.where`.

Speed comes from the store's layout, not from a derived table: the loader writes each batch
sorted by ``(category, month, cell)`` (see :mod:`geo.ingest._load`), so DuckDB's per-row-group
minimum/maximum statistics let a category or month filter skip most of a large table, and
the grouping meets each cell's rows together. A sort order cannot go stale when a batch
replaces rows, so there is nothing to keep in step; it costs the loader about half a second
and a few hundred megabytes per million rows (``benchmarks/hex_query_bench.py`` measures what
it buys).

Tables returned here have these columns:

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

from datetime import date

import pyarrow as pa

from geo.filters import Filters
from geo.grid import cell_column
from geo.store import Store
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
    return int(store.fetch_rows(sql, params)[0][0])


def months_loaded(store: Store) -> list[date]:
    """Every month that holds at least one stored incident, of any source or category.

    A month missing here is a gap in the data, not a month without crime; statistics over
    time say so rather than read a gap as zero.
    """
    rows = store.fetch_rows("SELECT DISTINCT month FROM incidents ORDER BY month")
    return [r[0] for r in rows]


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
