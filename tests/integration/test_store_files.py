"""Issue 19, failure 4: a load keeps the store's mode, owner and group.

A store kept at 0600 (or 0640) with its own owner and group stays so after a load, a batch
removal, an upgrade-free write of any kind and a restore; nothing beside it (its previous
version, its lock, a working copy) is more readable than it. Before, every write created
the copy with the umask and the writer's user and renamed it over the store: -rw-r--r--
root's after any load.
"""

from __future__ import annotations

import os
import stat

import pytest

from geo import Settings, Store, ingest_police_uk
from socmap.cli import EXIT_OK, main
from tests.support.faults import police_file

OWNER, GROUP = 4321, 8765  # an owner and a group other than the writer's


@pytest.fixture
def private_store(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("giving a file another owner needs root")
    db = tmp_path / "socmap.duckdb"
    police_file(tmp_path / "oct.csv", {"2018-10": 300}, "A", seed=1)
    ingest_police_uk(Store(db), tmp_path / "oct.csv", Settings(db_path=db), progress=False)
    os.chown(db, OWNER, GROUP)
    return db


def _who(path):
    st = path.stat()
    return stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid


def _beside(db):
    return {p.name: _who(p) for p in db.parent.iterdir() if p.name.startswith(db.name)}


@pytest.mark.parametrize("mode", [0o600, 0o640])
def test_a_load_keeps_the_stores_mode_owner_and_group(private_store, tmp_path, mode, capsys):
    db = private_store
    os.chmod(db, mode)
    police_file(tmp_path / "nov.csv", {"2018-11": 200}, "B", seed=2)
    old_umask = os.umask(0o022)  # a usual umask: new files would be -rw-r--r--
    try:
        code = main(["--db", str(db), "ingest", "police-uk", str(tmp_path / "nov.csv"),
                     "--no-progress"])  # fmt: skip
    finally:
        os.umask(old_umask)
    assert code in (EXIT_OK, 3), capsys.readouterr().err
    assert Store(db).fetch_rows("SELECT count(DISTINCT batch_id) FROM incidents") == [(2,)]
    assert _who(db) == (mode, OWNER, GROUP)
    for name, (m, _uid, _gid) in _beside(db).items():
        assert m & ~mode == 0, f"{name} is {m:04o}, more readable than the store's {mode:04o}"
    assert not (db.parent / (db.name + ".writing")).exists()


def test_removal_and_restore_keep_them_too(private_store, capsys):
    db = private_store
    os.chmod(db, 0o600)
    old_umask = os.umask(0o022)
    try:
        assert main(["--db", str(db), "batches", "remove", "1"]) == EXIT_OK
        assert _who(db) == (0o600, OWNER, GROUP)
        assert main(["--db", str(db), "store", "restore"]) == EXIT_OK
        assert _who(db) == (0o600, OWNER, GROUP)
    finally:
        os.umask(old_umask)
    capsys.readouterr()
    assert Store(db).fetch_rows("SELECT count(*) FROM incidents")[0][0] > 0  # restored
    for name, (m, _uid, _gid) in _beside(db).items():
        assert m & 0o077 == 0, f"{name} is {m:04o}"
