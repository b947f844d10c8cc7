"""What the store holds: per source, category, month and area, loaded / unmapped /
quarantined. ``rows_read`` is what those add up to, so it equals the rows of every file
loaded (less the rows later replaced by a corrected edition). ``coverage`` says which sources
have data for which months and which themes each can report (:mod:`geo.store._coverage`): a month or
theme no source covers is missing data, not zero. ``context`` lists the open context data
loaded (basemap, places, postcodes, population, deprivation) with their vintages."""

from __future__ import annotations

from typing import Any

from geo.context import attribution, context_summary
from geo.filters import month_str
from geo.store._coverage import read_coverage
from geo.store._file import Store
from geo.themes import ThemeMap

_UNKNOWN = "(unknown)"

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

# Allow-listed grouping keys: (incidents expression, quarantine expression).
_KEYS = {
    "source": ("source", "source"),
    "category": ("category", "category"),
    "month": ("month", "month"),
}


def summarize(store: Store, themes: ThemeMap) -> dict[str, Any]:
    """The summary as plain data (JSON-ready)."""
    out: dict[str, Any] = {"store": str(store.path), "data_version": store.data_version()}
    totals = store.fetch_rows(
        """
        SELECT (SELECT count(*) FILTER (WHERE latitude IS NOT NULL) FROM incidents),
               (SELECT count(*) FILTER (WHERE latitude IS NULL) FROM incidents),
               (SELECT count(*) FROM quarantine)
        """
    )[0]
    loaded, unmapped, quarantined = (int(v) for v in totals)
    out.update(
        rows_read=loaded + unmapped + quarantined,
        loaded=loaded,
        unmapped=unmapped,
        quarantined=quarantined,
    )
    for name in ("source", "category", "month"):
        out[f"by_{name}"] = _grouped(store, name)
    for category, counts in out["by_category"].items():
        rule = themes.rule_for(category)
        counts["theme"] = rule.theme if rule else None
        counts["proxy"] = bool(rule and rule.proxy)
    out["by_district"] = _by_area(store, "district")
    out["by_division"] = _by_area(store, "division")
    out["outside"] = _outside(store)
    out["coverage"] = read_coverage(store).summary(themes)
    out["batches"] = _batches(store)
    # Open context data (geo.context): each set with its vintage, and the attribution maps
    # print when they draw all of it.
    out["context"] = {"sets": context_summary(store), "attribution": attribution(store)}
    return out


def _grouped(store: Store, name: str) -> dict[str, dict[str, int]]:
    key, qkey = _KEYS[name]
    rows = store.fetch_rows(_COUNTS_SQL.format(key=key, qkey=qkey))
    result = {}
    for k, loaded, unmapped, quarantined in rows:
        label = _UNKNOWN if k is None else (month_str(k) if name == "month" else str(k))
        result[label] = {
            "loaded": int(loaded),
            "unmapped": int(unmapped),
            "quarantined": int(quarantined),
        }
    return result


def _by_area(store: Store, column: str) -> dict[str, dict[str, Any]]:
    """Mapped incidents per area, keyed by ONS code; every loaded area, even with none."""
    # The column name comes from this module only; the level is a parameter.
    assert column in {"district", "division"}
    rows = store.fetch_rows(
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
    out: dict[str, dict[str, Any]] = {}
    for code, name, parent, n in rows:
        out[code] = {"name": name, "loaded": int(n)}
        if column == "division":
            out[code]["district"] = parent
    return out


def _outside(store: Store) -> int | None:
    """Mapped incidents in no district (None until district boundaries are loaded)."""
    (districts,) = store.fetch_rows("SELECT count(*) FROM areas WHERE level = 'district'")[0]
    if not districts:
        return None
    return int(
        store.fetch_rows(
            "SELECT count(*) FROM incidents WHERE latitude IS NOT NULL AND district IS NULL"
        )[0][0]
    )


def _batches(store: Store) -> list[dict[str, Any]]:
    rows = store.fetch(
        """
        SELECT batch_id, kind, source, file, checksum, rows_read, loaded, unmapped,
               quarantined, replaced, loaded_at, status, superseded_by
        FROM batches ORDER BY batch_id
        """
    ).to_pylist()
    for r in rows:
        r["loaded_at"] = r["loaded_at"].isoformat()
    return rows
