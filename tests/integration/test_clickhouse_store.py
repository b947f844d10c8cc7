"""The ClickHouse store's own promises: all-or-nothing publishing by generations, the
replace-a-month rule carried over, one client per thread, one process per chdb directory,
and SOCMAP_STORE parsed and checked."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import date

import h3
import numpy as np
import pytest

from geo.errors import StoreError, ValidationError
from geo.filters import Filters
from geo.settings import Settings, StoreTarget
from geo.store import _publish
from geo.store.queries import _run, batches, counts, coverage
from geo.themes import load_themes
from tests.support import backends as _backends
from tests.support import boundaries as bh

THEMES = load_themes(None)


@pytest.fixture(scope="session")
def chdb_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("chdb")


@pytest.fixture
def ch(chdb_dir, tmp_path):
    store = _backends.clickhouse_store(chdb_dir, tmp_path)
    yield store
    store.close()


def _load_base(store, tmp_path):
    from geo.areas.boundaries import load_boundaries
    from geo.ingest import ingest_police_uk

    paths = bh.write_set(tmp_path / "b")
    load_boundaries(store, paths["district"], "district")
    load_boundaries(store, paths["division"], "division")
    settings = Settings(db_path=store.staging.path)
    ingest_police_uk(
        store, bh.write_police_csv(tmp_path / "2018-10.csv", bh.POINTS), settings, progress=False
    )
    return settings


def _state(store):
    """What a reader sees: the accounts and every month's count."""
    return (
        store.data_version(),
        batches.totals(store),
        batches.totals_by(store, "month"),
        counts.hex_counts(store, Filters(), 8, THEMES).sort_by("cell").to_pylist(),
    )


def _generation_databases(store):
    found = store.control_rows(
        "SELECT name FROM system.databases WHERE startsWith(name, {p:String}) ORDER BY name",
        {"p": f"{store.database}_g"},
    )
    return [n for (n,) in found]


def test_a_publish_failing_midway_leaves_readers_on_the_old_generation(ch, tmp_path, monkeypatch):
    from geo.demo import load_demo

    settings = _load_base(ch, tmp_path)
    before = _state(ch)
    gen_before = ch.current()[0]
    staging_before = ch.staging.data_version()

    # A reader on its own thread throughout: it must only ever see whole generations.
    seen, stop = set(), threading.Event()

    def read():
        while not stop.is_set():
            seen.add(batches.totals(ch))

    reader = threading.Thread(target=read)
    reader.start()
    written = []
    real = _publish.month_rows

    def failing(con, columns, yyyymm):
        if len(written) == 3:  # three of the demo's twelve months are already written
            raise OSError("disk full (simulated)")
        written.append(yyyymm)
        return real(con, columns, yyyymm)

    monkeypatch.setattr(_publish, "month_rows", failing)
    try:
        with pytest.raises(OSError, match="simulated"):
            load_demo(ch, settings, seed=3, months=12, end="2026-10")
        assert len(written) == 3
        assert _state(ch) == before
        assert ch.current()[0] == gen_before
        assert ch.staging.data_version() == staging_before  # the staging copy put back
        assert _generation_databases(ch) == [f"{ch.database}_g{gen_before}"] or (
            f"{ch.database}_g{gen_before}" in _generation_databases(ch)
        )
        assert f"{ch.database}_g{gen_before + 1}" not in _generation_databases(ch)

        monkeypatch.setattr(_publish, "month_rows", real)
        load_demo(ch, settings, seed=3, months=12, end="2026-10")
    finally:
        stop.set()
        reader.join()
    after = batches.totals(ch)
    assert after == batches.totals(ch.staging) != before[1]
    assert seen <= {before[1], after}, seen  # never a half-published load
    assert ch.current()[0] > gen_before


def test_only_changed_months_are_written_and_old_generations_dropped(ch, tmp_path, monkeypatch):
    from geo.ingest import ingest_police_uk

    settings = _load_base(ch, tmp_path)
    written = []
    real = _publish.month_rows
    monkeypatch.setattr(
        _publish, "month_rows", lambda con, cols, m: written.append(m) or real(con, cols, m)
    )
    rows = [bh.police_row(f"n{i}", 0.55, 51.1, month="2018-11") for i in range(5)]
    path = tmp_path / "2018-11.csv"
    bh.write_police_csv(path, [])
    with path.open("a") as out:
        out.writelines(",".join(r) + "\n" for r in rows)
    ingest_police_uk(ch, path, settings, progress=False)
    assert written == [201811]  # 2018-10 was cloned, not written again
    assert coverage.months_loaded(ch) == [date(2018, 10, 1), date(2018, 11, 1)]
    gen = ch.current()[0]
    assert _generation_databases(ch) == sorted(
        [f"{ch.database}_g{gen - 1}", f"{ch.database}_g{gen}"]
    )


def test_replacing_a_month_removes_the_old_rows_for_readers(ch, tmp_path):
    from geo.ingest import ingest_police_uk

    settings = _load_base(ch, tmp_path)
    assert batches.totals(ch)[0] == len(bh.POINTS)
    # One row fewer: within the share of a month a new edition may drop without being forced.
    kept = bh.POINTS[:-1]
    corrected = bh.write_police_csv(tmp_path / "2018-10-corrected.csv", kept)
    ingest_police_uk(ch, corrected, settings, progress=False)
    assert batches.totals(ch) == batches.totals(ch.staging) == (len(kept), 0, 0)
    assert [b["status"] for b in batches.batches(ch)] == ["superseded", "active"]
    assert batches.batches(ch) == batches.batches(ch.staging)


