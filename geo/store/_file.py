"""The store: one DuckDB file that owns every incident, batch and boundary.

DuckDB lets one process write a file, and a process that has the file open for writing shuts
every other process out. The dashboard runs as several worker processes that must keep
answering while an analyst loads last month's data, so the store never writes the live file:

* A writer takes an exclusive lock (``<db>.lock``), copies the live file to ``<db>.writing``,
  does all its work there in one transaction, checkpoints, closes and fsyncs it, and then
  atomically renames it over the live file. The rename is the commit.
* Readers open the live file read-only. A reader that is mid-query keeps the version it
  opened (the old file stays alive until it closes it); the next query sees the new version,
  because each read checks the file's identity and reopens when it has changed.
* A writer that fails, is interrupted or is killed leaves the live file untouched; the stale
  ``.writing`` file is removed by the next writer. The previous version is kept as
  ``<db>.prev`` (a hard link, so it costs nothing until the next commit) for recovery.
* Before the rename, the working copy passes the whole-file check (:mod:`geo.store._check`:
  every block's checksum and socmap's own rules), so a damaged or inconsistent file is never
  published. The copy has the live file's mode, owner and group from its first byte
  (:mod:`geo.store._files`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from geo.errors import StoreError
from geo.store._counts import refresh_counts
from geo.store._errors import corrupt_message as _corrupt_message
from geo.store._errors import damage_in, interrupt_in, write_failure
from geo.store._files import copy_like, private_new_files
from geo.store._schema import DDL, SCHEMA_VERSION, UPGRADABLE

_LOCK_WAIT_SECONDS = 600
# DuckDB needs room for its WAL and a checkpoint beside the copy.
_DISK_HEADROOM_BYTES = 64 * 1024 * 1024
_HEADER_BYTES = 3 * 4096  # DuckDB's file header and its two database headers


class Store:
    """Owns the DuckDB file at ``path``; the only code that opens it."""

    dialect = "duckdb"  # which SQL the query layer writes for it (geo.store.queries._run)

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).resolve()
        self._reader = _Reader(self.path)
        self.last_check = None  # the check of the last version this object wrote

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    # -- reading -----------------------------------------------------------------------------

    def exists(self) -> bool:
        return self.path.is_file()

    @contextlib.contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only cursor on the current version, closed on exit."""
        with self._reader.cursor() as (cursor, _):
            yield cursor

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[tuple[duckdb.DuckDBPyConnection, str | None]]:
        """A read-only cursor and the data version it reads (None: a store without one).

        The version is read once, when the reader opens the file: a published write
        replaces the file, so a connection's version never changes, and a cache keyed by
        it needs no query of its own (0.3 ms a lookup, a tenth of a filtered count)."""
        with self._reader.cursor() as (cursor, version):
            yield cursor, version

    def fetch(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        """Run a read query with parameters and return an Arrow table."""
        with self.reading() as cur:
            return cur.sql(sql, params=params or None).to_arrow_table()

    def fetch_rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        with self.reading() as cur:
            return cur.execute(sql, params or []).fetchall()

    def data_version(self) -> str:
        """An id that changes with every committed write (for caches and audit records).

        The reader's, read once when it opened the current file: views ask for it on every
        cache lookup, and a stat is far cheaper than a query.
        """
        version = self._reader.version()
        return "empty" if version is None else version

    # -- writing -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(
        self, *, upgrading: bool = False, rules: bool = False
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction on a copy of the store, checked whole and published atomically.

        Any exception (or Ctrl-C) inside the block leaves the live store exactly as it was.
        Ctrl-C, however DuckDB reports it, is raised as KeyboardInterrupt; a damaged store, a
        failure to write the store's files (a full disk, say) or a copy that fails the store
        check is raised as a one-line StoreError that names the store; other exceptions pass
        through as they are. ``upgrading`` also accepts a store of an older schema version
        that ``socmap store upgrade`` brings up to date (only :mod:`geo.store._upgrade`
        passes it). Every write reads every block of the copy before publishing it (damage
        is never published); ``rules`` (the loads and batch removals, which keep the
        accounts) also checks socmap's own rules (:mod:`geo.store._check`).
        """
        from geo.store._check import require_sound  # noqa: PLC0415 - it imports h3

        with private_new_files(), _WriterLock(self.path.with_name(self.path.name + ".lock")):
            work = self.path.with_name(self.path.name + ".writing")
            _remove_quietly(work, _wal(work))
            try:
                self._prepare_copy(work, upgrading=upgrading)
                con = _connect(work, read_only=False)
                try:
                    con.execute("BEGIN TRANSACTION")
                    yield con
                    # The hexagon counts follow whatever the block changed, in its transaction.
                    refresh_counts(con)
                    _stamp_version(con)
                    con.execute("COMMIT")
                    con.execute("CHECKPOINT")
                finally:
                    con.close()
                self.last_check = require_sound(work, name=self.path, writing=True, rules=rules)
                _fsync(work)
                self._publish(work)
            except BaseException as exc:
                _remove_quietly(work, _wal(work))
                if interrupt_in(exc) and not isinstance(exc, KeyboardInterrupt):
                    raise KeyboardInterrupt from exc
                failure = write_failure(self.path, work, exc)
                if failure is not None:
                    raise failure from exc
                raise
        self._reader.invalidate()

    def _prepare_copy(self, work: Path, *, upgrading: bool = False) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.exists():
            con = _connect(work, read_only=False)
            try:
                for statement in DDL:
                    con.execute(statement)
                con.execute(
                    "INSERT INTO meta VALUES ('schema_version', ?), ('data_version', 'empty')",
                    [SCHEMA_VERSION],
                )
            finally:
                con.close()
            return
        self._check_schema(upgrading=upgrading)
        size = self.path.stat().st_size
        free = shutil.disk_usage(self.path.parent).free
        if free < size + _DISK_HEADROOM_BYTES:
            raise StoreError(
                f"{self.path}: not enough disk space to load: {free // 2**20} MB free, "
                f"about {(size + _DISK_HEADROOM_BYTES) // 2**20} MB needed; nothing was changed"
            )
        try:
            copy_like(self.path, work, self.path.stat(), self.path)
        except OSError as exc:
            raise write_failure(self.path, work, exc) or StoreError(
                f"{self.path}: could not copy the store to write it ({exc.strerror}); "
                "nothing was changed"
            ) from exc

    def _check_schema(self, *, upgrading: bool = False) -> None:
        # Opening the store checks it is a complete socmap store of this schema version.
        if not upgrading:
            with self.reading():
                pass
            return
        con = _connect(self.path, read_only=True)
        try:
            _check_complete(con, self.path, accept=UPGRADABLE)
        finally:
            con.close()

    def schema_version(self) -> str | None:
        """The stored schema version, whatever it is (None for a file without one)."""
        con = _connect(self.path, read_only=True)
        try:
            rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        except duckdb.Error:
            return None
        finally:
            con.close()
        return rows[0][0] if rows else None

    def _publish(self, work: Path) -> None:
        if self.exists():
            prev = self.path.with_name(self.path.name + ".prev")
            staging = self.path.with_name(self.path.name + ".prev-new")
            _remove_quietly(staging)
            os.link(self.path, staging)
            os.replace(staging, prev)
        os.replace(work, self.path)
        _fsync(self.path.parent)

    def restore_previous(self) -> None:
        """Put back the version before the last write (``<db>.prev``)."""
        prev = self.path.with_name(self.path.name + ".prev")
        if not prev.is_file():
            raise StoreError(f"{self.path}: there is no previous version ({prev.name}) to restore")
        with private_new_files(), _WriterLock(self.path.with_name(self.path.name + ".lock")):
            staging = self.path.with_name(self.path.name + ".restoring")
            _remove_quietly(staging)
            # The restored file keeps the live file's mode, owner and group (the previous
            # version's if there is no live file).
            like = (self.path if self.exists() else prev).stat()
            try:
                copy_like(prev, staging, like, self.path)
                os.replace(staging, self.path)
                _fsync(self.path.parent)
            except OSError as exc:
                _remove_quietly(staging)
                raise write_failure(self.path, staging, exc) or StoreError(
                    f"{self.path}: could not restore {prev.name} ({exc.strerror})"
                ) from exc
        self._reader.invalidate()

    def close(self) -> None:
        self._reader.invalidate()


class _Reader:
    """A read-only connection per process, reopened when the file is replaced.

    DuckDB caches database instances by path, so a new version can only be opened once every
    cursor on the old one has closed: ``invalidate`` waits for in-flight reads to finish.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._con: duckdb.DuckDBPyConnection | None = None
        self._identity: tuple[int, ...] | None = None
        self._version: str | None = None  # the open file's data version
        self._active = 0
        self._cond = threading.Condition()

    def version(self) -> str | None:
        """The current file's data version (opening it if it was replaced)."""
        with self._cond:
            self._open_current()
            return self._version

    @contextlib.contextmanager
    def cursor(self) -> Iterator[tuple[duckdb.DuckDBPyConnection, str | None]]:
        """A cursor on the current file, and that file's data version."""
        with self._cond:
            con = self._open_current()
            cur, version = con.cursor(), self._version
            self._active += 1
        try:
            yield cur, version
        except (duckdb.Error, RuntimeError) as exc:
            if interrupt_in(exc):
                raise KeyboardInterrupt from exc
            damage = damage_in(exc) or (str(exc) if isinstance(exc, duckdb.IOException) else None)
            if damage is not None:
                raise StoreError(_corrupt_message(self._path, damage)) from exc
            raise
        finally:
            cur.close()
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    def invalidate(self) -> None:
        with self._cond:
            self._close_when_idle()

    def _open_current(self) -> duckdb.DuckDBPyConnection:
        """The connection to the file now at the path, reopened (with its version read) when
        the file was replaced. Called holding the condition."""
        identity = _identity(self._path)
        if identity != self._identity:
            self._close_when_idle()
            con = _connect(self._path, read_only=True)
            try:
                _check_complete(con, self._path)
                self._version = _read_version(con, self._path)
            except BaseException:
                con.close()
                raise
            self._con = con
            self._identity = identity
        assert self._con is not None
        return self._con

    def _close_when_idle(self) -> None:
        while self._active:
            self._cond.wait()
        if self._con is not None:
            self._con.close()
        self._con = None
        self._identity = None


def _read_version(con: duckdb.DuckDBPyConnection, path: Path) -> str | None:
    try:
        rows = con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchall()
    except duckdb.Error as exc:  # as _check_complete says a damaged file
        raise StoreError(_corrupt_message(path, str(exc))) from exc
    return rows[0][0] if rows else None


def _identity(path: Path) -> tuple[int, ...]:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise StoreError(
            f"{path}: no store here yet; create one with `socmap demo` or `socmap ingest`"
        ) from None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


def _connect(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        # DuckDB draws a progress bar on stdout for queries over 2 s, terminal or not, which
        # would corrupt `--format json` output; socmap shows its own progress.
        con = duckdb.connect(str(path), read_only=read_only)
        con.execute("SET enable_progress_bar = false")
        if not read_only:
            # A load already holds its rows in memory (Arrow); DuckDB's own share is capped
            # so a large load spills its sort to disk instead of doubling peak memory.
            con.execute("SET memory_limit = '500MB'")
        return con
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise StoreError(f"{path}: the store is locked by another program ({text})") from exc
        raise StoreError(_corrupt_message(path, text)) from exc
    except duckdb.Error as exc:
        raise StoreError(_corrupt_message(path, str(exc))) from exc


def _check_complete(
    con: duckdb.DuckDBPyConnection, path: Path, accept: tuple[str, ...] = ()
) -> None:
    """Refuse a truncated file, or one that is not a socmap store, up front. DuckDB itself
    only notices a short file when a query reads a block past the end, which could be halfway
    through a dashboard request; the storage catalogue says which blocks the tables use, so
    a short file shows at once."""
    try:
        block_size = int(con.execute("PRAGMA database_size").fetchone()[2])
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        last = -1
        for table in tables:  # names come from DuckDB's own catalogue
            (top,) = con.execute(
                "SELECT coalesce(max(block_id), -1) FROM pragma_storage_info(?)", [table]
            ).fetchone()
            last = max(last, int(top))
    except duckdb.Error as exc:
        raise StoreError(_corrupt_message(path, str(exc))) from exc
    if path.stat().st_size < _HEADER_BYTES + (last + 1) * block_size:
        raise StoreError(_corrupt_message(path, "the file is shorter than its own index says"))
    if "meta" not in tables:
        raise StoreError(_corrupt_message(path, "a DuckDB file, but without socmap's tables"))
    _check_version(con, path, accept)


def _check_version(con: duckdb.DuckDBPyConnection, path: Path, accept: tuple[str, ...]) -> None:
    rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    found = rows[0][0] if rows else None
    if found == SCHEMA_VERSION or found in accept:
        return
    if found in UPGRADABLE:
        raise StoreError(
            f"{path}: store schema version {found}, this socmap needs {SCHEMA_VERSION}; run "
            f"`socmap --db {path} store upgrade` (it adds what the new version stores, such "
            "as each incident's hexagon at every resolution from its coordinates and the "
            "context and register tables; the data is kept)"
        )
    raise StoreError(
        f"{path}: store schema version {found}, this socmap needs "
        f"{SCHEMA_VERSION}; rebuild it (move the file aside and load the data again)"
    )


def _stamp_version(con: duckdb.DuckDBPyConnection) -> None:
    version = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    con.execute("UPDATE meta SET value = ? WHERE key = 'data_version'", [version])


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _remove_quietly(*paths: Path) -> None:
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _fsync(path: Path) -> None:
    """Flush a file or a directory entry to disk, so a crash after the rename keeps it."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _WriterLock:
    """An exclusive advisory lock, released by the kernel if the process dies."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    def __enter__(self) -> _WriterLock:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        except PermissionError:
            try:  # a lock file another user made: a read-only descriptor locks as well
                self._fd = os.open(self._path, os.O_RDONLY)
            except OSError as exc:
                raise StoreError(
                    f"{self._path}: cannot open the store's lock file ({exc.strerror}); "
                    "run the command as the store's owner"
                ) from None
        deadline = time.monotonic() + _LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(self._fd)
                    raise StoreError(
                        f"{self._path}: another load has held the store for "
                        f"{_LOCK_WAIT_SECONDS} s; try again when it finishes"
                    ) from None
                time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        assert self._fd is not None
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
