"""The store's accounts: rows loaded, unmapped and quarantined, batch by batch and in sum.

``socmap summary`` (:func:`geo.store.summarize`) and ``socmap quarantine`` read these. Every
row of every file loaded is in exactly one of: ``incidents`` with a location (loaded),
``incidents`` without one (unmapped), ``quarantine`` (rejected, with a reason).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from geo.store._file import Store
from geo.store.queries._run import check_choice, one, rows, table

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
FROM stored s FULL OUTER JOIN rejected r ON s.k IS NOT DISTINCT FROM r.k
ORDER BY 1 NULLS LAST
"""


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
    return rows(store, _COUNTS_SQL.format(key=column, qkey=quarantine_column))


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
    store: Store, *, file: str | None = None, limit: int = 0
) -> list[dict[str, Any]]:
    """Rejected rows (file, row_number, reason, raw), in load and row order: of one ``file``
    when given, at most ``limit`` when positive (0 or less: every row)."""
    sql = "SELECT file, row_number, reason, raw FROM quarantine"
    params: list[object] = []
    if file:
        sql += " WHERE file = ?"
        params.append(file)
    sql += " ORDER BY batch_id, row_number"
    if limit > 0:
        sql += " LIMIT ?"
        params.append(limit)
    return table(store, sql, params).to_pylist()
