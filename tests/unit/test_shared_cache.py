"""The cache worker processes share (dashboard.cache): computed once, read by the
others, private to the server's user, and never a reason for a request to fail."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from dashboard.cache import SharedCache


def test_a_value_is_computed_once_and_read_by_another_worker(tmp_path):
    db = tmp_path / "socmap.duckdb"
    calls = []
    first, second = SharedCache(db), SharedCache(db)  # two workers' caches
    assert first.get("v1", ("public", 1), lambda: calls.append(1) or {"n": 42}) == {"n": 42}
    assert second.get("v1", ("public", 1), lambda: calls.append(2) or {"n": 0}) == {"n": 42}
    assert calls == [1]
    assert second.get("v1", ("public", 2), lambda: "other") == "other"  # another key


def test_a_new_data_version_is_computed_again_and_old_versions_are_removed(tmp_path):
    cache = SharedCache(tmp_path / "socmap.duckdb")
    assert cache.get("v1", "k", lambda: "old") == "old"
    assert cache.get("v2", "k", lambda: "new") == "new"
    assert [p.name for p in cache.root.iterdir()] == ["v2"]


def test_a_value_computed_by_other_code_is_not_read(tmp_path, monkeypatch):
    """After an upgrade the same data version may hold values the old code computed."""
    from dashboard import cache as shared

    db = tmp_path / "socmap.duckdb"
    assert SharedCache(db).get("v1", "k", lambda: "old code") == "old code"
    monkeypatch.setattr(shared, "code_version", lambda: "another version")
    assert SharedCache(db).get("v1", "k", lambda: "new code") == "new code"


def test_workers_waiting_for_one_value_get_the_first_workers_result(tmp_path):
    """Three processes ask at once; the value takes a while to compute; it is computed once."""
    log = tmp_path / "computed.log"
    code = textwrap.dedent(
        f"""
        import time, sys
        from pathlib import Path
        from dashboard.cache import SharedCache
        def compute():
            with open({str(log)!r}, "a") as f:
                f.write("x")
            time.sleep(0.5)
            return sys.argv[1]
        print(SharedCache(Path({str(tmp_path / "socmap.duckdb")!r})).get("v1", "k", compute))
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(i)], stdout=subprocess.PIPE, text=True)
        for i in range(3)
    ]
    answers = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert log.read_text() == "x"
    assert len(answers) == 1


def test_a_folder_others_can_write_is_never_read(tmp_path):
    db = tmp_path / "socmap.duckdb"
    root = db.with_name(db.name + ".cache")
    root.mkdir()
    os.chmod(root, 0o777)
    cache = SharedCache(db)
    calls = []
    for _ in range(2):
        cache.get("v1", "k", lambda: calls.append(1) or "value")
    assert calls == [1, 1]  # computed each time, nothing written or read
    assert list(root.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write a read-only folder")
def test_an_unwritable_folder_means_computing_here(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o500)
    try:
        cache = SharedCache(folder / "socmap.duckdb")
        assert cache.get("v1", "k", lambda: "value") == "value"
    finally:
        os.chmod(folder, 0o700)


def test_an_unreadable_value_is_computed_again(tmp_path):
    cache = SharedCache(tmp_path / "socmap.duckdb")
    cache.get("v1", "k", lambda: "value")
    (stored,) = (cache.root / "v1").glob("*.pickle")
    stored.write_bytes(b"not a pickle")
    assert cache.get("v1", "k", lambda: "again") == "again"


def test_threads_of_one_worker_asking_for_one_value_compute_it_once(store, settings):
    """A worker's request threads share its in-process cache: one computes, the rest wait."""
    import threading
    import time

    from dashboard.views.context import AppContext

    with store.writing():
        pass  # an empty store, so the data version can be read
    ctx = AppContext.create(store, settings)
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return "value"

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(ctx.cached("k", slow))) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["value"] * 4
    assert calls == [1]


def test_each_context_has_its_own_values_and_an_export_shares_its_dashboards(store, settings):
    """One cache for the process, scoped per context: the public and restricted apps (or two
    servers with other settings) never read each other's values under the same key, and an
    export's pinned context reads what its dashboard computed."""
    from dashboard.export._context import pinned
    from dashboard.views.context import AppContext
    from geo.disclosure import Audience

    with store.writing():
        pass
    public = AppContext.create(store, settings, Audience.PUBLIC)
    restricted = AppContext.create(store, settings, Audience.RESTRICTED)
    assert public.cached("k", lambda: "public") == "public"
    assert restricted.cached("k", lambda: "restricted") == "restricted"
    assert pinned(public).cached("k", lambda: "computed again") == "public"


def test_a_table_keeps_its_most_recent_values_and_a_failure_is_not_kept():
    from dashboard.cache import Memory

    memory = Memory()
    for i in range(5):
        memory.once("t", i, lambda i=i: i * 10, size=3)
    assert memory.once("t", 4, lambda: "again", size=3) == 40
    assert memory.once("t", 0, lambda: "again", size=3) == "again"  # pushed out
    assert memory.once("other", 4, lambda: "own table", size=3) == "own table"

    def fails():
        raise ValueError("no")

    with pytest.raises(ValueError):
        memory.once("t", "bad", fails, size=3)
    assert memory.once("t", "bad", lambda: "later", size=3) == "later"
