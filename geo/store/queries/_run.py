"""Running one query: on the store's current version, or on a connection a load holds open.

Almost every query reads the live store (:class:`~geo.store.Store`, read-only, the version
current when it starts). A few are also asked by a load inside its own transaction (the
boundaries an ingest places points in, the ports it matches names against), where only the
load's connection sees what it has written so far; those accept either.

The store may be DuckDB or ClickHouse (``SOCMAP_STORE``; docs/clickhouse.md). Each source
says its :func:`dialect`; the SQL is written once where the two agree, and side by side
(:func:`pick`) where they do not. Values are bound DuckDB style (``?`` or ``$name``) and the
ClickHouse store binds them as typed server parameters (:mod:`geo.store._dialect`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

from geo.store._file import Store

# The store (its current version: DuckDB, or a ClickHouse generation), or a load's open
# connection on its working copy.
Source = Store | duckdb.DuckDBPyConnection | Any
DIALECTS = ("duckdb", "clickhouse")
T = TypeVar("T")
# Values bound to ``?`` in order, or to ``$name`` by name.
Params = Sequence[object] | Mapping[str, object]


def _bound(params: Params) -> list[object] | dict[str, object]:
    return dict(params) if isinstance(params, Mapping) else list(params)


def dialect(source: Source) -> str:
    """ "duckdb" or "clickhouse": which SQL ``source`` speaks."""
    if isinstance(source, duckdb.DuckDBPyConnection):
        return "duckdb"
    return getattr(source, "dialect", "duckdb")


def pick(source: Source, *, duckdb: T, clickhouse: T) -> T:
    """The SQL for ``source``'s dialect, from the two written side by side."""
    return clickhouse if dialect(source) == "clickhouse" else duckdb


def rows(source: Source, sql: str, params: Params = ()) -> list[tuple]:
    """The query's rows as tuples (values bound as parameters)."""
    if isinstance(source, duckdb.DuckDBPyConnection):
        return source.execute(sql, _bound(params)).fetchall()
    return source.fetch_rows(sql, _bound(params))


def cached_rows(store: Store, sql: str, params: Sequence[object] = ()) -> list[tuple]:
    """:func:`rows` through :func:`cached_table`: answered from memory on the same version
    of the store. For the small facts many views ask for on every request (what months and
    categories are loaded, which population years) whose query scans a whole table."""
    answer = cached_table(store, sql, params)
    return list(zip(*(column.to_pylist() for column in answer.columns), strict=True))


def dicts(store: Store, sql: str, params: Params = ()) -> list[dict[str, object]]:
    """The query's rows as {column: value} (values bound as parameters)."""
    if dialect(store) == "clickhouse":
        return store.fetch(sql, _bound(params)).to_pylist()
    with store.reading() as con:
        found = con.execute(sql, _bound(params)).fetchall()
        columns = [d[0] for d in con.description]
    return [dict(zip(columns, row, strict=True)) for row in found]


def table(source: Source, sql: str, params: Params = ()) -> pa.Table:
    """The query's rows as an Arrow table (values bound as parameters)."""
    if isinstance(source, duckdb.DuckDBPyConnection):
        return source.sql(sql, params=_bound(params) or None).to_arrow_table()
    return source.fetch(sql, _bound(params))


def records(tbl: pa.Table) -> list[dict]:
    """``tbl``'s rows as dicts, as ``to_pylist`` gives them. Zoned timestamps are converted
    here with the standard library: pyarrow converts them through pandas, whose import is
    most of a second for a command or an export that needs nothing else from it."""
    zoned = {}
    for i, field in enumerate(tbl.schema):
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            # A zoned Arrow timestamp holds UTC; the cast keeps the instant, drops the zone.
            tbl = tbl.set_column(i, field.name, tbl.column(i).cast(pa.timestamp(field.type.unit)))
            zoned[field.name] = ZoneInfo(field.type.tz)
    out = tbl.to_pylist()
    for row in out:
        for name, zone in zoned.items():
            if row[name] is not None:
                row[name] = row[name].replace(tzinfo=UTC).astimezone(zone)
    return out


def one(source: Source, sql: str, params: Params = ()) -> tuple:
    """The query's single row."""
    return rows(source, sql, params)[0]


def check_choice(what: str, value: str, allowed: Sequence[str]) -> str:
    """``value`` if it is one of ``allowed`` (identifiers come only from fixed lists)."""
    if value not in allowed:
        raise ValueError(f"{what} {value!r}: expected one of {', '.join(allowed)}")
    return value


# -- repeated identical queries -----------------------------------------------------------

_CACHE_ENTRIES = 64
_CACHE_BYTES = 64 * 2**20
_cache: OrderedDict[tuple, pa.Table] = OrderedDict()
_cache_lock = threading.Lock()


def cached_table(
    store: Store,
    sql: str,
    params: Sequence[object] = (),
    *,
    finish: Callable[[pa.Table], pa.Table] | None = None,
) -> pa.Table:
    """:func:`table` on the store, answered from memory when this process has run the same
    query on the same version of the store (a map, its hot spots and an export of one view
    ask for the same counts; a new app context per export reads them again).

    The version is the one of the file the query's cursor reads (:meth:`Store.snapshot`),
    so the answer and its key come from one snapshot: a load published between them
    cannot put new counts under the old version's key. Every write stamps a new version
    (``Store.writing``), so an answer is never served for a version it was not computed
    on. Arrow tables are immutable, so the same table can be handed to every caller. At
    most 64 answers and 64 MB are kept, least recently used first out. ``finish``, if
    given, is applied to the query's answer once, before it is kept.
    """
    bound = tuple(params)
    if dialect(store) != "duckdb":
        # A ClickHouse store reads the newest complete generation on each query; its answers
        # are not kept here (the server has its own caches).
        answer = store.fetch(sql, list(bound))
        return finish(answer) if finish else answer
    with store.snapshot() as (cur, version):
        key = (str(store.path), version, sql, bound, finish)
        with _cache_lock:
            hit = _cache.get(key)
            if hit is not None:
                _cache.move_to_end(key)
                return hit
        answer = cur.sql(sql, params=list(bound) or None).to_arrow_table()
    if finish is not None:
        answer = finish(answer)
    with _cache_lock:
        _cache[key] = answer
        while len(_cache) > _CACHE_ENTRIES or (
            len(_cache) > 1 and sum(t.nbytes for t in _cache.values()) > _CACHE_BYTES
        ):
            _cache.popitem(last=False)
    return answer


def clear_cache() -> None:
    """Forget every remembered answer (benchmarks time the query itself this way)."""
    with _cache_lock:
        _cache.clear()
