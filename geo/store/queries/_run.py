"""Running one query: on the store's current version, or on a connection a load holds open.

Almost every query reads the live store (:class:`~geo.store.Store`, read-only, the version
current when it starts). A few are also asked by a load inside its own transaction (the
boundaries an ingest places points in, the ports it matches names against), where only the
load's connection sees what it has written so far; those accept either.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import pyarrow as pa

from geo.store._file import Store

# The store (its current version), or a load's open connection on its working copy.
Source = Store | duckdb.DuckDBPyConnection
# Values bound to ``?`` in order, or to ``$name`` by name.
Params = Sequence[object] | Mapping[str, object]


def _bound(params: Params) -> list[object] | dict[str, object]:
    return dict(params) if isinstance(params, Mapping) else list(params)


def rows(source: Source, sql: str, params: Params = ()) -> list[tuple]:
    """The query's rows as tuples (values bound as parameters)."""
    if isinstance(source, duckdb.DuckDBPyConnection):
        return source.execute(sql, _bound(params)).fetchall()
    return source.fetch_rows(sql, _bound(params))


def dicts(store: Store, sql: str, params: Params = ()) -> list[dict[str, object]]:
    """The query's rows as {column: value} (values bound as parameters)."""
    with store.reading() as con:
        found = con.execute(sql, _bound(params)).fetchall()
        columns = [d[0] for d in con.description]
    return [dict(zip(columns, row, strict=True)) for row in found]


def table(source: Source, sql: str, params: Params = ()) -> pa.Table:
    """The query's rows as an Arrow table (values bound as parameters)."""
    if isinstance(source, duckdb.DuckDBPyConnection):
        return source.sql(sql, params=_bound(params) or None).to_arrow_table()
    return source.fetch(sql, _bound(params))


def one(source: Source, sql: str, params: Params = ()) -> tuple:
    """The query's single row."""
    return rows(source, sql, params)[0]


def check_choice(what: str, value: str, allowed: Sequence[str]) -> str:
    """``value`` if it is one of ``allowed`` (identifiers come only from fixed lists)."""
    if value not in allowed:
        raise ValueError(f"{what} {value!r}: expected one of {', '.join(allowed)}")
    return value
