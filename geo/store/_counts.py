"""Pre-aggregated incident counts: one table per H3 resolution, kept equal to the incidents.

``cell_counts_<res>`` (res 5 to 10) holds how many incidents there are per (category, source,
month, district, division, cell at ``res``); ``cell`` is NULL for the incidents without a
location. Those are exactly the columns every count of :mod:`geo.store.queries.counts`
filters or groups on (:meth:`geo.filters.Filters.where` uses only category, source, month,
district and division), so each count is the same SQL over far fewer rows, with ``sum(n)``
for ``count(*)``. The cell is each incident's own stored cell at that resolution (H3 cells do
not nest: never the parent of the fine cell).

Kept in step inside the writing transaction: :meth:`geo.store.Store.writing` calls
:func:`refresh_counts` just before it commits, whatever the write was (a load, a month
replaced, a batch removed, boundaries loaded again and incidents placed afresh, an upgrade).
``count_months`` keeps, per month, the number of incidents and a digest of them (the XOR of a
hash of each incident's uid and counted columns, as the ClickHouse publisher digests a
month); a month whose digest changed, appeared or went is counted again from the incidents,
and no other; each table is then written again sorted by (category, month). A failed
write is never committed, so the counts stay as they were with the incidents.
:func:`count_problems` (``socmap store check``) compares each table with a count of the
incidents, key by key.

Only the DuckDB store holds them: the ClickHouse publisher does not copy them (ClickHouse
counts from its incidents, partitioned and sorted for it; see docs/clickhouse.md).
"""

from __future__ import annotations

from datetime import date

import duckdb

# geo.grid's resolutions and cell columns, written out: the store module is imported by
# every command and must not load h3 and numpy (tests/unit/test_cell_counts.py checks they
# agree with geo.grid).
RESOLUTIONS = (5, 6, 7, 8, 9, 10)
CELL_COLUMNS = ("cell_5", "cell_6", "cell_7", "cell_8", "cell_9", "cell")


def cell_column(res: int) -> str:
    return CELL_COLUMNS[RESOLUTIONS.index(res)]


MONTHS_TABLE = "count_months"
# The incidents' columns the counts are kept by (besides the cell at each resolution).
KEYS = ("category", "source", "month", "district", "division")


def counts_table(res: int) -> str:
    """The table of counts at ``res`` (an identifier from a fixed list)."""
    if res not in RESOLUTIONS:
        raise ValueError(f"resolution {res!r}: expected {RESOLUTIONS[0]} to {RESOLUTIONS[-1]}")
    return f"cell_counts_{res}"


COUNT_TABLES = (*(counts_table(r) for r in RESOLUTIONS), MONTHS_TABLE)


def _table_ddl(res: int, name: str) -> str:
    return f"""
    CREATE TABLE {name} (  -- incidents per key and own cell at resolution {res}
        category VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        month DATE NOT NULL,
        district VARCHAR,
        division VARCHAR,
        cell UBIGINT,                   -- NULL: the incidents without a location
        n BIGINT NOT NULL               -- at least 1
    )
    """


COUNTS_DDL = [
    *(_table_ddl(res, counts_table(res)) for res in RESOLUTIONS),
    f"""
    CREATE TABLE {MONTHS_TABLE} (       -- what each month's counts were made from
        month DATE NOT NULL,
        n BIGINT NOT NULL,              -- incidents of the month
        digest UBIGINT NOT NULL         -- XOR of a hash of each one's uid and counted columns
    )
    """,
]

_DIGEST_SQL = f"""
    SELECT month, count(*), bit_xor(hash(uid, {", ".join(KEYS)}, {", ".join(CELL_COLUMNS)}))
    FROM incidents GROUP BY month
"""


def _count_sql(res: int, where: str) -> str:
    keys = ", ".join(KEYS)
    return (
        f"SELECT {keys}, {cell_column(res)} AS cell, count(*) AS n FROM incidents "
        f"WHERE {where} GROUP BY ALL"
    )


def has_counts(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store (or working copy) holds the count tables (schema 9 on)."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary",
        [MONTHS_TABLE],
    ).fetchone()
    return bool(found[0])


