"""The loaded areas (county, districts, divisions) and the boundary sets they came from.

:func:`area_shapes` is the one query for an area's boundary: the map's leaf areas and
outlines, the study region's area, export labels and layers, placement and place search all
read their shapes through it. Areas come sorted by level and code (a point on an edge
shared by two areas goes to the lower code, so callers that place points rely on it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import shapely

from geo.store._file import Store
from geo.store.queries._run import Source, pick, records, rows, table

LEVELS = ("county", "district", "division")


@dataclass(frozen=True)
class Area:
    """An area as loaded: its level, ONS code, name and parent (a division's district)."""

    level: str
    code: str
    name: str
    parent: str | None


@dataclass(frozen=True)
class AreaShape(Area):
    """An area and its boundary (WGS84 longitude, latitude), as used to place incidents."""

    geometry: shapely.Geometry


def _levels(levels: str | Iterable[str]) -> tuple[str, ...]:
    chosen = (levels,) if isinstance(levels, str) else tuple(levels)
    unknown = [lv for lv in chosen if lv not in LEVELS]
    if unknown or not chosen:
        raise ValueError(f"area levels {chosen!r}: expected some of {', '.join(LEVELS)}")
    return chosen


def _where(
    levels: tuple[str, ...], code: str | None, parent: str | None
) -> tuple[str, list[object]]:
    clauses = [f"level IN ({', '.join('?' for _ in levels)})"]
    params: list[object] = list(levels)
    if code is not None:
        clauses.append("code = ?")
        params.append(code)
    if parent is not None:
        clauses.append("parent_code = ?")
        params.append(parent)
    return " AND ".join(clauses), params


def area_shapes(
    source: Source,
    levels: str | Iterable[str] = LEVELS,
    *,
    code: str | None = None,
    parent: str | None = None,
) -> list[AreaShape]:
    """The areas at ``levels`` (optionally the one with ``code``, or the divisions of the
    district ``parent``) with their boundaries, sorted by level and code. ``source``: the
    store, or a load's open connection (placing incidents inside its transaction)."""
    where, params = _where(_levels(levels), code, parent)
    found = rows(
        source,
        f"SELECT level, code, name, parent_code, geometry FROM areas WHERE {where} "
        "ORDER BY level, code",
        params,
    )
    shapes = shapely.from_wkb([r[4] for r in found]) if found else []
    return [AreaShape(lv, c, n, p, g) for (lv, c, n, p, _), g in zip(found, shapes, strict=True)]


def areas(store: Store, levels: str | Iterable[str] = LEVELS) -> list[Area]:
    """The areas at ``levels`` without their shapes, sorted by level and code."""
    where, params = _where(_levels(levels), None, None)
    found = rows(
        store,
        f"SELECT level, code, name, parent_code FROM areas WHERE {where} ORDER BY level, code",
        params,
    )
    return [Area(*r) for r in found]


def district_digest(source: Source) -> tuple[int, int]:
    """(how many districts, a hash of their codes and shapes): changes whenever the districts
    do, so a value computed from them (the county outline) can be kept until then."""
    # Each engine's own hash: the digest is compared only with others from the same store.
    hashed = pick(source, duckdb="hash(code, geometry)", clickhouse="sipHash64(code, geometry)")
    count, digest = rows(
        source,
        f"SELECT count(*), coalesce(sum({hashed}), 0) FROM areas WHERE level = 'district'",
    )[0]
    return int(count), int(digest)


def boundary_sets(store: Store) -> list[dict[str, Any]]:
    """Every loaded boundary set (one per level): level, source, vintage, approximate, note,
    file, checksum, loaded_at and how many areas it holds, in no order."""
    # ClickHouse has no correlated subquery: the areas are counted by level and joined.
    sql = pick(
        store,
        duckdb="""
        SELECT s.level, s.source, s.vintage, s.approximate, s.note, s.file, s.checksum,
               s.loaded_at, (SELECT count(*) FROM areas a WHERE a.level = s.level) AS areas
        FROM boundary_sets s
        """,
        clickhouse="""
        SELECT s.level, s.source, s.vintage, s.approximate, s.note, s.file, s.checksum,
               s.loaded_at, coalesce(a.n, 0) AS areas
        FROM boundary_sets s
        LEFT JOIN (SELECT level, toInt64(count()) AS n FROM areas GROUP BY level) a
          ON a.level = s.level
        """,
    )
    return records(table(store, sql))


def boundaries_version(store: Store) -> tuple[tuple[str, str, str], ...]:
    """What identifies the loaded boundaries: (level, checksum, loaded at) of every set, so
    values that depend on the areas alone can be kept across loads of incidents."""
    return tuple(
        rows(
            store,
            "SELECT level, checksum, CAST(loaded_at AS VARCHAR) FROM boundary_sets ORDER BY level",
        )
    )


def boundary_checksums(store: Store) -> list[tuple[str, str]]:
    """(level, file checksum) of every loaded set, by level."""
    return rows(store, "SELECT level, checksum FROM boundary_sets ORDER BY level")
