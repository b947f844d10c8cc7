"""Counts of incidents: per hexagon, per piece of a hexagon in an area, per area.

Every incident stores the cell its point lies in at each resolution (:func:`geo.grid.cell_column`;
H3 cells do not nest, so a coarse cell is never worked out from a fine one), so a count at any
resolution is one grouped scan of that column and the filter columns, and a hexagon's count is
exactly the incidents whose point ``h3.latlng_to_cell`` puts in it. Filters become SQL only
through :meth:`geo.filters.Filters.where` (which holds the county rule: the county is the
incidents placed in a district).

Speed: on a DuckDB store every count here reads the pre-aggregated counts
(:mod:`geo.store._counts`: incidents per category, source, month, district, division and own
cell, one table per resolution, kept equal to the incidents inside every write's
transaction), the same filter over far fewer rows, ``sum(n)`` for ``count(*)``; the answers
are identical (``tests/unit/test_cell_counts.py`` compares them over random filters, after
a month is replaced and after a failed load). Unmapped incidents are counted there with a
NULL cell, so area totals and breakdowns read the smallest table (resolution 5). A
ClickHouse store counts its incidents (partitioned by month, sorted by category, month and
cell). ``benchmarks/hex_query_bench.py`` measures both against pandas and DuckDB over the
raw rows. A repeated identical count on the same version of the store is answered from
memory (:func:`geo.store.queries._run.cached_table`).

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
from geo.store._counts import counts_table
from geo.store._file import Store
from geo.store.queries._run import cached_table, check_choice, dialect, one, rows
from geo.themes import ThemeMap

# DuckDB's hex() of a UBIGINT has no leading zeros; every H3 cell has bit 59 set (mode 1),
# so it is exactly the 15-character id h3 prints. ClickHouse's hex() prints whole bytes
# ("08a2..."), so the leading zero goes (h3ToString would do, but it throws on the zero a
# NULL cell holds underneath, and an H3 function is one more thing to pin).
# On DuckDB the upper-case text is made lower in Arrow (_lower_hex): DuckDB's lower() took
# a fifth of a filtered count at res 9 (0.9 ms of 4.5 on 10M incidents), Arrow's 0.05 ms.
_HEX = {
    "duckdb": "hex({expr})",
    "clickhouse": "replaceRegexpOne(lower(hex({expr})), '^0+', '')",
}


def _lower_hex(table: pa.Table) -> pa.Table:
    """``cell_hex`` in lower case, as h3 prints cell ids (DuckDB's hex() is upper case)."""
    import pyarrow.compute as pc  # noqa: PLC0415 - 25 ms to import; not every command counts

    at = table.schema.get_field_index("cell_hex")
    return table.set_column(at, "cell_hex", pc.ascii_lower(table["cell_hex"]))


_FINISH = {"duckdb": _lower_hex, "clickhouse": None}
# Counts as int64 on both (ClickHouse's count() is UInt64, DuckDB's sum a HUGEINT); the hex
# made once per output row. {rel}, {cell} and {count} come from _counted.
_COUNTS = {
    # One grouping over the pre-aggregated rows; the hex is a function of the group's cell,
    # so DuckDB makes it once per output row (a nested query measured slower).
    "duckdb": """
        SELECT {cell} AS cell, {hex} AS cell_hex, {month}CAST({count} AS BIGINT) AS count
        FROM {rel} WHERE {cell} IS NOT NULL AND {where}
        GROUP BY {keys}
        {order}
    """,
    "clickhouse": """
        SELECT parent AS cell, {hex} AS cell_hex, * EXCEPT (parent)
        FROM (
            SELECT {keys}, toInt64({count}) AS count
            FROM (SELECT assumeNotNull({cell}) AS parent, month FROM {rel}
                  WHERE {cell} IS NOT NULL AND {where})
            GROUP BY {keys}
        )
        {order}
    """,
}
# The resolution whose counts answer a question that needs no cell (area totals, breakdowns):
# every table counts every incident, and the coarsest has the fewest rows.
_ANY_RES = 5


def _counted(kind: str, res: int) -> tuple[str, str, str]:
    """(relation, its cell at ``res``, the count) to count incidents from: the pre-aggregated
    counts on DuckDB, the incidents themselves on ClickHouse. Fixed identifiers."""
    if kind == "clickhouse":
        return "incidents", cell_column(res), "count(*)"
    return counts_table(res), "cell", "coalesce(sum(n), 0)"


def _where(
    source: object, filters: Filters, themes: ThemeMap, *, outside: bool = False
) -> tuple[str, list[object]]:
    """:meth:`Filters.where`, and on DuckDB a bound on the category implied by it: the counts
    are stored sorted by category, and DuckDB skips row groups by a range but not by a list
    of several values (``category IN (a, b)`` read every row group; the bound, a fifth).
    The answer is the same: the bound only repeats what the list says."""
    where, params = filters.where(themes, outside=outside)
    kind = source if isinstance(source, str) else dialect(source)
    chosen = filters.category_set(themes) if filters.categories or filters.themes else ()
    if kind == "duckdb" and len(chosen) > 1:
        where += " AND category BETWEEN ? AND ?"
        params = [*params, min(chosen), max(chosen)]
    return where, params


def hex_counts(store: Store, filters: Filters, res: int, themes: ThemeMap) -> pa.Table:
    """Incidents per cell at ``res`` matching ``filters``, in no particular order.

    Columns ``cell``, ``cell_hex``, ``count`` (see the module's documentation). Incidents
    without a location have no cell and are not counted (they are "unmapped"). Rows are not
    sorted: a map does not need it, and sorting costs as much as the count on small queries.
    """
    kind = dialect(store)
    sql, params = _counts_sql(kind, filters, res, themes, by_month=False)
    return cached_table(store, sql, params, finish=_FINISH[kind])


def cell_month_counts(store: Store, filters: Filters, res: int, themes: ThemeMap) -> pa.Table:
    """Incidents per cell and month at ``res``: columns ``cell``, ``cell_hex``, ``month``,
    ``count``; only non-zero combinations are listed, ordered by cell then month."""
    kind = dialect(store)
    sql, params = _counts_sql(kind, filters, res, themes, by_month=True)
    return cached_table(store, sql, params, finish=_FINISH[kind])


def filtered_total(store: Store, filters: Filters, themes: ThemeMap) -> int:
    """How many incidents with a location match ``filters`` (what :func:`hex_counts` sums to)."""
    where, params = _where(store, filters, themes)
    rel, cell, count = _counted(dialect(store), _ANY_RES)
    sql = f"SELECT {count} FROM {rel} WHERE {cell} IS NOT NULL AND {where}"
    return int(one(store, sql, params)[0])


def _counts_sql(
    kind: str, filters: Filters, res: int, themes: ThemeMap, *, by_month: bool
) -> tuple[str, list[object]]:
    rel, cell, count = _counted(kind, res)  # fixed identifiers, the resolution checked
    where, where_params = _where(kind, filters, themes)
    order = "ORDER BY cell, month" if by_month else ""
    # The grouping is on the bare integer cell; the hex string is made once per output row,
    # not once per incident.
    if kind == "duckdb":
        keys = f"{cell}, month" if by_month else cell
        expr = cell
    else:
        keys = "parent, month" if by_month else "parent"
        expr = "parent"
    sql = _COUNTS[kind].format(
        hex=_HEX[kind].format(expr=expr),
        month="month, " if by_month else "",
        keys=keys,
        rel=rel,
        cell=cell,
        count=count,
        where=where,
        order=order,
    )
    return sql, where_params


# -- pieces and areas ------------------------------------------------------------------------

# A piece: the incidents of one hexagon placed in one leaf area (a division, or a district
# without divisions), as (district, division, cell, count).
Piece = tuple[str | None, str | None, int | None, int]


def piece_counts(store: Store, filters: Filters, themes: ThemeMap, res: int) -> list[Piece]:
    """Incidents matching ``filters`` with a cell at ``res``, per (district, division, cell):
    every piece of the map at once, from which any area's count is a sum."""
    rel, cell, count = _counted(dialect(store), res)  # fixed identifiers, checked
    where, params = _where(store, filters, themes)
    return rows(
        store,
        f"SELECT district, division, {cell} AS cell, {count} FROM {rel} "
        f"WHERE {cell} IS NOT NULL AND {where} GROUP BY ALL",
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
    where, params = _where(store, whole, themes)
    null_cell, null_text = (
        ("CAST(NULL AS Nullable(UInt64))", "CAST(NULL AS Nullable(String))")
        if dialect(store) == "clickhouse"
        else ("NULL::UBIGINT", "NULL::VARCHAR")
    )
    rel, cell, count = _counted(dialect(store), res)  # fixed identifiers, checked
    cell_sql = cell if depth == "cell" else null_cell
    division_sql = null_text if depth == "district" else "division"
    # A located incident has a cell at every resolution (the store check holds that).
    return rows(
        store,
        f"SELECT district, {division_sql} AS division, {cell_sql} AS cell, {count} AS n "
        f"FROM {rel} WHERE {cell} IS NOT NULL AND {where} GROUP BY ALL",
        params,
    )


def outside_count(store: Store, filters: Filters, themes: ThemeMap, *, res: int = FINE_RES) -> int:
    """Incidents of ``filters`` (its district or division ignored) with a cell at ``res``
    that were placed in no district: counted in no area, the county included."""
    whole = replace(filters, district=None, division=None)
    where, params = _where(store, whole, themes, outside=True)
    rel, cell, count = _counted(dialect(store), res)  # fixed identifiers, checked
    sql = f"SELECT {count} FROM {rel} WHERE {cell} IS NOT NULL AND {where}"
    return int(one(store, sql, params)[0])


AREA_LEVELS = ("county", "district", "division")


def area_counts(store: Store, filters: Filters, themes: ThemeMap, level: str) -> dict[str, int]:
    """Incidents of ``filters`` per area code at ``level``, from where each incident was
    placed (never from hexagons). The county (code "county") counts every incident matching
    the filters that was placed in a district (as the districts together do: an unmapped
    incident is in no area); areas with none are absent."""
    check_choice("level", level, AREA_LEVELS)
    where, params = _where(store, filters, themes)
    rel, _, count = _counted(dialect(store), _ANY_RES)
    if level == "county":
        sql = f"SELECT 'county' AS code, {count} AS n FROM {rel} WHERE {where}"
    else:  # a column name from the fixed list above
        sql = f"""
            SELECT {level} AS code, {count} AS n FROM {rel}
            WHERE {where} AND {level} IS NOT NULL GROUP BY 1
        """
    return {code: int(n) for code, n in rows(store, sql, params)}


# (category, source, month, has a location, count)
Breakdown = tuple[str, str, date, bool, int]


def breakdown(store: Store, filters: Filters, themes: ThemeMap) -> list[Breakdown]:
    """Incidents of ``filters`` per category, source, month and whether they have a
    location: the small table a view's totals by theme, its monthly trend and its notes on
    sources are all sums of (one scan instead of five)."""
    where, params = _where(store, filters, themes)
    rel, cell, count = _counted(dialect(store), _ANY_RES)
    found = rows(
        store,
        f"SELECT category, source, month, {cell} IS NOT NULL, {count} FROM {rel} "
        f"WHERE {where} GROUP BY ALL",
        params,
    )
    return [(c, s, m, bool(located), int(n)) for c, s, m, located, n in found]