def digests(con: duckdb.DuckDBPyConnection) -> dict[date, tuple[int, int]]:
    """{month: (incidents, digest)} of the incidents as they are now."""
    return {m: (int(n), int(d)) for m, n, d in con.execute(_DIGEST_SQL).fetchall()}


def refresh_counts(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Count again the months whose incidents changed since the counts were last made (all
    of them when there are no counts yet); returns those months. Runs inside the caller's
    transaction; a store without the count tables (an old schema mid-upgrade) is left alone."""
    if not has_counts(con):
        return []
    now = digests(con)
    kept = {
        m: (int(n), int(d))
        for m, n, d in con.execute(f"SELECT month, n, digest FROM {MONTHS_TABLE}").fetchall()
    }
    changed = sorted({m for m, d in now.items() if kept.get(m) != d} | (kept.keys() - now.keys()))
    if not changed:
        return []
    marks = ", ".join("?" for _ in changed)
    for res in RESOLUTIONS:  # fixed identifiers
        table, fresh = counts_table(res), f"{counts_table(res)}_new"
        # The kept months and the changed ones counted again, written sorted by (category,
        # month) into a new table that takes the old one's place: each category lies
        # together across all months, so a category filter reads few row groups (appending
        # each load's months left every row group holding many categories: knife crime at
        # res 9 on 10M incidents read 3x the rows). Not by cell as well: no count filters a
        # range of cells, and that third key was a fifth of a load's counting time.
        con.execute(_table_ddl(res, fresh))
        con.execute(
            f"INSERT INTO {fresh} SELECT * FROM ("
            f"SELECT * FROM {table} WHERE month NOT IN ({marks}) "
            f"UNION ALL {_count_sql(res, f'month IN ({marks})')}) "
            "ORDER BY category, month",
            [*changed, *changed],
        )
        con.execute(f"DROP TABLE {table}")
        con.execute(f"ALTER TABLE {fresh} RENAME TO {table}")
    con.execute(f"DELETE FROM {MONTHS_TABLE} WHERE month IN ({marks})", changed)
    made = [(m, *now[m]) for m in changed if m in now]
    if made:
        con.executemany(f"INSERT INTO {MONTHS_TABLE} VALUES (?, ?, ?)", made)
    return changed


def count_problems(con: duckdb.DuckDBPyConnection, *, exact: bool = True) -> list[str]:
    """What is wrong with the counts: a month whose digest does not match its incidents (a
    write that did not count again what it changed) and, with ``exact``, any key (category,
    source, month, district, division, cell) whose count differs from a count of the
    incidents, or a count below 1 (NULLs compared as equal)."""
    if not has_counts(con):
        return [f"the count tables ({MONTHS_TABLE}, cell_counts_5 to 10) are missing"]
    problems = []
    now = digests(con)
    kept = {
        m: (int(n), int(d))
        for m, n, d in con.execute(f"SELECT month, n, digest FROM {MONTHS_TABLE}").fetchall()
    }
    stale = sorted({m for m in now if kept.get(m) != now[m]} | (kept.keys() - now.keys()))
    if stale or len(kept) != con.execute(f"SELECT count(*) FROM {MONTHS_TABLE}").fetchone()[0]:
        first = f" ({stale[0]:%Y-%m} first)" if stale else ""
        problems.append(
            f"the hexagon counts were not made again for {len(stale)} changed months{first}"
        )
    if not exact:
        return problems
    keys = ", ".join(KEYS)
    for res in RESOLUTIONS:
        table = counts_table(res)
        # One grouping of the incidents (+1 each) and the counts (-n each): every key left
        # with a non-zero sum is a count that differs. A row of n < 1 would list a cell with
        # no incident, so it is counted apart.
        (wrong, empty) = con.execute(
            f"""
            SELECT (SELECT count(*) FROM (
                        SELECT {keys}, cell FROM (
                            SELECT {keys}, {cell_column(res)} AS cell, 1 AS n FROM incidents
                            UNION ALL SELECT {keys}, cell, -n FROM {table})
                        GROUP BY ALL HAVING sum(n) <> 0)),
                   (SELECT count(*) FROM {table} WHERE n < 1)
            """
        ).fetchone()
        if wrong or empty:
            problems.append(f"{table}: {wrong + empty} counts differ from the incidents")
    return problems
