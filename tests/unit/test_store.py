"""The store: atomic versions, readers in other processes, clear errors on a damaged file."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from geo import StoreError
from geo.ingest.police_uk import HEADER
from geo.store import Store
from socmap.cli import main
from tests.support.faults import DAMAGE, damage_store

_COUNT_IN_CHILD = textwrap.dedent(
    """
    import sys, time
    from geo.store import Store
    s = Store(sys.argv[1])
    print(s.fetch_rows("SELECT count(*) FROM meta")[0][0], flush=True)
    sys.stdin.readline()  # wait for the parent to commit a write
    print(s.fetch_rows("SELECT count(*) FROM meta")[0][0], flush=True)
    """
)


def _add_meta(store: Store, key: str) -> None:
    with store.writing() as con:
        con.execute("INSERT INTO meta VALUES (?, 'x')", [key])


def test_a_reader_in_another_process_sees_each_committed_version(store):
    _add_meta(store, "one")
    child = subprocess.Popen(
        [sys.executable, "-c", _COUNT_IN_CHILD, str(store.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = int(child.stdout.readline())
        # The child holds the file open read-only; a write must still go through.
        _add_meta(store, "two")
        child.stdin.write("\n")
        child.stdin.flush()
        second = int(child.stdout.readline())
    finally:
        child.communicate(timeout=30)
    assert second == first + 1


def test_a_failed_write_publishes_nothing(store):
    _add_meta(store, "one")
    before = store.data_version()
    with pytest.raises(RuntimeError), store.writing() as con:
        con.execute("INSERT INTO meta VALUES ('two', 'x')")
        raise RuntimeError("disk on fire")
    assert store.data_version() == before
    assert store.fetch_rows("SELECT count(*) FROM meta WHERE key = 'two'")[0][0] == 0


def test_the_previous_version_can_be_restored(store):
    _add_meta(store, "one")
    _add_meta(store, "two")
    store.restore_previous()
    keys = {k for (k,) in store.fetch_rows("SELECT key FROM meta")}
    assert "one" in keys and "two" not in keys


# Commands that read the store, each as a user would type it after `socmap --db FILE`.
READERS = [
    ["summary"],
    ["quarantine"],
    ["boundaries", "list"],
    ["hexes", "--res", "8"],
    ["ingest", "police-uk", "{csv}", "--no-progress"],
]


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_store_gives_a_clear_error(store, settings, capsys, damage, tmp_path):
    _add_meta(store, "one")
    store.close()
    damage_store(settings.db_path, damage)
    with pytest.raises(StoreError) as err:
        Store(settings.db_path).fetch_rows("SELECT count(*) FROM incidents")
    assert str(settings.db_path.resolve()) in str(err.value)
    assert "socmap store restore" in str(err.value)
    csv_file = tmp_path / "month.csv"
    csv_file.write_text(",".join(HEADER) + "\n", encoding="utf-8")
    for command in READERS:
        args = [a.format(csv=csv_file) for a in command]
        code = main(["--db", str(settings.db_path), *args])
        out = capsys.readouterr()
        assert code == 2, args
        assert "Traceback" not in out.err
        lines = out.err.strip().splitlines()
        assert len(lines) == 1, (args, out.err)
        assert lines[0].startswith(f"socmap: error: {settings.db_path.resolve()}: "), args
        assert "socmap store restore" in lines[0], args


def test_the_server_refuses_to_start_on_a_damaged_store(store, settings):
    _add_meta(store, "one")
    store.close()
    damage_store(settings.db_path, "truncate")
    done = subprocess.run(
        [sys.executable, "-m", "socmap", "--db", str(settings.db_path), "serve", "--port", "1"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith(f"socmap: error: {settings.db_path.resolve()}: not a readable")
    assert "Traceback" not in done.stderr


def test_a_damaged_store_is_put_right_by_restore(store, settings, capsys):
    _add_meta(store, "one")
    _add_meta(store, "two")
    store.close()
    damage_store(settings.db_path, "scribble")
    assert main(["--db", str(settings.db_path), "store", "restore"]) == 0
    assert main(["--db", str(settings.db_path), "summary"]) == 0
    keys = {k for (k,) in Store(settings.db_path).fetch_rows("SELECT key FROM meta")}
    assert "one" in keys and "two" not in keys


def test_a_missing_store_says_how_to_create_one(settings, capsys):
    assert main(["--db", str(settings.db_path), "summary"]) == 2
    assert "socmap demo" in capsys.readouterr().err


def test_the_core_imports_no_user_interface():
    """Every module of geo (walked, not listed, so a new one is checked too) imports
    without pulling in the dashboard or its libraries."""
    code = (
        "import importlib, pkgutil, sys, geo\n"
        "names = [m.name for m in pkgutil.walk_packages(geo.__path__, 'geo.')]\n"
        "for name in names: importlib.import_module(name)\n"
        "ui = ('dash', 'plotly', 'flask', 'dashboard', 'playwright')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ui)\n"
        "print(len(names), bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    count, bad = out.split(" ", 1)
    assert int(count) > 60  # every submodule was imported (about 70 today)
    assert bad == "[]"


def test_zoned_times_read_as_utc_datetimes_equal_to_pyarrows_own():
    """records() reads zoned timestamps without pandas; the values are pyarrow's own, in the
    column's zone (an hour that occurs twice in autumn included)."""
    from datetime import UTC, datetime

    import pyarrow as pa

    from geo.store.queries._run import records

    times = [datetime(2024, 3, 31, 0, 30, tzinfo=UTC), None, datetime(2019, 10, 27, 1, 5, 7, 8)]
    times[2] = times[2].replace(tzinfo=UTC)
    tbl = pa.table(
        {
            "at": pa.array(times, pa.timestamp("us", tz="Europe/London")),
            "n": [1, 2, 3],
        }
    )
    ours, theirs = records(tbl), tbl.to_pylist()
    assert ours == theirs
    assert [r["at"] and (r["at"].isoformat(), r["at"].fold) for r in ours] == [
        r["at"] and (r["at"].isoformat(), r["at"].fold) for r in theirs
    ]
