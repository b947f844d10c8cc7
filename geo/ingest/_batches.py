"""Batches: listing them, removing one, and the store's own log of what changed it beyond an
ordinary load.

A batch is one file's load. ``socmap batches`` lists every batch with its status (active,
superseded, refused, removed) and what it still holds; ``socmap batches remove N`` removes a
batch with everything it holds (incidents, quarantined rows, a refused batch's kept rows) in
one transaction, which also writes an entry in the store's log (``store_log``: when, who, which
batch and file, how many rows, the reason given). The log is in the store itself, so the entry
commits or rolls back with the removal; ``socmap store restore`` puts back the log of the
version it restores. Loads that override a guard (``--force-replace``) are logged the same way.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

from geo.errors import ValidationError
from geo.store import Store

ACTIONS = ("batch-removed", "forced-replace")


def log_action(
    con: duckdb.DuckDBPyConnection, action: str, batch_id: int | None, detail: dict[str, Any]
) -> None:
    """Append an entry to the store's log, inside the writer's transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unknown store log action {action!r}")
    con.execute(
        "INSERT INTO store_log VALUES (?, ?, ?, ?, ?)",
        [datetime.now(UTC), action, batch_id, os_user(), json.dumps(detail, default=str)],
    )


def os_user() -> str:
    """Who ran the command, as the operating system knows them."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container, say)
        return f"uid {os.geteuid()}"


_BATCHES_SQL = """
WITH stored AS (
    SELECT batch_id, count(latitude) AS mapped, count(*) - count(latitude) AS unmapped
    FROM incidents GROUP BY batch_id
), rejected AS (SELECT batch_id, count(*) AS n FROM quarantine GROUP BY batch_id),
kept AS (SELECT batch_id, count(*) AS n FROM refused_rows GROUP BY batch_id)
SELECT b.batch_id, b.kind, b.source, b.file, b.status, b.rows_read, b.loaded, b.unmapped,
       b.quarantined, b.replaced, coalesce(b.replaced_later, 0) AS replaced_later,
       b.months, b.loaded_at, b.superseded_by, b.refusal,
       coalesce(s.mapped, 0) AS holds_mapped, coalesce(s.unmapped, 0) AS holds_unmapped,
       coalesce(r.n, 0) AS holds_quarantined, coalesce(k.n, 0) AS holds_refused_rows
FROM batches b
LEFT JOIN stored s USING (batch_id) LEFT JOIN rejected r USING (batch_id)
LEFT JOIN kept k USING (batch_id)
ORDER BY b.batch_id
"""


def list_batches(store: Store) -> list[dict[str, Any]]:
    """Every batch with its counts at load and what it holds now."""
    rows = store.fetch(_BATCHES_SQL).to_pylist()
    for r in rows:
        r["loaded_at"] = r["loaded_at"].isoformat()
        r["months"] = [f"{m:%Y-%m}" for m in r["months"]]
    return rows


def read_log(store: Store, limit: int = 0) -> list[dict[str, Any]]:
    """The store's log, newest first (``limit`` 0: all)."""
    sql = (
        "SELECT logged_at, action, batch_id, by_user, detail FROM store_log ORDER BY logged_at DESC"
    )
    params: list[object] = []
    if limit > 0:
        sql += " LIMIT ?"
        params.append(limit)
    rows = store.fetch(sql, params).to_pylist()
    for r in rows:
        r["logged_at"] = r["logged_at"].isoformat()
        r["detail"] = json.loads(r["detail"])
    return rows


@dataclass(frozen=True)
class Removed:
    batch_id: int
    file: str
    status: str  # what it was
    incidents: int
    quarantined: int
    refused_rows: int


def remove_batch(store: Store, batch_id: int, *, reason: str = "") -> Removed:
    """Remove batch ``batch_id`` and everything it holds, logged in the store's log."""
    with store.writing(rules=True) as con:
        row = con.execute(
            "SELECT status, file, source FROM batches WHERE batch_id = ?", [batch_id]
        ).fetchone()
        if row is None:
            raise ValidationError(f"batch {batch_id}: no such batch (`socmap batches` lists them)")
        status, file, source = row
        if status in ("superseded", "removed"):
            raise ValidationError(f"batch {batch_id} ({file}) is {status}: it holds nothing")
        counts = []
        for table in ("incidents", "quarantine", "refused_rows"):  # fixed names
            (n,) = con.execute(f"DELETE FROM {table} WHERE batch_id = ?", [batch_id]).fetchone()
            counts.append(int(n))
        con.execute(
            "UPDATE batches SET status = 'removed', superseded_by = NULL WHERE batch_id = ?",
            [batch_id],
        )
        removed = Removed(batch_id, file, status, *counts)
        log_action(
            con,
            "batch-removed",
            batch_id,
            {
                "file": file,
                "source": source,
                "was": status,
                "incidents": removed.incidents,
                "quarantined": removed.quarantined,
                "refused_rows": removed.refused_rows,
                "reason": reason,
            },
        )
    return removed


def read_rejected(
    store: Store, *, file: str | None = None, batch_id: int | None = None, limit: int = 0
) -> list[dict[str, Any]]:
    """Rejected rows with their batch: the quarantine of live batches, and the kept sample of
    refused batches (``batch_status`` says which), in batch and row order."""
    clauses, params = [], []
    if file:
        clauses.append("r.file = ?")
        params.append(file)
    if batch_id is not None:
        clauses.append("r.batch_id = ?")
        params.append(batch_id)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = f"""
        SELECT r.file, r.row_number, r.reason, r.raw, r.batch_id, b.status AS batch_status
        FROM (SELECT batch_id, file, row_number, reason, raw FROM quarantine
              UNION ALL
              SELECT batch_id, file, row_number, reason, raw FROM refused_rows) r
        JOIN batches b USING (batch_id)
        {where}
        ORDER BY r.batch_id, r.row_number
    """
    if limit > 0:
        sql += " LIMIT ?"
        params.append(limit)
    return store.fetch(sql, params).to_pylist()
