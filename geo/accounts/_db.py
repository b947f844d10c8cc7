"""The accounts file: SQLite in WAL mode, one short transaction per operation.

Several gunicorn workers and the command line use it at once. WAL lets readers run beside
the one writer; writers take the lock up front (``BEGIN IMMEDIATE``) so two of them never
deadlock upgrading a read lock, and wait for each other up to the busy timeout.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from geo.errors import StoreError

SCHEMA_VERSION = 2
_BUSY_MS = 30_000

_DDL = [
    """
    CREATE TABLE IF NOT EXISTS users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('viewer', 'analyst')),
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    # Who is counted: a digest of the name tried (it may be a password typed in the wrong
    # box, so it is never kept as typed) or the client address. Pruned after the window.
    """
    CREATE TABLE IF NOT EXISTS failures (
        counter TEXT NOT NULL,
        at REAL NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS failures_by_counter ON failures (counter, at)",
    """
    CREATE TABLE IF NOT EXISTS audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        event TEXT NOT NULL,
        user TEXT,
        client TEXT,
        detail TEXT NOT NULL
    )
    """,
    # Signed-in sessions (schema 2). The cookie holds a random token; only its digest is
    # kept here, so a copy of this file cannot be turned into a cookie. A row is deleted when
    # its session ends (sign-out, new password, user removed, idle or too old): the cookie
    # then opens nothing, whatever its signature says.
    """
    CREATE TABLE IF NOT EXISTS sessions (
        digest TEXT PRIMARY KEY,
        user TEXT NOT NULL,
        via TEXT NOT NULL,
        client TEXT,
        created REAL NOT NULL,
        seen REAL NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user)",
    # Recent anonymous downloads per client (digest of the address), pruned after the window.
    """
    CREATE TABLE IF NOT EXISTS quota (
        counter TEXT NOT NULL,
        at REAL NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS quota_by_counter ON quota (counter, at)",
    """
    CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
    """,
]


def prepare(path: Path) -> None:
    """Create the file (readable by its owner only) and its tables if they are missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    con = _open(path)
    try:
        _use_wal(con)
        con.execute("BEGIN IMMEDIATE")
        for statement in _DDL:
            con.execute(statement)
        con.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        con.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a usable accounts file ({exc})") from exc
    finally:
        con.close()


def _use_wal(con: sqlite3.Connection) -> None:
    """Put the file in WAL mode, waiting (up to the busy timeout) for another opener.

    Several workers start at once on a new file. SQLite does not call the busy handler when
    a rollback-mode file is switched to WAL while another connection holds a write lock (and a
    new, empty file stays in rollback mode until its first transaction commits), so the switch
    fails at once with "database is locked"; a worker failing here stops the whole server.
    """
    deadline = time.monotonic() + _BUSY_MS / 1000
    pause = 0.01
    while True:
        try:
            if con.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                con.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)


@contextlib.contextmanager
def connect(path: Path, *, write: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection for one operation; writes commit together or not at all."""
    con = _open(path)
    try:
        if write:
            con.execute("BEGIN IMMEDIATE")
        yield con
        if write:
            con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()


def _open(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, timeout=_BUSY_MS / 1000, isolation_level=None)
    con.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
    return con
