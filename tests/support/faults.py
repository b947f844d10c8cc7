"""Helpers for the fault tests: generated police.uk files with known counts, the store's
contents as plain data, a watcher that kills a load at a chosen moment, and the gunicorn
workers of a server.

The watcher only looks at files (the working copy, its WAL, the live file's identity), so
the product carries no test hooks: a kill lands where the load really is.
"""

from __future__ import annotations

import csv
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np

from geo.ingest import ingest_police_uk
from geo.ingest.police_uk import HEADER
from geo.settings import Settings
from geo.store import Store

# The order a load passes through, as seen from outside: the working copy appears (copy),
# grows past the live file (rows written), gets a WAL (commit), loses it again (checkpoint
# done), and is renamed over the live file (published).
EVENTS = ("start", "copy", "rows", "commit", "checkpointed", "published", "exit")


@dataclass(frozen=True)
class Expected:
    """What a generated file must become: every row is loaded, unmapped or quarantined."""

    rows: int
    loaded: int
    unmapped: int
    quarantined: int


def police_file(path: Path, months: dict[str, int], tag: str, seed: int) -> Expected:
    """A police.uk CSV with ``months[m]`` rows in month m: Kent points, 2% without a
    location, 1% with a longitude that is not a number (quarantined). Ids start with ``tag``.
    """
    rng = np.random.default_rng(seed)
    n = sum(months.values())
    lat = np.clip(51.27 + rng.normal(0, 0.05, n), 51.1, 51.4)
    lon = np.clip(0.7 + rng.normal(0, 0.2, n), 0.3, 1.3)
    kind = rng.choice(3, n, p=[0.97, 0.02, 0.01])  # 0 good, 1 unmapped, 2 bad longitude
    month = np.repeat(list(months), list(months.values()))
    categories = rng.choice(["Drugs", "Burglary", "Robbery", "Possession of weapons"], n)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        for i in range(n):
            lon_s, lat_s = f"{lon[i]:.6f}", f"{lat[i]:.6f}"
            if kind[i] == 1:
                lon_s = lat_s = ""
            elif kind[i] == 2:
                lon_s = "abc"
            writer.writerow(
                [f"{tag}{i:07d}", month[i], "Kent Police", "Kent Police", lon_s, lat_s,
                 "On or near X", "E01024343", "Maidstone 001A", categories[i], "", ""]
            )  # fmt: skip
    counts = np.bincount(kind, minlength=3)
    return Expected(n, int(counts[0]), int(counts[1]), int(counts[2]))


@dataclass(frozen=True)
class LoadCase:
    """A store holding one police.uk month, and a file whose load replaces that month and
    adds the next (so its commit deletes, supersedes and inserts)."""

    base: Path
    file: Path
    expected: Expected
    before: dict


