"""The dashboard's one cache: every value a view computes is computed once and kept for as
long as what it depends on holds. One mechanism, three lifetimes:

* **per data version, in this worker** (:meth:`Memory.once` under a context's scope, through
  ``AppContext.cached``): a committed load gives a new version, so nothing stale is served;
* **per data version, for every worker** (:class:`SharedCache`, ``<db>.cache/``, through
  ``AppContext.shared``): the costly values several callbacks of one filter change need;
* **per version of the loaded boundaries, for every process** (``AppContext.lasting``: in
  memory, and on disk in ``<db>.shapes/``): hexagons cut to each area, which a load of
  incidents does not change.

In memory, one lock guards every table; a value being computed has a lock of its own, so the
threads that want it wait for it instead of computing it again. Across processes the same
rule is kept with a file lock per value (``flock``, released by the kernel if the holder
dies). Written here rather than taken from ``diskcache``: its values are pickles too, but it
has no notion of a data version (each version's folder is dropped as a whole here), and
computing a value once across processes while the others wait is the point, which its
``memoize`` does not do. (The core's query layer keeps its own memo of repeated identical
queries, ``geo.store.queries._run.cached_table``: the core never imports the dashboard.)

Across workers: a filter change in the browser sends three callbacks at once (map, side panel,
hotspot summary), which gunicorn hands to different worker processes, and each needs the same
county-wide suppressed counts (and the map and summary the same statistics). Computed in every
worker, that is three times the work on a machine with two cores. Here the first worker to need
a value takes a lock on it and computes it; the others wait for the lock and read what it wrote
(a pickle: a fraction of a millisecond for these values).

Shapes, which depend on the boundaries alone, are kept the same way in ``<db>.shapes/``, one
subfolder per version of the loaded boundaries: a new process (a command-line export, a new
worker) reads the hexagons cut to every area instead of cutting them again (about 1.5 s of a
county map's export).

The folder ``<db>.cache/`` is created private to the server's user (mode 0700); one that is
not (another owner, or writable by others) is never read, because a pickle runs code when
loaded. Each data version has its own subfolder, and older ones are removed when a new one is
started. Keys carry a fingerprint of socmap's own code, so a server started after an upgrade
never reads what an older version computed for the same data (the folder outlives servers).
Anything that goes wrong here (no space, a read-only folder) only means the value is
computed in this process, as it would be without the cache.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import logging
import os
import pickle
import re
import shutil
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger("socmap.dashboard")
_WAIT_SECONDS = 60  # longest wait for another worker's value before computing it here
_SAFE = re.compile(r"[^A-Za-z0-9_-]")


class SharedCache:
    """``holds_locks=False`` is for the low-priority publisher (:mod:`dashboard.publisher`):
    it computes without holding a value's lock, because a worker waiting on a lock held by a
    process the kernel hardly runs would wait for it (priority inversion). A worker that needs
    the value meanwhile computes it itself; whichever writes last writes the same value."""

    def __init__(self, db_path: Path, *, holds_locks: bool = True, suffix: str = ".cache") -> None:
        self.root = db_path.with_name(db_path.name + suffix)
        self.holds_locks = holds_locks
        self._pruned: str | None = None
        self._refused = False

    def get(self, version: str, key: Hashable, compute: Callable[[], T]) -> T:
        folder = self._folder(version)
        if folder is None:
            return compute()
        path = folder / f"{file_name(key)}.pickle"
        found = _read(path)
        if found is not _MISSING:
            return found
        if not self.holds_locks:
            value = compute()
            _write(path, value)
            return value
        with _Lock(path.with_suffix(".lock")):
            found = _read(path)
            if found is not _MISSING:
                return found
            value = compute()
            _write(path, value)
        return value

    def mark(self, version: str, name: str) -> None:
        """Leave an empty file ``name`` in ``version``'s folder (the publisher says it is done;
        benchmarks wait for it)."""
        folder = self._folder(version)
        if folder is not None:
            with contextlib.suppress(OSError):
                (folder / name).touch()

    def _folder(self, version: str) -> Path | None:
        if self._refused:
            return None
        folder = self.root / _SAFE.sub("_", version)
        try:
            self.root.mkdir(mode=0o700, exist_ok=True)
            info = self.root.stat()
            if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                log.warning("%s is not private to this user: not used", self.root)
                self._refused = True
                return None
            folder.mkdir(mode=0o700, exist_ok=True)
        except OSError as exc:
            log.warning("shared cache %s unavailable: %s", self.root, exc)
            return None
        if self._pruned != folder.name:
            self._pruned = folder.name
            for old in self.root.iterdir():
                if old.name != folder.name:
                    shutil.rmtree(old, ignore_errors=True)
        return folder


_MISSING = object()


def file_name(key: Hashable) -> str:
    """The name (without suffix) of a key's value and lock files: this code's and the key's."""
    return hashlib.sha256(repr((code_version(), key)).encode()).hexdigest()[:40]


@functools.cache
def code_version() -> str:
    """A hash of the source of the packages that compute shared values (geo, dashboard)."""
    digest = hashlib.sha256()
    for package in (Path(__file__).resolve().parents[1] / name for name in ("geo", "dashboard")):
        for path in sorted(package.rglob("*.py")):
            digest.update(str(path.relative_to(package.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _read(path: Path):
    try:
        with path.open("rb") as f:
            return pickle.load(f)  # noqa: S301 - our own files, in a folder only we can write
    except FileNotFoundError:
        return _MISSING
    except (OSError, EOFError, pickle.UnpicklingError) as exc:
        log.warning("shared cache %s unreadable (%s): computing again", path, exc)
        return _MISSING


def _write(path: Path, value: object) -> None:
    """Atomically, so a reader sees the whole value or none of it."""
    part = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        with part.open("wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(part, path)
    except OSError as exc:  # the folder of a replaced version was removed, or no space
        log.info("shared cache %s not written: %s", path, exc)
        with contextlib.suppress(OSError):
            part.unlink()


class _Lock:
    """An exclusive lock on a file, released by the kernel if the holder dies; after
    :data:`_WAIT_SECONDS` the waiter goes ahead without it."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    def __enter__(self) -> _Lock:
        try:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return self
        deadline = time.monotonic() + _WAIT_SECONDS
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return self
                time.sleep(0.005)

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the lock


class Memory:
    """The in-process tables of values (least recently used first out, each table its own
    size), behind one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tables: dict[Hashable, OrderedDict[Hashable, Any]] = {}
        self._pending: dict[tuple[Hashable, Hashable], threading.Lock] = {}

    def once(self, table: Hashable, key: Hashable, compute: Callable[[], T], size: int) -> T:
        """``table[key]``, computed by one thread while others asking for it wait (a worker
        runs several request threads, and the callbacks of a filter change need the same
        values)."""
        with self._lock:
            values = self._tables.setdefault(table, OrderedDict())
            if key in values:
                values.move_to_end(key)
                return values[key]
            mine = self._pending.setdefault((table, key), threading.Lock())
        with mine:
            with self._lock:
                if key in values:
                    return values[key]
            try:
                value = compute()
            except BaseException:
                with self._lock:
                    self._pending.pop((table, key), None)
                raise
            with self._lock:
                values[key] = value
                self._pending.pop((table, key), None)
                while len(values) > size:
                    values.popitem(last=False)
            return value

    def clear(self) -> None:
        """Forget every value (as a new process would start)."""
        with self._lock:
            self._tables.clear()


MEMORY = Memory()  # this process's
