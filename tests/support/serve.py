"""``socmap serve`` with its production settings in a child process, and timing records.

The server is the real one (gunicorn, the default worker count unless told otherwise) on a
free port on 127.0.0.1; its log (access lines and errors) goes to a file that
:func:`log_problems` reads afterwards, so an error a user never saw still shows.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROBLEM = re.compile(r"Traceback|callback failed|request failed|\block|\[ERROR\]|WORKER TIMEOUT")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(db: Path, log: Path, *, workers: int | None = None, env: dict | None = None):
    """Serve ``db``; yields a :class:`Server`. ``workers=None`` keeps socmap's default. Values the
    workers share from an earlier run (``<db>.cache``) are removed first, so no run is
    flattered by the one before."""
    shutil.rmtree(db.with_name(db.name + ".cache"), ignore_errors=True)
    port = free_port()
    args = [sys.executable, "-m", "socmap", "serve", "--port", str(port)]
    if workers:
        args += ["--workers", str(workers)]
    full_env = {**os.environ, "SOCMAP_DB": str(db), "SOCMAP_LOG_LEVEL": "warning", **(env or {})}
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(args, env=full_env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(base, proc)
            yield Server(base, proc.pid, db)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@dataclass(frozen=True)
class Server:
    base: str  # http://127.0.0.1:PORT
    pid: int  # the gunicorn master
    db: Path

    def wait_for_publication(self, timeout: float = 300) -> float:
        """Seconds until the publisher (dashboard.publisher) has prepared the public views
        of the store's current version, as a server that has been up a while has."""
        from dashboard.publisher import ready_marker

        start = time.monotonic()
        cache = self.db.with_name(self.db.name + ".cache")
        while not any(cache.glob(f"*/{ready_marker()}")):
            if time.monotonic() - start > timeout:
                raise RuntimeError(f"the publisher did not finish within {timeout:.0f} s")
            time.sleep(0.5)
        return time.monotonic() - start

    def cpu_seconds(self) -> float:
        """CPU time used so far by the master and its live workers (user + system)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in [self.pid, *_children(self.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
        return total


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def wait_until_healthy(base: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    """Until ``socmap serve`` at ``base`` answers its health check; a server that exits first
    fails at once with its exit code rather than waiting out the timeout."""
    url = base + "/healthz"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"socmap serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def log_problems(log: Path) -> list[str]:
    """Lines of the server log that report an error (access lines are not)."""
    if not log.is_file():
        return []
    return [line for line in log.read_text(errors="replace").splitlines() if PROBLEM.search(line)]


@dataclass
class Sample:
    kind: str
    start: float  # time.monotonic() when the request ended minus its duration
    seconds: float
    status: int
    size: int
    error: str | None


@dataclass
class Recorder:
    """Every request's time, size and outcome (thread-safe)."""

    samples: list[Sample] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, kind, seconds, status, size, error) -> None:
        sample = Sample(kind, time.monotonic() - seconds, seconds, status, size, error)
        with self._lock:
            self.samples.append(sample)

    def mark(self) -> int:
        with self._lock:
            return len(self.samples)

    def since(self, mark: int) -> list[Sample]:
        with self._lock:
            return self.samples[mark:]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median": statistics.median(values) if values else float("nan"),
        "p95": percentile(values, 95) if values else float("nan"),
        "max": max(values) if values else float("nan"),
    }


def by_kind(samples: list[Sample]) -> dict[str, list[Sample]]:
    out: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        out[s.kind].append(s)
    return dict(out)