def load_case(folder: Path, new_rows: int = 100_000) -> LoadCase:
    first = folder / "2018-01.csv"
    police_file(first, {"2018-01": 100_000}, "A", seed=1)
    file = folder / "2018-01-to-02.csv"
    # At least 80,000 of January's 100,000 rows again: an edition that lost more than a
    # quarter of a stored month would be refused (geo.ingest._refused), not replace it.
    jan = min(new_rows, max(new_rows // 2, 80_000))
    expected = police_file(file, {"2018-01": jan, "2018-02": new_rows - jan}, "B", seed=2)
    base = folder / "base" / "socmap.duckdb"
    base.parent.mkdir()
    store = Store(base)
    ingest_police_uk(store, first, Settings(db_path=base), progress=False)
    store.close()
    return LoadCase(base, file, expected, store_state(base))


def copy_store(base: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / base.name
    shutil.copyfile(base, db)
    return db


def ingest_command(db: Path, file: Path) -> list[str]:
    return socmap_command(db, "ingest", "police-uk", str(file), "--no-progress")


def store_state(db: Path) -> dict:
    """Every batch with its recorded counts and the rows actually stored for it."""
    store = Store(db)
    try:
        batches = store.fetch_rows(
            """
            SELECT b.batch_id, b.file, b.status, b.rows_read, b.loaded, b.unmapped,
                   b.quarantined,
                   (SELECT count(*) FROM incidents i WHERE i.batch_id = b.batch_id),
                   (SELECT count(*) FROM incidents i
                    WHERE i.batch_id = b.batch_id AND i.latitude IS NULL),
                   (SELECT count(*) FROM quarantine q WHERE q.batch_id = b.batch_id)
            FROM batches b ORDER BY b.batch_id
            """
        )
        totals = store.fetch_rows(
            "SELECT (SELECT count(*) FROM incidents), (SELECT count(*) FROM quarantine), "
            "(SELECT count(*) FROM areas), (SELECT count(district) FROM incidents)"
        )[0]
        return {"batches": batches, "totals": totals, "version": store.data_version()}
    finally:
        store.close()


def without_version(state: dict) -> dict:
    return {k: v for k, v in state.items() if k != "version"}


def socmap_command(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "socmap", "--db", str(db), *args]


@dataclass
class LoadWatch:
    """Watches a write to ``db`` by another process and records when each event was seen."""

    db: Path
    proc: subprocess.Popen
    seen: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._t0 = time.monotonic()
        self._base_size = self.db.stat().st_size if self.db.exists() else 0
        self._base_inode = self.db.stat().st_ino if self.db.exists() else None
        self.seen["start"] = 0.0

    def poll(self) -> None:
        now = time.monotonic() - self._t0
        work = self.db.with_name(self.db.name + ".writing")
        wal = work.with_name(work.name + ".wal")
        work_size = _size(work)
        if work_size is not None:
            self._mark("copy", now)
            if work_size > self._base_size:
                self._mark("rows", now)
        if _size(wal) is not None:
            self._mark("commit", now)
        elif "commit" in self.seen:
            self._mark("checkpointed", now)
        if self.db.exists() and self.db.stat().st_ino != self._base_inode:
            self._mark("published", now)
        if self.proc.poll() is not None:
            self._mark("exit", now)

    def _mark(self, event: str, now: float) -> None:
        self.seen.setdefault(event, now)

    @property
    def last(self) -> str:
        return max(self.seen, key=EVENTS.index)

    def run_to_end(self, timeout: float = 120) -> dict[str, float]:
        deadline = time.monotonic() + timeout
        while "exit" not in self.seen and time.monotonic() < deadline:
            self.poll()
            time.sleep(0.001)
        return dict(self.seen)

    def kill_at(
        self, anchor: str, delay: float, timeout: float = 120, sig: int = signal.SIGKILL
    ) -> str:
        """Send ``sig`` (SIGKILL: a kill; SIGINT: Ctrl-C) to the process ``delay`` s after
        ``anchor`` is seen (at once if the process ends first). Returns the last event seen
        before the signal."""
        deadline = time.monotonic() + timeout
        while anchor not in self.seen and "exit" not in self.seen:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{anchor} not seen within {timeout} s")
            self.poll()
            time.sleep(0.0005)
        until = time.monotonic() + delay
        while time.monotonic() < until and "exit" not in self.seen:
            self.poll()
            time.sleep(0.0005)
        self.poll()
        phase = self.last
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        self.proc.wait(timeout=60)
        return phase


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


DAMAGE = ("garbage", "truncate", "scribble", "foreign")


def damage_store(path: Path, how: str) -> None:
    """Damage a store file in place, one of :data:`DAMAGE` ways."""
    data = path.read_bytes()
    if how == "garbage":
        path.write_bytes(b"this is not a database" * 100)
    elif how == "truncate":
        path.write_bytes(data[: len(data) // 3])
    elif how == "scribble":  # the header is fine; every block after it fails its checksum
        with path.open("r+b") as fh:
            for offset in range(3 * 4096 + 1000, len(data), 256 * 1024):
                fh.seek(offset)
                fh.write(b"\xff" * 64)
    elif how == "foreign":  # a good DuckDB file, but not a socmap store
        path.unlink()
        con = duckdb.connect(str(path))
        con.execute("CREATE TABLE other (a INTEGER)")
        con.close()
    else:
        raise ValueError(how)


def leftovers(db: Path) -> set[str]:
    """Files beside the store other than the store, its lock and its previous version."""
    keep = {db.name, db.name + ".lock", db.name + ".prev"}
    return {p.name for p in db.parent.iterdir() if p.name.startswith(db.name)} - keep


def workers(master: int) -> set[int]:
    """gunicorn's live workers: the master's children but its publisher."""
    return {pid for pid in children(master) if not is_publisher(pid)}


def is_publisher(pid: int) -> bool:
    """Whether ``pid`` is socmap serve's publisher process (dashboard.publisher)."""
    try:
        return b"dashboard.publisher" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def children(pid: int) -> set[int]:
    """The live child processes of ``pid`` (gunicorn's workers, for its master)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # it ended while we looked
        # The command name is in parentheses and may hold spaces; fields follow it.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def wait_for(condition, timeout: float = 90, what: str = "condition"):
    """Poll until ``condition()`` is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError(f"{what} not met within {timeout} s")
