"""Publishing the DuckDB staging copy to ClickHouse as a new generation (docs/clickhouse.md).

ClickHouse has no transactions, and an INSERT that fails can leave some of its rows behind.
So a load never writes a table readers use. Each published state of the store is a
*generation*: a database ``<db>_g<N>`` holding every table under its usual name. Publishing:

1. Generation N+1 starts as a copy of N: ``CLONE AS`` hard-links the incidents' parts, so
   it costs next to nothing however large the store is.
2. Each month partition whose rows differ from N's (a digest per month, worked out in DuckDB)
   is dropped and written again from the staging copy; months no longer stored are dropped.
   The small tables (batches, quarantine, areas, ports, context) are written whole.
3. Every table is counted against the staging copy, month by month for the incidents.
4. **The commit** is one row in ``<db>.generations``. Readers take the newest row, so they
   see all of N+1 or none of it. Any failure before it drops N+1; N is never touched.

Generation N is kept after the commit (a reader mid-query, or ``restore_previous``); older
ones are dropped (an Atomic database keeps a dropped table's data until in-flight queries
end).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from geo.errors import StoreError

INCIDENTS = "incidents"
DIGESTS = "month_digests"  # ClickHouse only: what each month partition held when published

# DuckDB column types (as duckdb_columns() names them) to ClickHouse's.
_TYPES = {
    "VARCHAR": "String",
    "BIGINT": "Int64",
    "INTEGER": "Int32",
    "SMALLINT": "Int16",
    "UBIGINT": "UInt64",
    "DOUBLE": "Float64",
    "DATE": "Date32",
    "BOOLEAN": "Bool",
    "TIMESTAMP WITH TIME ZONE": "DateTime64(6, 'UTC')",
    "BLOB": "String",
    "JSON": "String",
}


@dataclass(frozen=True)
class Column:
    name: str
    duck_type: str
    nullable: bool

    @property
    def ch_type(self) -> str:
        if self.duck_type.endswith("[]"):
            return f"Array({_TYPES[self.duck_type[:-2]]})"
        base = _TYPES.get(self.duck_type)
        if base is None:
            raise StoreError(f"column {self.name}: no ClickHouse type for {self.duck_type}")
        return f"Nullable({base})" if self.nullable else base

    @property
    def select(self) -> str:
        """How the column is read from DuckDB for the insert (JSON as its text)."""
        quoted = f'"{self.name}"'
        return f"CAST({quoted} AS VARCHAR) AS {quoted}" if self.duck_type == "JSON" else quoted


def staged_tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[Column]]:
    """Every table of the staging copy with its columns, in table order."""
    found = con.execute(
        "SELECT c.table_name, c.column_name, c.data_type, c.is_nullable "
        "FROM duckdb_columns() c JOIN duckdb_tables() t USING (database_name, table_oid) "
        "WHERE c.database_name = current_database() AND c.schema_name = 'main' "
        "AND NOT c.internal ORDER BY c.table_name, c.column_index"
    ).fetchall()
    tables: dict[str, list[Column]] = {}
    for table, name, kind, nullable in found:
        tables.setdefault(table, []).append(Column(name, kind, bool(nullable)))
    return tables


def create_sql(database: str, table: str, columns: list[Column]) -> str:
    """The ClickHouse table for a staged one. The incidents are partitioned by month and
    sorted by (category, month, cell), as DuckDB's loader sorts them, so a category or
    period filter reads few parts and each cell's rows lie together."""
    body = ",\n    ".join(f"`{c.name}` {c.ch_type}" for c in columns)
    if table == INCIDENTS:
        layout = (
            "PARTITION BY toYYYYMM(month) ORDER BY (category, month, cell) "
            "SETTINGS allow_nullable_key = 1"
        )
    else:
        layout = "ORDER BY tuple()"
    return f"CREATE TABLE `{database}`.`{table}` (\n    {body}\n) ENGINE = MergeTree {layout}"


def month_digests(
    con: duckdb.DuckDBPyConnection, columns: list[Column]
) -> dict[int, tuple[int, int]]:
    """{yyyymm: (rows, digest)} of the staged incidents: the digest is the XOR of a hash of
    every column of every row, so any added, removed or changed row changes it (rows are
    never identical: each has its own uid)."""
    names = ", ".join(f'"{c.name}"' for c in columns)
    found = con.execute(
        f"SELECT year(month) * 100 + month(month), count(*), bit_xor(hash({names})) "
        "FROM incidents GROUP BY 1"
    ).fetchall()
    return {int(ym): (int(n), int(d)) for ym, n, d in found}


def month_rows(con: duckdb.DuckDBPyConnection, columns: list[Column], yyyymm: int) -> pa.Table:
    select = ", ".join(c.select for c in columns)
    year, month = divmod(yyyymm, 100)
    return con.sql(
        f"SELECT {select} FROM incidents WHERE month = make_date($y, $m, 1) "
        "ORDER BY category, month, cell",
        params={"y": year, "m": month},
    ).to_arrow_table()


def table_rows(con: duckdb.DuckDBPyConnection, table: str, columns: list[Column]) -> pa.Table:
    select = ", ".join(c.select for c in columns)
    return con.sql(f'SELECT {select} FROM "{table}"').to_arrow_table()


@dataclass
class Plan:
    """What one publish does to the incidents: months to write again and months to drop."""

    write: list[int]
    drop: list[int]
    full: bool  # no previous generation of the same layout: every month is written


def plan(staged: dict[int, tuple[int, int]], published: dict[int, tuple[int, int]] | None) -> Plan:
    if published is None:
        return Plan(write=sorted(staged), drop=[], full=True)
    write = sorted(m for m, d in staged.items() if published.get(m) != d)
    drop = sorted(m for m in published if m not in staged)
    return Plan(write=write, drop=drop, full=False)
