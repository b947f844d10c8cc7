"""Batches: removing one, and the store's own log of what changed it beyond an ordinary load
(reading them is :mod:`geo.store.queries.batches`).

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
from geo.store._file import Store

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
