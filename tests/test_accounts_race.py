"""Workers opening one new accounts file at the same moment, as gunicorn starts them."""

from __future__ import annotations

import sqlite3
import threading
import time

from geo.accounts import _db


def test_opening_waits_for_another_worker_creating_the_file(tmp_path):
    # The race a loaded machine hit: worker A is creating the tables of a new file (a write
    # lock on a file still in rollback mode) when worker B asks for WAL mode. SQLite answers
    # "database is locked" at once there, without its busy wait; B exited 3 and gunicorn
    # stopped the server. B must wait for A instead.
    path = tmp_path / "accounts.sqlite"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE other_worker (x)")
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO other_worker VALUES (1)")
    release = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    try:
        _db.prepare(path)
    finally:
        release.join()
        other.close()
    assert time.monotonic() - started >= 0.4  # it waited for the other worker
    with _db.connect(path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA user_version").fetchone()[0] == _db.SCHEMA_VERSION
