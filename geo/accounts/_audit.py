"""The audit log: append-only rows of who did what, when, from where.

Rows can be added and read, never changed or deleted (triggers refuse UPDATE and DELETE, so
a bug or a careless query cannot rewrite history; someone with the file itself can, which is
why the file belongs to the service account alone). Details are JSON; passwords never reach
this module.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from geo.errors import ValidationError

EVENTS = (
    "sign-in",
    "sign-in-failed",
    "sign-in-refused",
    "sign-out",
    "view",  # a restricted view opened or changed: its filters (one entry per change)
    "export",
    "user-added",
    "user-removed",
    "password-changed",
)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str  # ISO 8601, UTC
    event: str
    user: str | None
    client: str | None
    detail: dict[str, Any]


def append(
    con: sqlite3.Connection,
    now: float,
    event: str,
    *,
    user: str | None,
    client: str | None,
    detail: dict[str, Any] | None,
) -> int:
    if event not in EVENTS:
        raise ValidationError(f"audit event {event!r}: expected one of {', '.join(EVENTS)}")
    at = datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds")
    text = json.dumps(detail or {}, sort_keys=True, default=str)
    cur = con.execute(
        "INSERT INTO audit (at, event, user, client, detail) VALUES (?, ?, ?, ?, ?)",
        [at, event, user, client, text],
    )
    return int(cur.lastrowid)


def select(
    con: sqlite3.Connection, limit: int, event: str | None, user: str | None
) -> list[AuditEntry]:
    """The latest ``limit`` entries (0: all), newest first."""
    clauses, params = [], []
    if event:
        clauses.append("event = ?")
        params.append(event)
    if user:
        clauses.append("user = ?")
        params.append(user)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = f"SELECT id, at, event, user, client, detail FROM audit {where} ORDER BY id DESC"
    if limit > 0:
        sql += " LIMIT ?"
        params.append(limit)
    rows = con.execute(sql, params).fetchall()
    return [AuditEntry(i, at, ev, u, c, json.loads(d)) for i, at, ev, u, c, d in rows]
