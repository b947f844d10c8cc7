"""Issue 19, failure 5: a damaged store gives one line and exit 2, never a traceback, and
``socmap store check`` finds damage the everyday commands never read.

Two kinds of damage to a copy of a real store (the Kent boundaries and October 2018): 16
bytes flipped across the file's first blocks (DuckDB's "Corrupt database file: computed
checksum ..."), and one 4 KB block flipped inside the ``incidents.incident_id`` column, which
``summary`` never reads. Each command exits 2 with the one "not a readable socmap store"
line naming ``socmap store restore``; ``store restore`` repairs it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb
import pytest

from geo import Settings, Store, ingest_police_uk
from geo.areas.boundaries import fetch_boundaries
from socmap.cli import EXIT_ERROR, EXIT_OK, main
from tests.support.faults import police_file

pytestmark = pytest.mark.shared_data

_HEADERS = 3 * 4096  # DuckDB's file header and its two database headers come first


@pytest.fixture(scope="module")
def real_store(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("damage")
    db = folder / "socmap.duckdb"
    store = Store(db)
    fetch_boundaries(store, from_dir=shared_data / "boundaries")
    october = shared_data / "police-uk" / "2018-10-kent-street.csv"
    ingest_police_uk(store, october, Settings(db_path=db), progress=False)
    store.close()
    police_file(folder / "next.csv", {"2018-12": 500}, "N", seed=4)
    return db, folder / "next.csv"


def _block_size_and_column_block(db, table: str, column: str) -> tuple[int, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        (size,) = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()
        (block,) = con.execute(
            "SELECT min(block_id) FROM pragma_storage_info(?) "
            "WHERE column_name = ? AND persistent AND block_id >= 0",
            [table, column],
        ).fetchone()
    finally:
        con.close()
    return int(size), int(block)


def _flip(db, offsets) -> None:
    with db.open("r+b") as fh:
        for offset in offsets:
            fh.seek(offset)
            byte = fh.read(1)
            fh.seek(offset)
            fh.write(bytes([byte[0] ^ 0xFF]))


def _damaged(real_store, tmp_path, how: str):
    base, _ = real_store
    folder = tmp_path / how
    folder.mkdir()
    db = folder / base.name
    shutil.copyfile(base, db)
    shutil.copyfile(base, folder / (base.name + ".prev"))  # what restore puts back
    size, block = _block_size_and_column_block(db, "incidents", "incident_id")
    if how == "bytes":  # one byte in each of the first 16 blocks
        _flip(db, [_HEADERS + b * size + 4096 + 97 * b for b in range(16)])
    else:  # a whole 4 KB inside the incident_id column's first block
        start = _HEADERS + block * size + 8192
        _flip(db, range(start, start + 4096))
    return db


COMMANDS = {
    "summary": ["summary"],
    "hexes": ["hexes", "--res", "7"],
    "quarantine": ["quarantine"],
    "batches": ["batches"],
    "store check": ["store", "check"],
    "ingest": ["ingest", "police-uk", "{next}", "--no-progress"],
}


@pytest.mark.parametrize("how", ["bytes", "block"])
def test_every_command_on_a_damaged_store_says_one_line(real_store, tmp_path, capsys, how):
    db = _damaged(real_store, tmp_path, how)
    damaged = db.read_bytes()
    answered = []
    for name, args in COMMANDS.items():
        argv = ["--db", str(db), *(a.format(next=real_store[1]) for a in args)]
        code = main(argv)  # an exception here is the traceback a user would see
        err = capsys.readouterr().err
        if code == EXIT_OK:
            answered.append(name)
            continue
        assert code == EXIT_ERROR, (name, code, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1, (name, err)
        assert "not a readable socmap store" in lines[0] and "socmap store restore" in lines[0]
        assert str(db) in lines[0]
    # The commands that answered never read the damaged block; the check and a load do.
    assert "store check" not in answered and "ingest" not in answered
    if how == "bytes":
        assert answered == []
    assert db.read_bytes() == damaged  # nothing wrote over it
    assert main(["--db", str(db), "store", "restore"]) == EXIT_OK
    assert main(["--db", str(db), "store", "check"]) == EXIT_OK
    capsys.readouterr()


@pytest.mark.parametrize("how", ["bytes", "block"])
def test_serve_refuses_a_damaged_store_at_start(real_store, tmp_path, how):
    db = _damaged(real_store, tmp_path, how)
    proc = subprocess.run(
        [sys.executable, "-m", "socmap", "--db", str(db), "serve", "--port", "8799"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == EXIT_ERROR, proc.stderr
    assert "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert "not a readable socmap store" in line and "socmap store restore" in line
