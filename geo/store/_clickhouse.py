"""The store on ClickHouse: a server (``clickhouse://``) or embedded chdb (``chdb:///dir``).

Readers read the newest published *generation* (a database ``<db>_g<N>``; see
:mod:`geo.store._publish`), through the same query layer as on DuckDB: the query modules
hand this object their SQL (the ClickHouse text where the two differ) and their values,
which are always bound on the server (:mod:`geo.store._dialect`).

Loads are unchanged: they validate, place and account for rows in the DuckDB staging copy
(``SOCMAP_DB``, a :class:`~geo.store.Store`) exactly as on DuckDB, in one transaction, and
the committed copy is then published as a new generation. If the publish fails, the staging
copy is put back to the version before the load, so the next load starts from what readers
see; a writer that dies between the two leaves the staging copy ahead, and the next publish
(any load, or :meth:`ClickHouseStore.publish`) brings readers up to it.

Threads: each thread has its own client (a shared raw chdb session mixes up the parameters
of concurrent queries; the spike measured wrong answers). chdb opens one store directory per
process: a second process fails at once, which is reported as one line.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from geo.errors import StoreError
from geo.store import _publish
from geo.store._dialect import to_clickhouse
from geo.store._file import Store, _remove_quietly, _WriterLock
from geo.store._schema import SCHEMA_VERSION

if TYPE_CHECKING:
    import duckdb

    from geo.settings import StoreTarget

# Columns that hold WKB: read as bytes, not text.
_BINARY_COLUMNS = {"geometry": "bytes", "file_geometry": "bytes"}
# What makes ClickHouse answer the query layer's SQL as DuckDB does:
# - join_use_nulls: an outer join's missing side is NULL (not 0 or '');
# - prefer_column_name_to_alias: a column named in WHERE is the column, even when the
#   SELECT list gives another expression that name (`NULL AS cell ... WHERE cell IS NOT
#   NULL` otherwise filters on the NULL: every row gone);
# - aggregate_functions_null_for_empty: min/max/sum of no rows are NULL, not 0 or 1970-01-01.
_SESSION_SETTINGS = {
    "join_use_nulls": 1,
    "prefer_column_name_to_alias": 1,
    "aggregate_functions_null_for_empty": 1,
}


class ClickHouseStore:
    """The store's readers on ClickHouse, and its loads through a DuckDB staging copy."""

    dialect = "clickhouse"

    def __init__(self, target: StoreTarget, staging: str | Path) -> None:
        if target.kind not in ("chdb", "clickhouse"):
            raise ValueError(f"not a ClickHouse store: {target}")
        self.target = target
        self.database = target.database
        self.location = str(target)  # what the summary names the store by (no password)
        self.staging = Store(staging)
        # Local files that belong with this store (the dashboard's worker cache) go beside
        # the staging copy, as they go beside a DuckDB store.
        self.path = self.staging.path
        self._local = threading.local()
        self._clients: list[Any] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ClickHouseStore({self.location!r})"

    # -- connections ------------------------------------------------------------------------

    def client(self) -> Any:
        """This thread's client (created on first use)."""
        found = getattr(self._local, "client", None)
        if found is None:
            found = _connect(self.target)
            self._local.client = found
            with self._lock:
                self._clients.append(found)
        return found

    def close(self) -> None:
        with self._lock:
            clients, self._clients = self._clients, []
        for c in clients:
            with contextlib.suppress(Exception):
                c.close()
        self._local = threading.local()
        self.staging.close()

    def command(self, sql: str, params: dict[str, object] | None = None) -> None:
        """A statement outside any generation (DDL, the commit)."""
        c = self.client()
        c.database = "default"
        try:
            c.command(sql, parameters=params or None)
        except Exception as exc:
            raise _store_error(self.target, exc) from exc

    def control_rows(self, sql: str, params: dict[str, object] | None = None) -> list[tuple]:
        """A query outside any generation (which generations there are)."""
        c = self.client()
        c.database = "default"
        try:
            return [tuple(r) for r in c.query(sql, parameters=params or None).result_rows]
        except Exception as exc:
            raise _store_error(self.target, exc) from exc

    # -- reading ----------------------------------------------------------------------------

    def current(self) -> tuple[int, str] | None:
        """(generation, data version) readers use now; None before the first publish."""
        found = self._newest()
        return (found[0], found[1]) if found else None

    def _newest(self) -> tuple[int, str, str] | None:
        try:
            found = self.control_rows(
                f"SELECT gen, data_version, schema_version FROM `{self.database}`.generations "
                "ORDER BY gen DESC LIMIT 1"
            )
        except StoreError as exc:
            cause = str(exc.__cause__)
            if "UNKNOWN_TABLE" in cause or "UNKNOWN_DATABASE" in cause:
                return None
            raise
        return (int(found[0][0]), str(found[0][1]), str(found[0][2])) if found else None

    def exists(self) -> bool:
        return self.current() is not None

    def data_version(self) -> str:
        found = self.current()
        return found[1] if found else "empty"

    @contextlib.contextmanager
    def reading(self) -> Iterator[_Generation]:
        """The current generation, fixed for the block (several queries, one version)."""
        found = self._newest()
        if found is None:
            raise StoreError(
                f"{self.location}: no store here yet; create one with `socmap demo` or "
                "`socmap ingest`"
            )
        if found[2] != SCHEMA_VERSION:  # published by another version of socmap
            raise StoreError(
                f"{self.location}: store schema version {found[2]}, this socmap needs "
                f"{SCHEMA_VERSION}; upgrade the staging copy (`socmap store upgrade`) and "
                "it is published again"
            )
        yield _Generation(self, found[0])

    def fetch(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pa.Table:
        with self.reading() as gen:
            return gen.fetch(sql, params)

    def fetch_rows(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> list[tuple]:
        with self.reading() as gen:
            return gen.fetch_rows(sql, params)

    def schema_version(self) -> str | None:
        rows = self.fetch_rows("SELECT value FROM meta WHERE key = 'schema_version'")
        return rows[0][0] if rows else None

    # -- writing ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(
        self, *, upgrading: bool = False, rules: bool = False
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A load's transaction on the staging copy (checked as :meth:`Store.writing` checks
        it), published when it commits; on any failure readers keep the generation they had
        and the staging copy is as before."""
        lock = self.staging.path.with_name(self.staging.path.name + ".publish.lock")
        with _WriterLock(lock):
            had_copy = self.staging.exists()
            with self.staging.writing(upgrading=upgrading, rules=rules) as con:
                yield con
            try:
                self.publish()
            except BaseException:
                if had_copy:
                    self.staging.restore_previous()
                else:
                    self.staging.close()
                    _remove_quietly(self.staging.path)
                raise

    def restore_previous(self) -> None:
        """Put back the staging copy's previous version and publish it."""
        lock = self.staging.path.with_name(self.staging.path.name + ".publish.lock")
        with _WriterLock(lock):
            self.staging.restore_previous()
            self.publish()

    def publish(self) -> int:
        """Publish the staging copy as a new generation (nothing when readers already have
        its version); the generation readers use afterwards."""
        with self.staging.reading() as con:
            return _publish.Publisher(self, con).run()

    def generation(self, gen: int) -> _Generation:
        """Generation ``gen`` for reading, committed or being built (the publisher's)."""
        return _Generation(self, gen)

    def insert_arrow(self, database: str, table: str, rows: pa.Table) -> None:
        """Append ``rows`` to ``database.table`` (a generation being built; never one
        readers use: an insert that fails part-way can leave some rows behind)."""
        if rows.num_rows == 0:
            return
        try:
            # Arrow as it is, nulls included (chdb's Python() table function, 3.5 times
            # faster in the spike, reads a null date as a garbage day, so it is not used).
            self.client().insert_arrow(table, rows, database=database)
        except Exception as exc:
            raise _store_error(self.target, exc) from exc


class _Generation:
    """One generation, for reads: the query layer's source while it is held."""

    dialect = "clickhouse"

    def __init__(self, store: ClickHouseStore, gen: int) -> None:
        self._store = store
        self.gen = gen
        self.path = store.path
        self.location = store.location
        self.database = f"{store.database}_g{gen}"

    def _client(self) -> Any:
        c = self._store.client()
        c.database = self.database
        return c

    def fetch(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pa.Table:
        text, bound = to_clickhouse(sql, params or ())
        try:
            return self._client().query_arrow(text, parameters=bound or None)
        except Exception as exc:
            raise _store_error(self._store.target, exc) from exc

    def fetch_rows(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> list[tuple]:
        text, bound = to_clickhouse(sql, params or ())
        try:
            result = self._client().query(
                text, parameters=bound or None, column_formats=_BINARY_COLUMNS
            )
        except Exception as exc:
            raise _store_error(self._store.target, exc) from exc
        return [tuple(r) for r in result.result_rows]


def _connect(target: StoreTarget) -> Any:
    try:
        import clickhouse_connect  # noqa: PLC0415 (only a ClickHouse store loads the client)
    except ImportError as exc:
        raise StoreError(
            f"SOCMAP_STORE names a ClickHouse store ({target.kind}) but its client is not "
            "installed: pip install 'socmap[clickhouse]'"
        ) from exc
    try:
        if target.kind == "chdb":
            assert target.path is not None
            target.path.mkdir(parents=True, exist_ok=True)
            return clickhouse_connect.get_client(
                interface="chdb", path=str(target.path), settings=_SESSION_SETTINGS
            )
        return clickhouse_connect.get_client(
            host=target.host,
            port=target.port,
            username=target.username or "default",
            password=target.password or "",
            secure=target.secure,
            settings=_SESSION_SETTINGS,
        )
    except Exception as exc:
        raise _store_error(target, exc) from exc


def _store_error(target: StoreTarget, exc: BaseException) -> StoreError:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    opening = "EmbeddedServer" in str(exc)  # chdb could not start its engine
    if "Cannot lock file" in str(exc) or (opening and _locked_elsewhere(target)):
        return StoreError(
            f"{target}: the store is in use by another socmap process (embedded ClickHouse "
            "opens a directory in one process at a time; use a ClickHouse server for more)"
        )
    return StoreError(f"{target}: {text}")


def _locked_elsewhere(target: StoreTarget) -> bool:
    """Whether another process holds the chdb directory (its engine flocks ``status``; chdb
    reports only "Error initializing EmbeddedServer")."""
    if target.kind != "chdb" or target.path is None:
        return False
    status = target.path / "status"
    try:
        fd = os.open(status, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
