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

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from geo.errors import StoreError
from geo.store._counts import COUNT_TABLES
from geo.store._schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from geo.store._clickhouse import ClickHouseStore

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
        if table in COUNT_TABLES:  # DuckDB's own shortcut; ClickHouse counts its incidents
            continue
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


class Publisher:
    """One publish: the steps in the module's documentation."""

    def __init__(self, store: ClickHouseStore, con: duckdb.DuckDBPyConnection) -> None:
        self.store = store
        self.con = con
        self.db = store.database

    def run(self) -> int:
        (version,) = self.con.execute(
            "SELECT value FROM meta WHERE key = 'data_version'"
        ).fetchone()
        self.store.command(f"CREATE DATABASE IF NOT EXISTS `{self.db}`")
        self.store.command(
            f"CREATE TABLE IF NOT EXISTS `{self.db}`.generations (gen UInt32, "
            "data_version String, schema_version String, published_at DateTime64(6, 'UTC')) "
            "ENGINE = MergeTree ORDER BY gen"
        )
        current = self.store.current()
        if current is not None and current[1] == version:
            return current[0]
        previous = current[0] if current else None
        gen = self._next_gen()
        target = f"{self.db}_g{gen}"
        self.store.command(f"DROP DATABASE IF EXISTS `{target}` SYNC")  # a dead writer's
        self.store.command(f"CREATE DATABASE `{target}`")
        try:
            self._build(target, previous)
            self.store.command(
                f"INSERT INTO `{self.db}`.generations VALUES "
                "({g:UInt32}, {v:String}, {s:String}, {t:DateTime64(6, 'UTC')})",
                {"g": gen, "v": version, "s": SCHEMA_VERSION, "t": datetime.now(UTC)},
            )  # THE commit: readers use the newest row
        except BaseException:
            with contextlib.suppress(Exception):
                self.store.command(f"DROP DATABASE IF EXISTS `{target}` SYNC")
            raise
        self._collect(keep=(gen, previous))
        return gen

    def _next_gen(self) -> int:
        # Past every generation committed and every database a dead writer left.
        found = self.store.control_rows(
            "SELECT max(g) FROM (SELECT toUInt32OrZero(substring(name, {n:UInt32})) AS g "
            "FROM system.databases WHERE startsWith(name, {p:String}) UNION ALL "
            f"SELECT max(gen) FROM `{self.db}`.generations)",
            {"p": f"{self.db}_g", "n": len(self.db) + 3},
        )
        return int(found[0][0] or 0) + 1

    def _build(self, target: str, previous: int | None) -> None:
        tables = staged_tables(self.con)
        for table, columns in tables.items():
            if table == INCIDENTS:
                self._incidents(target, previous, columns)
                continue
            self.store.command(create_sql(target, table, columns))
            self.store.insert_arrow(target, table, table_rows(self.con, table, columns))
        self._verify(target, tables)

    def _incidents(self, target: str, previous: int | None, columns: list[Column]) -> None:
        staged = month_digests(self.con, columns)
        published = self._published_digests(previous, columns)
        todo = plan(staged, published)
        if todo.full:
            self.store.command(create_sql(target, INCIDENTS, columns))
        else:
            self.store.command(
                f"CREATE TABLE `{target}`.incidents CLONE AS `{self.db}_g{previous}`.incidents"
            )
        for yyyymm in todo.drop + ([] if todo.full else todo.write):
            self.store.command(f"ALTER TABLE `{target}`.incidents DROP PARTITION {int(yyyymm)}")
        for yyyymm in todo.write:
            rows = month_rows(self.con, columns, yyyymm)
            self.store.insert_arrow(target, INCIDENTS, rows)
            # One part per month for readers (an insert can leave several).
            self.store.command(f"OPTIMIZE TABLE `{target}`.incidents PARTITION {int(yyyymm)} FINAL")
        self.store.command(
            f"CREATE TABLE `{target}`.{DIGESTS} (yyyymm UInt32, n Int64, "
            "digest UInt64) ENGINE = MergeTree ORDER BY yyyymm"
        )
        digests = pa.table(
            {
                "yyyymm": pa.array(list(staged), pa.uint32()),
                "n": pa.array([n for n, _ in staged.values()], pa.int64()),
                "digest": pa.array([d for _, d in staged.values()], pa.uint64()),
            }
        )
        self.store.insert_arrow(target, DIGESTS, digests)

    def _published_digests(
        self, previous: int | None, columns: list[Column]
    ) -> dict[int, tuple[int, int]] | None:
        """The previous generation's month digests, or None when it cannot be cloned (no
        previous generation, or incidents of another layout after an upgrade)."""
        if previous is None:
            return None
        gen = self.store.generation(previous)
        layout = gen.fetch_rows(
            "SELECT name, type FROM system.columns WHERE database = ? AND table = 'incidents' "
            "ORDER BY position",
            [gen.database],
        )
        if layout != [(c.name, c.ch_type) for c in columns]:
            return None
        found = gen.fetch_rows(f"SELECT yyyymm, n, digest FROM {DIGESTS}")
        return {int(m): (int(n), int(d)) for m, n, d in found}

    def _verify(self, target: str, tables: dict[str, list]) -> None:
        """Every table holds what the staging copy holds (incidents month by month)."""
        gen = self.store.generation(int(target.rsplit("_g", 1)[1]))
        for table in tables:
            (want,) = self.con.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            (got,) = gen.fetch_rows(f"SELECT count() FROM `{table}`")[0]
            if int(want) != int(got):
                raise StoreError(
                    f"{self.store.location}: publishing {table}: {got} rows written of {want}; "
                    "readers keep the previous version"
                )
        want_months = dict(
            self.con.execute(
                "SELECT year(month) * 100 + month(month), count(*) FROM incidents GROUP BY 1"
            ).fetchall()
        )
        got_months = dict(
            gen.fetch_rows("SELECT toYYYYMM(month), count() FROM incidents GROUP BY 1")
        )
        if {int(k): int(v) for k, v in want_months.items()} != {
            int(k): int(v) for k, v in got_months.items()
        }:
            raise StoreError(
                f"{self.store.location}: publishing incidents: the months written differ from "
                "the staging copy; readers keep the previous version"
            )

    def _collect(self, keep: tuple[int | None, ...]) -> None:
        """Drop generations older than the previous one (best effort: a later publish
        tries again)."""
        names = self.store.control_rows(
            "SELECT name FROM system.databases WHERE startsWith(name, {p:String})",
            {"p": f"{self.db}_g"},
        )
        for (name,) in names:
            suffix = name[len(self.db) + 2 :]
            if (
                suffix.isdigit()
                and int(suffix) not in keep
                and int(suffix) < max(k for k in keep if k is not None)
            ):
                with contextlib.suppress(StoreError):
                    self.store.command(f"DROP DATABASE IF EXISTS `{name}`")
