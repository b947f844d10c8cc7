"""The disk filling up during a load: one clear line naming the store, exit code 2, and the
store exactly as it was (same version, same rows, no working files left behind).

Two ways to run out of room. Everywhere: the load runs under a file size limit
(``RLIMIT_FSIZE``; Python ignores SIGXFSZ, so a write past it fails with EFBIG), set so the
failure lands while the store is copied, while DuckDB writes the rows, or near the end of its
checkpoint. Where the test may mount a file system (root): a small tmpfs holds the store, and
is filled up once the load has made its working copy, so DuckDB meets ENOSPC.
"""

from __future__ import annotations

import contextlib
import resource
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from geo.ingest import ingest_police_uk
from geo.settings import Settings
from geo.store import Store
from socmap.cli import EXIT_ERROR
from tests.support.faults import (
    LoadWatch,
    copy_store,
    ingest_command,
    leftovers,
    load_case,
    store_state,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    folder = tmp_path_factory.mktemp("disk")
    # Enough new rows that DuckDB writes row groups to the file before the commit.
    case = load_case(folder, new_rows=300_000)
    clean = copy_store(case.base, folder / "clean")
    store = Store(clean)
    ingest_police_uk(store, case.file, Settings(db_path=clean), progress=False)
    store.close()
    return case, clean.stat().st_size


@pytest.mark.parametrize(
    ("where", "share"),
    [("copy", None), ("rows", 0.15), ("checkpoint", 0.9)],
)
def test_a_file_size_limit_mid_load_gives_one_clear_line_and_changes_nothing(
    case, tmp_path, where, share
):
    load, final_size = case
    base_size = load.base.stat().st_size
    assert final_size > base_size
    # The copy fails halfway through the live file; later limits let the copy through and
    # stop DuckDB part of the way from the old size to the new one.
    limit = base_size // 2 if share is None else int(base_size + share * (final_size - base_size))
    db = copy_store(load.base, tmp_path)
    result = subprocess.run(
        ingest_command(db, load.file),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),
    )
    _check_clear_failure(result, db, "the file grew past the size limit")
    assert store_state(db) == load.before, where
    assert leftovers(db) == set()


def test_a_disk_that_fills_up_during_a_load(case, tmp_path):
    load, _ = case
    mount = tmp_path / "small-disk"
    # Room for the store, its working copy and the headroom the store checks for before it
    # starts, but not for the load's growth once the rest is filled.
    size_mb = 2 * (load.base.stat().st_size // 2**20 + 1) + 64 + 2
    with _tmpfs(mount, size_mb):
        db = copy_store(load.base, mount / "store")
        proc = subprocess.Popen(
            ingest_command(db, load.file),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _wait_for_copy(LoadWatch(db, proc), load.base.stat().st_size)
        _fill(mount / "filler")
        out, err = proc.communicate(timeout=300)
        result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        _check_clear_failure(result, db, "the disk is full")
        (mount / "filler").unlink()
        assert store_state(db) == load.before
        assert leftovers(db) == set()


def test_too_little_room_to_start_a_load_is_refused_up_front(case, tmp_path):
    load, _ = case
    mount = tmp_path / "tiny-disk"
    with _tmpfs(mount, load.base.stat().st_size // 2**20 + 8):
        db = copy_store(load.base, mount / "store")
        result = subprocess.run(
            ingest_command(db, load.file), capture_output=True, text=True, timeout=300, check=False
        )
        _check_clear_failure(result, db, "not enough disk space to load")
        assert store_state(db) == load.before
        assert leftovers(db) == set()


def _check_clear_failure(result: subprocess.CompletedProcess, db: Path, problem: str) -> None:
    assert result.returncode == EXIT_ERROR, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"socmap: error: {db.resolve()}: "), lines[0]
    assert problem in lines[0], lines[0]
    assert "nothing was changed" in lines[0], lines[0]
    assert "Traceback" not in result.stderr


def _wait_for_copy(watch: LoadWatch, size: int, timeout: float = 120) -> None:
    """Until the working copy is complete (the free-space check is behind the load)."""
    work = watch.db.with_name(watch.db.name + ".writing")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        watch.poll()
        if "exit" in watch.seen:
            raise AssertionError(f"the load ended first: {watch.proc.communicate()[1]}")
        if work.exists() and work.stat().st_size >= size:
            return
        time.sleep(0.001)
    raise TimeoutError("the working copy did not appear")


def _fill(path: Path) -> None:
    """Write zeros until the file system is full."""
    chunk = b"\0" * (1 << 20)
    with path.open("wb", buffering=0) as fh:
        try:
            while fh.write(chunk):
                pass
        except OSError:
            pass


@contextlib.contextmanager
def _tmpfs(path: Path, size_mb: int):
    """A tmpfs of ``size_mb`` mounted at ``path``, or a skip where mounting is not allowed."""
    path.mkdir(parents=True)
    if shutil.which("mount") is None:
        pytest.skip("no mount command here")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip()})")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=False)
