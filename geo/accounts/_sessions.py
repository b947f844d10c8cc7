"""Server-side sessions and per-client quotas, on the accounts file.

A session is a row keyed by the digest of a random token; the dashboard's signed cookie holds
the token. Whatever the cookie says, it opens nothing once its row is gone, so ending a
session is deleting the row: at sign-out, when the user's password changes or the user is
removed, after ``idle`` seconds without a request and ``lifetime`` seconds after sign-in.
A request moves "last seen" on (at most once a minute, to spare the file a write per
callback) and never the start, so no amount of use extends a session past its lifetime.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass

# "Last seen" is written at most this often (seconds), and never less often than a tenth of
# the idle timeout, so an idle session ends within 10% of its timeout.
_TOUCH_SECONDS = 60.0


@dataclass(frozen=True)
class Session:
    user: str
    via: str  # "password" or "trusted-header"
    created: float
    seen: float


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(con: sqlite3.Connection, user: str, via: str, client: str, now: float,
          lifetime: float) -> str:  # fmt: skip
    """A new session for ``user``; returns the token for the cookie (kept nowhere else)."""
    con.execute("DELETE FROM sessions WHERE created <= ?", [now - lifetime])
    token = secrets.token_urlsafe(32)
    con.execute(
        "INSERT INTO sessions (digest, user, via, client, created, seen) VALUES (?, ?, ?, ?, ?, ?)",
        [digest(token), user, via, client, now, now],
    )
    return token


def lookup(con: sqlite3.Connection, token: str) -> Session | None:
    row = con.execute(
        "SELECT user, via, created, seen FROM sessions WHERE digest = ?", [digest(token)]
    ).fetchone()
    return Session(*row) if row else None


def verdict(found: Session, now: float, idle: float, lifetime: float) -> str:
    """ "live", "touch" (live, and "last seen" is due to be written) or "ended"."""
    if now - found.created >= lifetime or now - found.seen >= idle or now < found.created:
        return "ended"
    return "touch" if now - found.seen >= min(_TOUCH_SECONDS, idle / 10) else "live"


def touch(con: sqlite3.Connection, token: str, now: float) -> None:
    con.execute("UPDATE sessions SET seen = ? WHERE digest = ?", [now, digest(token)])


def end(con: sqlite3.Connection, token: str) -> bool:
    return con.execute("DELETE FROM sessions WHERE digest = ?", [digest(token)]).rowcount > 0


def end_all(con: sqlite3.Connection, user: str) -> int:
    """End every session of ``user`` (a new password, the user removed)."""
    return con.execute("DELETE FROM sessions WHERE user = ?", [user]).rowcount


def take(con: sqlite3.Connection, counter: str, now: float, limit: int,
         window: float) -> float:  # fmt: skip
    """Count one use against ``counter`` if fewer than ``limit`` were made in the last
    ``window`` seconds and return 0; otherwise count nothing and return the seconds until
    one is allowed again."""
    con.execute("DELETE FROM quota WHERE at <= ?", [now - window])
    times = [t for (t,) in con.execute(
        "SELECT at FROM quota WHERE counter = ? ORDER BY at", [counter]
    )]  # fmt: skip
    if len(times) >= limit:
        return max(times[len(times) - limit] + window - now, 1.0)
    con.execute("INSERT INTO quota VALUES (?, ?)", [counter, now])
    return 0.0