def test_a_failed_first_load_leaves_no_store(chdb_dir, tmp_path, monkeypatch):
    store = _backends.clickhouse_store(chdb_dir, tmp_path)
    monkeypatch.setattr(_publish, "table_rows", lambda *a: (_ for _ in ()).throw(OSError("x")))
    try:
        with pytest.raises(OSError):
            _load_base(store, tmp_path)
        assert not store.staging.exists()
        assert store.current() is None
        with pytest.raises(StoreError, match="no store here yet"):
            batches.totals(store)
    finally:
        store.close()


def test_hexagon_ids_are_h3_py_s(ch, tmp_path):
    """cell_hex is made in SQL (hex without the leading zero byte): pinned to h3-py."""
    _load_base(ch, tmp_path)
    for res in range(5, 11):
        table = counts.hex_counts(ch, Filters(), res, THEMES)
        assert table.num_rows > 0
        for cell, text in zip(
            table["cell"].to_pylist(), table["cell_hex"].to_pylist(), strict=True
        ):
            assert text == h3.int_to_str(cell)
            assert h3.get_resolution(text) == res


def test_each_thread_has_its_own_client(ch, tmp_path):
    """Concurrent parameterised queries each get their own value back (one shared raw chdb
    session mixes up parameters between threads)."""
    _load_base(ch, tmp_path)
    errors = []

    def ask(k):
        for i in range(150):
            value = f"{k}-{i}-'\\"
            try:
                got = _run.rows(ch, "SELECT ?, ?", [value, k * 1000 + i])
            except Exception as exc:  # noqa: BLE001 - every failure is collected and shown
                errors.append(repr(exc))
                continue
            if got != [(value, k * 1000 + i)]:
                errors.append((value, got))

    threads = [threading.Thread(target=ask, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_a_second_process_is_told_the_store_is_in_use(ch, tmp_path, chdb_dir):
    _load_base(ch, tmp_path)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from geo.settings import StoreTarget\n"
        "from geo.store import ClickHouseStore\n"
        "from geo.errors import StoreError\n"
        f"s = ClickHouseStore(StoreTarget(kind='chdb', path=Path({str(chdb_dir)!r})), "
        f"Path({str(tmp_path / 'x.duckdb')!r}))\n"
        "try:\n    s.current()\nexcept StoreError as e:\n    print(e); sys.exit(3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 3, done.stderr[-2000:]
    assert "in use by another socmap process" in done.stdout
    assert len(done.stdout.strip().splitlines()) == 1


# -- SOCMAP_STORE ---------------------------------------------------------------------------


def test_store_setting_is_parsed():
    env = Settings.from_env
    assert env({}).store == StoreTarget()
    assert env({"SOCMAP_STORE": "duckdb"}).store.kind == "duckdb"
    chdb = env(
        {
            "SOCMAP_STORE": "chdb:///srv/socmap/ch",
            "SOCMAP_WORKERS": "1",
            "SOCMAP_PREPARE_PUBLIC": "false",
        }
    ).store
    assert (chdb.kind, str(chdb.path), chdb.database) == ("chdb", "/srv/socmap/ch", "socmap")
    server = env({"SOCMAP_STORE": "clickhouses://reader:s%40cret@ch.internal:9443/kent"}).store
    assert (server.kind, server.host, server.port, server.database) == (
        "clickhouse",
        "ch.internal",
        9443,
        "kent",
    )
    assert (server.username, server.password, server.secure) == ("reader", "s@cret", True)
    assert "s@cret" not in str(server) and "s@cret" not in repr(server)
    assert env({"SOCMAP_STORE": "clickhouse://ch"}).store.port == 8123


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("postgres://x/y", "expected duckdb"),
        ("chdb://relative/dir", "three slashes"),
        ("clickhouse://ch:99999/socmap", "port"),
        ("clickhouse:///socmap", "no host"),
        ("clickhouse://ch/so-cmap", "database"),
        ("clickhouse://ch/x;DROP", "database"),
    ],
)
def test_bad_store_settings_are_one_clear_line(raw, words):
    with pytest.raises(ValidationError, match=words) as caught:
        Settings.from_env({"SOCMAP_STORE": raw})
    assert "\n" not in str(caught.value)


def test_embedded_clickhouse_refuses_several_processes():
    with pytest.raises(ValidationError, match="SOCMAP_WORKERS=1"):
        Settings.from_env({"SOCMAP_STORE": "chdb:///srv/ch"})
    with pytest.raises(ValidationError, match="PREPARE_PUBLIC"):
        Settings.from_env({"SOCMAP_STORE": "chdb:///srv/ch", "SOCMAP_WORKERS": "1"})


def test_open_store_follows_the_setting(tmp_path):
    from geo.store import ClickHouseStore, Store, open_store

    assert isinstance(open_store(Settings(db_path=tmp_path / "a.duckdb")), Store)
    target = StoreTarget(kind="chdb", path=tmp_path / "ch")
    opened = open_store(
        Settings(db_path=tmp_path / "a.duckdb", store=target, workers=1, prepare_public=False)
    )
    assert isinstance(opened, ClickHouseStore)
    assert opened.staging.path == (tmp_path / "a.duckdb").resolve()
    assert np.array([1]).size == 1
