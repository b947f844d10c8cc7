"""The store's accounts: rows loaded, unmapped and quarantined, batch by batch and in sum.

``socmap summary`` (:func:`geo.store.summarize`), ``socmap quarantine`` and ``socmap
batches`` read these. Every
row of every file loaded is in exactly one of: ``incidents`` with a location (loaded),
``incidents`` without one (unmapped), ``quarantine`` (rejected, with a reason).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from geo.store._file import Store
from geo.store.queries._run import check_choice, dialect, one, records, rows, table

# How rows are grouped: (incidents expression, quarantine expression), fixed identifiers.
_KEYS = {
    "source": ("source", "source"),
    "category": ("category", "category"),
    "month": ("month", "month"),
}
KEYS = tuple(_KEYS)

_COUNTS_SQL = """
WITH stored AS (
    SELECT {key} AS k,
           count(*) FILTER (WHERE latitude IS NOT NULL) AS loaded,
           count(*) FILTER (WHERE latitude IS NULL) AS unmapped
    FROM incidents GROUP BY ALL
), rejected AS (
    SELECT {qkey} AS k, count(*) AS quarantined FROM quarantine GROUP BY ALL
)
SELECT coalesce(s.k, r.k) AS k,
       coalesce(s.loaded, 0), coalesce(s.unmapped, 0), coalesce(r.quarantined, 0)
FROM stored s FULL OUTER JOIN rejected r ON {same}
ORDER BY 1 NULLS LAST
"""
# A NULL key (a quarantined row whose month could not be read) meets its own kind.
_SAME_KEY = {
    "duckdb": "s.k IS NOT DISTINCT FROM r.k",
    "clickhouse": "isNotDistinctFrom(s.k, r.k)",
}


def totals(store: Store) -> tuple[int, int, int]:
    """(loaded, unmapped, quarantined) rows over the whole store."""
    loaded, unmapped, quarantined = one(
        store,
        """
        SELECT (SELECT count(*) FILTER (WHERE latitude IS NOT NULL) FROM incidents),
               (SELECT count(*) FILTER (WHERE latitude IS NULL) FROM incidents),
               (SELECT count(*) FROM quarantine)
        """,
    )
    return int(loaded), int(unmapped), int(quarantined)


def totals_by(store: Store, key: str) -> list[tuple[str | date | None, int, int, int]]:
    """(value, loaded, unmapped, quarantined) for each value of ``key`` (source, category or
    month) found in the incidents or the quarantine, sorted, unknown (None) last."""
    column, quarantine_column = _KEYS[check_choice("key", key, KEYS)]
    sql = _COUNTS_SQL.format(key=column, qkey=quarantine_column, same=_SAME_KEY[dialect(store)])
    return rows(store, sql)


_AREA_COLUMNS = ("district", "division")


def loaded_by_area(store: Store, level: str) -> list[tuple[str, str | None, str | None, int]]:
    """(code, name, parent, located incidents) for every loaded area at ``level`` (district
    or division), even with none, and every code incidents carry that no loaded area has
    (name None), by code."""
    column = check_choice("level", level, _AREA_COLUMNS)  # a fixed identifier
    return rows(
        store,
        f"""
        WITH counts AS (
            SELECT {column} AS code, count(*) AS n FROM incidents
            WHERE {column} IS NOT NULL GROUP BY ALL
        ), known AS (SELECT code, name, parent_code FROM areas WHERE level = ?)
        SELECT coalesce(k.code, c.code), k.name, k.parent_code, coalesce(c.n, 0)
        FROM known k FULL OUTER JOIN counts c ON k.code = c.code ORDER BY 1
        """,
        [column],
    )


def located_outside(store: Store) -> int:
    """Incidents with a location placed in no district."""
    sql = "SELECT count(*) FROM incidents WHERE latitude IS NOT NULL AND district IS NULL"
    return int(one(store, sql)[0])


def area_count(store: Store, level: str) -> int:
    """How many areas are loaded at ``level``."""
    check_choice("level", level, ("county", "district", "division"))
    return int(one(store, "SELECT count(*) FROM areas WHERE level = ?", [level])[0])


def batches(store: Store) -> list[dict[str, Any]]:
    """Every batch (one file's load), oldest first: its kind, source, file, checksum, rows
    read, loaded, unmapped, quarantined and replaced, when, and whether a later edition of
    the same data superseded it."""
    return table(
        store,
        """
        SELECT batch_id, kind, source, file, checksum, rows_read, loaded, unmapped,
               quarantined, replaced, loaded_at, status, superseded_by
        FROM batches ORDER BY batch_id
        """,
    ).to_pylist()


def quarantined_rows(
    store: Store, *, file: str | None = None, batch_id: int | None = None, limit: int = 0
) -> list[dict[str, Any]]:
    """Rejected rows (file, row_number, reason, raw, batch_id, batch_status), in batch and
    row order: the quarantine of live batches and the kept sample of refused batches
    (``batch_status`` 'refused'); of one ``file`` or ``batch_id`` when given, at most
    ``limit`` when positive (0 or less: every row)."""
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
    return records(table(store, sql, params))


_HOLDINGS_SQL = """
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


def batch_holdings(store: Store) -> list[dict[str, Any]]:
    """Every batch (``socmap batches``) with its counts at load (rows read, loaded, unmapped,
    quarantined, replaced), its status (active, superseded, refused, removed), why it was
    refused, the rows later batches replaced, and what it holds now (mapped and unmapped
    incidents, quarantined rows, a refused batch's kept rows); ``loaded_at`` in ISO form and
    ``months`` as YYYY-MM."""
    found = table(store, _HOLDINGS_SQL).to_pylist()
    for r in found:
        r["loaded_at"] = r["loaded_at"].isoformat()
        r["months"] = [f"{m:%Y-%m}" for m in r["months"]]
    return found


def store_log(store: Store, limit: int = 0) -> list[dict[str, Any]]:
    """The store's log (``socmap batches log``), newest first, at most ``limit`` entries when
    positive: when, the action, the batch, who, and the detail (decoded from JSON)."""
    sql = (
        "SELECT logged_at, action, batch_id, by_user, detail FROM store_log ORDER BY logged_at DESC"
    )
    params: list[object] = []
    if limit > 0:
        sql += " LIMIT ?"
        params.append(limit)
    found = table(store, sql, params).to_pylist()
    for r in found:
        r["logged_at"] = r["logged_at"].isoformat()
        r["detail"] = json.loads(r["detail"])
    return found
